"""Signed webhooks: deliveries written in the change's transaction, sent by a job with backoff for a day."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


def connect_signals() -> None:
    from lms import events
    from lms.webhooks import receivers

    events.lead_registered.connect(receivers.on_lead_registered)
    events.lead_status_changed.connect(receivers.on_lead_status_changed)
    events.lead_payout_changed.connect(receivers.on_lead_payout_changed)
    events.survey_response_created.connect(receivers.on_survey_response)
    events.kickoff_held.connect(receivers.on_kickoff_held)
    events.certificate_issued.connect(receivers.on_certificate_issued)
    events.checkin_recorded.connect(receivers.on_checkin_recorded)
    events.lead_registered.connect(receivers.on_lead_created_stage)
    events.lead_status_changed.connect(receivers.on_lead_won_stage)


from lms.webhooks import views  # noqa: E402,F401
