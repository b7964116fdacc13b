"""The conflict policy's rules at their edges: overrides, take-overs and splits, with what each records.

Each example pins a rule that test_service.py left open (found by mutation testing, see bench/README.md
"Leads and surveys"). The history rows are what a manager reads on the lead, so who/when/what is checked.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.errors import DomainError
from lms.leads import service
from lms.models import Lead, LeadEvent
from tests.leads.factories import register, set_policy

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)  # a Monday
LATER = NOW + timedelta(days=3)


def _last_event_id(db) -> int:
    return db.scalar(select(func.max(LeadEvent.id))) or 0


def _events_since(db, event_id: int, lead: Lead) -> list[tuple]:
    rows = db.scalars(select(LeadEvent).where(LeadEvent.id > event_id, LeadEvent.lead_id == lead.id)
                      .order_by(LeadEvent.id))
    return [(e.kind, e.field, e.from_value, e.to_value) for e in rows]


def _assert_all_by(db, event_id: int, actor, at: datetime) -> None:
    rows = db.scalars(select(LeadEvent).where(LeadEvent.id > event_id)).all()
    assert rows
    assert {(e.actor_id, e.at.replace(tzinfo=timezone.utc) if e.at.tzinfo is None else e.at) for e in rows} == {
        (actor.id if actor else None, at)}


# --- override ---------------------------------------------------------------------------------------------

def test_a_won_registration_cannot_be_overridden_and_nothing_changes(db, people):
    holder, _ = register(db, people["gold"], "example.com", now=NOW)
    service.decide_lead(db, people["manager"], holder, True, None, NOW)
    service.close_lead(db, people["manager"], holder, True, Decimal("1000"), None, NOW)
    duplicate, _ = register(db, people["bronze"], "example.com", now=NOW)
    before = _last_event_id(db)
    with pytest.raises(DomainError) as refused:
        service.override_conflict(db, people["manager"], duplicate, "Bronze met them first", LATER)
    assert str(refused.value) == "The other registration is already won; its outcome cannot be overridden."
    assert refused.value.field == "reason"
    assert (holder.status, holder.claim, duplicate.status, duplicate.claim) == ("won", "holder", "rejected", None)
    assert _last_event_id(db) == before


def test_override_of_a_duplicate_records_who_when_and_why_on_both_leads(db, people):
    holder, _ = register(db, people["gold"], "example.com", now=NOW)
    duplicate, _ = register(db, people["bronze"], "example.com", now=NOW)
    assert duplicate.conflict_with_id == holder.id
    before = _last_event_id(db)
    service.override_conflict(db, people["manager"], duplicate, "Bronze met them first", LATER)
    note = "Conflict decision overridden by the partner manager: Bronze met them first"

    assert (holder.status, holder.claim, holder.status_reason) == ("rejected", None, note)
    assert holder.conflict_outcome == "overridden" and holder.conflict_with_id == duplicate.id
    assert _events_since(db, before, holder) == [("override", "status", "registered", "rejected")]

    assert (duplicate.status, duplicate.claim, duplicate.status_reason) == ("registered", "holder", None)
    assert duplicate.conflict_outcome == "overridden" and duplicate.conflict_with_id == holder.id
    assert duplicate.expires_at == LATER + timedelta(days=90)  # a fresh registration period from the override
    assert duplicate.share_percent == 100
    assert _events_since(db, before, duplicate) == [("override", "status", "rejected", "registered")]
    _assert_all_by(db, before, people["manager"], LATER)
    notes = db.scalars(select(LeadEvent.note).where(LeadEvent.id > before)).all()
    assert notes == [note, note]


def test_override_of_an_open_holder_keeps_its_expiry_and_notes_the_override(db, people):
    set_policy(db, "split", split=70)
    source, _ = register(db, people["gold"], "example.com", now=NOW)
    closer, _ = register(db, people["bronze"], "example.com", now=NOW)
    before = _last_event_id(db)
    service.override_conflict(db, people["manager"], source, "Gold did all the work", LATER)

    assert (source.claim, source.status, source.share_percent) == ("holder", "registered", 100)
    assert source.expires_at == NOW + timedelta(days=90)  # still open: its period is not restarted
    assert _events_since(db, before, source) == [("override", None, None, None),
                                                 ("override", "share_percent", "70", "100")]
    assert (closer.claim, closer.status, closer.conflict_outcome) == (None, "rejected", "overridden")
    assert closer.conflict_with_id == source.id  # it keeps pointing at the claim it ran into
    reason = "Conflict decision overridden by the partner manager: Gold did all the work"
    assert [e.note for e in db.scalars(select(LeadEvent).where(LeadEvent.id > before, LeadEvent.kind == "override",
                                                                LeadEvent.field.is_(None)))] == [reason]
    assert closer.status_reason == reason  # the reason is in both leads' histories
    _assert_all_by(db, before, people["manager"], LATER)


def test_override_for_the_closing_partner_of_a_split_gives_it_the_whole_prospect(db, people):
    set_policy(db, "split", split=70)
    source, _ = register(db, people["gold"], "example.com", now=NOW)
    closer, _ = register(db, people["bronze"], "example.com", now=NOW)
    before = _last_event_id(db)
    service.override_conflict(db, people["manager"], closer, "Bronze closes it alone", LATER)

    assert (closer.claim, closer.status, closer.share_percent) == ("holder", "registered", 100)
    assert (source.claim, source.status) == (None, "rejected")
    assert db.scalar(select(func.count(Lead.id)).where(Lead.identity_id == source.identity_id,
                                                        Lead.claim.is_not(None))) == 1
    assert ("override", "share_percent", "30", "100") in _events_since(db, before, closer)
    _assert_all_by(db, before, people["manager"], LATER)
    # The prospect is closer's alone now: under the split policy a third partner splits with it.
    third, claim = register(db, people["platinum"], "example.com", now=LATER)
    assert claim.outcome == "split" and third.conflict_with_id == closer.id


# --- release ----------------------------------------------------------------------------------------------

def test_when_a_split_holder_is_rejected_its_own_closer_takes_over_with_a_history_row(db, people):
    set_policy(db, "split", split=70)
    other_source, _ = register(db, people["platinum"], "other.example", now=NOW)
    other_closer, _ = register(db, people["gold2"], "other.example", now=NOW)  # an older closing claim elsewhere
    source, _ = register(db, people["gold"], "example.com", now=NOW)
    closer, _ = register(db, people["bronze"], "example.com", now=NOW)
    before = _last_event_id(db)
    service.decide_lead(db, people["manager"], source, False, "Existing customer", LATER)

    assert (source.claim, closer.claim) == (None, "holder")
    assert (other_source.claim, other_closer.claim) == ("holder", "closing")  # the other prospect is untouched
    assert _events_since(db, before, closer) == [("conflict", "claim", "closing", "holder")]
    assert _events_since(db, before, other_closer) == []
    promoted = db.scalars(select(LeadEvent).where(LeadEvent.id > before, LeadEvent.lead_id == closer.id)).one()
    assert promoted.note == "The other registration of this prospect ended; this one now holds it."
    _assert_all_by(db, before, people["manager"], LATER)


# --- claim ------------------------------------------------------------------------------------------------

def test_a_closer_registering_again_is_told_its_own_lead_never_the_holders(db, people):
    set_policy(db, "split", split=70)
    source, _ = register(db, people["gold"], "example.com", now=NOW)
    closer, _ = register(db, people["bronze"], "example.com", now=NOW)
    with pytest.raises(DomainError) as refused:
        register(db, people["bronze"], "www.example.com", now=LATER)
    assert str(refused.value) == f"Your organisation already registered this prospect (lead {closer.id})."
    assert f"lead {source.id}" not in str(refused.value)
    assert refused.value.field == "domain"  # shown beside the domain the partner typed


def test_a_higher_tier_take_over_is_recorded_on_both_leads_by_the_programme(db, people):
    set_policy(db, "higher_tier")
    low, _ = register(db, people["bronze"], "example.com", now=NOW)
    before = _last_event_id(db)
    high, claim = register(db, people["platinum"], "example.com", now=LATER)
    assert (claim.outcome, claim.since) == ("took_over", NOW)

    assert (low.status, low.claim, low.conflict_outcome, low.conflict_with_id) == (
        "rejected", None, "superseded", high.id)
    assert low.status_reason == "Taken over by a higher-tier registration of the same prospect (programme policy)."
    assert (high.status, high.claim, high.conflict_outcome, high.conflict_with_id) == (
        "registered", "holder", "took_over", low.id)
    assert _events_since(db, before, low) == [("status", "status", "registered", "rejected")]
    taken = db.scalars(select(LeadEvent).where(LeadEvent.id > before, LeadEvent.lead_id == low.id)).one()
    assert taken.note == "Taken over by a registration from a higher tier, as the programme's policy says."
    assert taken.actor_id is None and taken.at.replace(tzinfo=timezone.utc) == LATER  # the programme, not a person


# --- claim ------------------------------------------------------------------------------------------------

def test_first_claim_wins_marks_the_holder_contested_and_the_newcomer_a_dated_duplicate(db, people):
    set_policy(db, "first_claim")
    holder, _ = register(db, people["gold"], "example.com", now=NOW)
    newcomer, claim = register(db, people["bronze"], "example.com", now=LATER)

    assert (claim.outcome, claim.since) == ("duplicate", holder.registered_at)
    assert (newcomer.status, newcomer.claim, newcomer.expires_at) == ("rejected", None, None)
    assert (newcomer.conflict_outcome, newcomer.conflict_with_id) == ("duplicate", holder.id)
    assert newcomer.status_reason == "Already registered in the programme since 2 November 2026."
    assert (holder.claim, holder.status, holder.conflict_outcome) == ("holder", "registered", "contested")


@pytest.mark.parametrize("holder_status", ["registered", "accepted"])
def test_a_split_shares_the_commission_and_says_so_on_the_holders_history(db, people, holder_status):
    set_policy(db, "split", split=70)
    holder, _ = register(db, people["gold"], "example.com", now=NOW)
    if holder_status == "accepted":
        service.decide_lead(db, people["manager"], holder, True, None, NOW)
    before = _last_event_id(db)
    closer, claim = register(db, people["bronze"], "example.com", now=LATER)

    assert (claim.outcome, claim.since) == ("split", holder.registered_at)  # "registered since" on the page
    assert (closer.claim, closer.share_percent, closer.conflict_outcome, closer.conflict_with_id) == (
        "closing", 30, "split", holder.id)
    assert (holder.claim, holder.status, holder.share_percent, holder.conflict_outcome) == (
        "holder", holder_status, 70, "split")
    assert ("conflict", "share_percent", "100", "70") in _events_since(db, before, holder)
    on_holder = db.scalars(select(LeadEvent).where(LeadEvent.id > before, LeadEvent.lead_id == holder.id)).all()
    assert {(e.actor_id, e.at.replace(tzinfo=timezone.utc)) for e in on_holder} == {(None, LATER)}  # the policy, then
    assert [e.note for e in on_holder if e.field == "share_percent"] == [
        "Another partner registered the same prospect: the commission is split (programme policy)."]
