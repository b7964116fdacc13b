from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/workspace")


def connect_signals() -> None:
    """Connect the workspace's receivers (called once by the app factory)."""
    from lms import events
    from lms.workspace import receivers

    events.checkin_recorded.connect(receivers.on_checkin_recorded, weak=False)
    events.checkin_record_requested.connect(receivers.record_form_panel, weak=False)
    events.partner_home_requested.connect(receivers.home_panel, weak=False)


from lms.workspace import views  # noqa: E402,F401  (routes attach to bp)
