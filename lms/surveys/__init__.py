from flask import Blueprint

bp = Blueprint("surveys", __name__)


def connect_signals() -> None:
    """Subscribe surveys to kickoffs held and certificates issued; add panels and digest lines. Called by the app factory."""
    from lms import events
    from lms.surveys import invitations, panels

    events.kickoff_held.connect(invitations.on_kickoff_held)
    events.certificate_issued.connect(invitations.on_certificate_issued)
    events.partner_home_requested.connect(panels.partner_home)
    events.manager_agenda_requested.connect(panels.manager_agenda)
    events.overdue_digest_requested.connect(panels.overdue_digest)


from lms.surveys import views  # noqa: E402,F401  (routes attach to bp)
