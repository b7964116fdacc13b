from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")


def connect_signals() -> None:
    """Connect the plan's receivers (called once by the app factory)."""
    from lms import events
    from lms.plans import receivers

    events.checkin_recorded.connect(receivers.on_checkin_recorded, weak=False)
    events.manager_agenda_requested.connect(receivers.agenda_panel, weak=False)
    events.partner_home_requested.connect(receivers.home_panel, weak=False)


from lms.plans import views  # noqa: E402,F401  (routes attach to bp)
