"""Signal receivers: each change becomes deliveries in the same transaction (flush, never commit)."""

from __future__ import annotations

from lms.webhooks.service import queue_event, record_partner_stage


def _lead(lead) -> dict:
    from lms.api.leads import _out

    return _out(lead).model_dump(mode="json")


def on_lead_registered(_sender, *, db, lead, outcome, now, **_kwargs) -> None:
    queue_event(db, "lead.created", {"lead": _lead(lead), "outcome": outcome}, now)


def on_lead_status_changed(_sender, *, db, lead, from_status, to_status, now, **_kwargs) -> None:
    queue_event(db, "lead.status_changed", {"lead": _lead(lead), "from": from_status, "to": to_status}, now)


def on_lead_payout_changed(_sender, *, db, lead, from_stage, to_stage, now, **_kwargs) -> None:
    queue_event(db, "lead.payout_changed", {"lead": _lead(lead), "from": from_stage, "to": to_stage}, now)


def on_survey_response(_sender, *, db, response, now, **_kwargs) -> None:
    queue_event(db, "survey.response_created", {"response_id": response.id, "survey_id": response.survey_id,
                                                "partner_id": response.partner_id, "tier_id": response.tier_id,
                                                "quarter": response.quarter}, now)


# --- partner.stage_changed: recomputed where something that can move a stage happens ---------------------

def on_kickoff_held(_sender, *, db, partner, now, **_kwargs) -> None:
    record_partner_stage(db, partner.id, now)


def on_certificate_issued(_sender, *, db, user, now, **_kwargs) -> None:
    record_partner_stage(db, user.partner_id, now)


def on_checkin_recorded(_sender, *, db, checkin, now, **_kwargs) -> None:
    record_partner_stage(db, checkin.partner_id, now)


def on_lead_created_stage(_sender, *, db, lead, now, **_kwargs) -> None:
    record_partner_stage(db, lead.partner_id, now)  # the first lead


def on_lead_won_stage(_sender, *, db, lead, to_status, now, **_kwargs) -> None:
    if to_status == "won":  # a recent win makes the partner active
        record_partner_stage(db, lead.partner_id, now)
