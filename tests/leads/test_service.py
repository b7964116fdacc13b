"""Lead rules without HTTP: the three conflict policies, lifecycle, expiry and renewal, commission, payouts."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from lms.errors import DomainError
from lms.leads import jobs, payouts, policy, service
from lms.leads.commission import commission_for, format_money, round_money
from lms.models import Lead, LeadEvent, OutboxMessage
from tests.leads.factories import register, set_policy, won_lead

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)  # a Monday


def _claims(db, lead):
    return {l.partner_id: (l.status, l.claim) for l in db.scalars(select(Lead).where(Lead.identity_id == lead.identity_id))}


# --- first claim wins -------------------------------------------------------------------------------------

def test_first_claim_wins_and_the_second_is_a_duplicate_saying_only_since_when(db, people):
    set_policy(db, "first_claim")
    first, claim = register(db, people["gold"], "https://www.Example.co.uk/x", now=NOW)
    assert claim.outcome == "registered" and first.claim == "holder" and first.expires_at == NOW + timedelta(days=90)
    second, claim = register(db, people["platinum"], "sales@example.co.uk", now=NOW + timedelta(days=1))
    assert claim.outcome == "duplicate" and claim.since == NOW
    assert second.status == "rejected" and second.claim is None and second.conflict_with_id == first.id
    assert second.status_reason == "Already registered in the programme since 2 November 2026."
    assert first.status == "registered" and first.claim == "holder"


def test_the_same_organisation_cannot_register_a_prospect_twice(db, people):
    register(db, people["gold"], "example.com")
    with pytest.raises(DomainError, match="already registered this prospect"):
        register(db, people["gold"], "www.example.com")


def test_only_active_registrations_conflict(db, people):
    first, _ = register(db, people["gold"], "example.com", now=NOW)
    service.decide_lead(db, people["manager"], first, False, "Not a fit", NOW)
    assert first.claim is None
    second, claim = register(db, people["bronze"], "example.com", now=NOW)
    assert claim.outcome == "registered" and second.claim == "holder"


def test_without_a_domain_the_name_and_country_identify_the_prospect(db, people):
    register(db, people["gold"], None, company="Acme GmbH", country="DE")
    _, claim = register(db, people["bronze"], None, company="ACME", country="DE")
    assert claim.outcome == "duplicate"
    _, claim = register(db, people["gold2"], None, company="Acme", country="AT")
    assert claim.outcome == "registered"


# --- higher tier wins -------------------------------------------------------------------------------------

def test_higher_tier_takes_over_a_lower_tier_claim_not_yet_accepted(db, people):
    set_policy(db, "higher_tier")
    low, _ = register(db, people["bronze"], "example.com", now=NOW)
    high, claim = register(db, people["platinum"], "example.com", now=NOW + timedelta(hours=1))
    assert claim.outcome == "took_over"
    assert high.claim == "holder" and high.status == "registered"
    assert low.status == "rejected" and low.claim is None
    assert "higher-tier" in low.status_reason and "Platinum" not in low.status_reason


def test_higher_tier_cannot_take_an_accepted_claim_and_ties_go_to_the_first(db, people):
    set_policy(db, "higher_tier")
    gold, _ = register(db, people["gold"], "example.com", now=NOW)
    _, claim = register(db, people["gold2"], "example.com", now=NOW)
    assert claim.outcome == "duplicate"
    service.decide_lead(db, people["manager"], gold, True, None, NOW)
    _, claim = register(db, people["platinum"], "example.com", now=NOW)
    assert claim.outcome == "duplicate" and gold.claim == "holder"


def test_a_lower_tier_never_takes_over(db, people):
    set_policy(db, "higher_tier")
    register(db, people["platinum"], "example.com")
    _, claim = register(db, people["bronze"], "example.com")
    assert claim.outcome == "duplicate"


# --- split commission -------------------------------------------------------------------------------------

def test_split_accepts_both_and_splits_the_commission_by_the_ratio(db, people):
    set_policy(db, "split", split=60)
    source, _ = register(db, people["gold"], "example.com", now=NOW, currency="JPY", estimated_value=None)
    closer, claim = register(db, people["bronze"], "example.com", now=NOW, currency="JPY", estimated_value=None)
    assert claim.outcome == "split" and closer.claim == "closing"
    assert (source.share_percent, closer.share_percent) == (60, 40)
    _, third = register(db, people["platinum"], "example.com", now=NOW)
    assert third.outcome == "duplicate"
    for lead in (source, closer):
        service.decide_lead(db, people["manager"], lead, True, None, NOW)
        service.close_lead(db, people["manager"], lead, True, Decimal("100001"), None, NOW)
    # Gold 15% x 60% of 100,001 JPY = 9,000.09 -> 9,000; Bronze 10% x 40% = 4,000.04 -> 4,000 (JPY has no minor unit).
    assert source.commission == Decimal("9000") and closer.commission == Decimal("4000")


def test_when_the_split_holder_ends_the_closing_partner_holds_the_prospect(db, people):
    set_policy(db, "split")
    source, _ = register(db, people["gold"], "example.com", now=NOW)
    closer, _ = register(db, people["bronze"], "example.com", now=NOW)
    service.decide_lead(db, people["manager"], source, False, "Duplicate of an existing customer", NOW)
    assert closer.claim == "holder"


# --- the database keeps one holder ------------------------------------------------------------------------

def test_the_partial_unique_index_refuses_a_second_holder(db, people):
    from sqlalchemy.exc import IntegrityError

    first, _ = register(db, people["gold"], "example.com")
    copy = Lead(direction="in", partner_id=people["bronze"].partner_id, identity_id=first.identity_id,
                company_name="Copy", currency="EUR", status="registered", claim="holder")
    with pytest.raises(IntegrityError):
        with db.begin_nested():
            db.add(copy)
            db.flush()


# --- override ---------------------------------------------------------------------------------------------

def test_manager_override_swaps_the_claim_with_the_reason_in_both_histories(db, people):
    first, _ = register(db, people["gold"], "example.com", now=NOW)
    second, _ = register(db, people["bronze"], "example.com", now=NOW)
    with pytest.raises(DomainError):
        service.override_conflict(db, people["manager"], second, "  ", NOW)
    service.override_conflict(db, people["manager"], second, "Bronze introduced us at the fair", NOW)
    assert second.claim == "holder" and second.status == "registered"
    assert first.claim is None and first.status == "rejected"
    for lead in (first, second):
        notes = db.scalars(select(LeadEvent.note).where(LeadEvent.lead_id == lead.id, LeadEvent.kind == "override"))
        assert any("Bronze introduced us at the fair" in (n or "") for n in notes)


# --- lifecycle, limits, history ---------------------------------------------------------------------------

def test_lifecycle_with_a_history_row_for_every_change(db, people):
    lead, _ = register(db, people["gold"], "example.com", now=NOW)
    with pytest.raises(DomainError, match="Say why"):
        service.decide_lead(db, people["manager"], lead, False, "", NOW)
    service.decide_lead(db, people["manager"], lead, True, None, NOW)
    with pytest.raises(service.NotAllowed):
        service.decide_lead(db, people["manager"], lead, True, None, NOW)
    service.edit_lead(db, people["gold"], lead, NOW, notes="Call back in Q1", estimated_value=Decimal("12000.50"))
    service.close_lead(db, people["manager"], lead, True, Decimal("20000"), None, NOW)
    events = db.scalars(select(LeadEvent).where(LeadEvent.lead_id == lead.id).order_by(LeadEvent.id)).all()
    changes = [(e.field, e.from_value, e.to_value) for e in events]
    assert ("status", "registered", "accepted") in changes
    assert ("notes", None, "Call back in Q1") in changes
    assert ("estimated_value", "10000.000", "12000.50") in changes or ("estimated_value", "10000", "12000.50") in changes
    assert ("status", "accepted", "won") in changes
    assert ("payout_stage", None, "pending") in changes
    assert all(e.at is not None for e in events)


def test_a_partner_holds_at_most_the_open_registration_limit(db, people):
    set_policy(db, "first_claim", max_open=2)
    register(db, people["gold"], "one.example")
    register(db, people["gold"], "two.example")
    with pytest.raises(DomainError, match="2 open registrations"):
        register(db, people["gold"], "three.example")


def test_referral_out_is_accepted_or_declined_and_reported_by_the_partner(db, people):
    partner = people["gold"].partner
    lead = service.refer_lead(db, people["manager"], partner, service.Prospect(company_name="Out Co", domain_text="out.example"), NOW)
    assert lead.status == "offered" and lead.claim is None
    assert db.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == people["gold"].email)) == 1
    service.respond_to_referral(db, people["gold"], lead, True, None, NOW)
    service.close_lead(db, people["gold"], lead, True, Decimal("5000"), None, NOW)
    assert lead.status == "won" and lead.commission is None  # a referral out earns the deal, not commission


# --- expiry and renewal -----------------------------------------------------------------------------------

def test_expiry_notice_14_days_before_then_expiry_releases_the_prospect(db, people):
    lead, _ = register(db, people["gold"], "example.com", now=NOW)
    notice_at = NOW + timedelta(days=90 - 14)
    assert jobs.expiry_notices(db, notice_at - timedelta(hours=1)) == "0 expiry notice(s) queued"
    assert jobs.expiry_notices(db, notice_at) == "1 expiry notice(s) queued"
    assert jobs.expiry_notices(db, notice_at + timedelta(days=1)) == "0 expiry notice(s) queued"  # idempotent
    assert jobs.expire(db, NOW + timedelta(days=89)) == "0 registration(s) expired"
    assert jobs.expire(db, NOW + timedelta(days=90)) == "1 registration(s) expired"
    assert lead.status == "expired" and lead.claim is None
    assert jobs.expire(db, NOW + timedelta(days=91)) == "0 registration(s) expired"
    _, claim = register(db, people["bronze"], "example.com", now=NOW + timedelta(days=91))
    assert claim.outcome == "registered"


def test_renewal_extends_at_most_twice_and_rearms_the_notice(db, people):
    lead, _ = register(db, people["gold"], "example.com", now=NOW)
    jobs.expiry_notices(db, NOW + timedelta(days=80))
    service.renew_lead(db, people["gold"], lead, NOW + timedelta(days=80))
    assert lead.expires_at == NOW + timedelta(days=180) and lead.renewals == 1
    assert jobs.expiry_notices(db, NOW + timedelta(days=170)) == "1 expiry notice(s) queued"
    service.renew_lead(db, people["gold"], lead, NOW + timedelta(days=170))
    with pytest.raises(service.NotAllowed, match="renewed 2 times"):
        service.renew_lead(db, people["gold"], lead, NOW + timedelta(days=171))


# --- commission and payouts --------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "rate", "share", "currency", "expected"), [
    ("1000", "15", 100, "EUR", "150.00"),
    ("999.99", "15", 100, "EUR", "150.00"),  # 149.9985 rounds half-up
    ("0.03", "50", 100, "USD", "0.02"),  # 0.015 -> 0.02, never float's 0.01
    ("123457", "10", 50, "JPY", "6173"),  # 6172.85 -> 6173
    ("1000.005", "10", 100, "KWD", "100.001"),  # 100.0005 -> 100.001 (three decimals)
    ("100", "0", 100, "GBP", "0.00"),
    ("1", "20", 50, "GBP", "0.10"),
])
def test_commission_is_exact_and_rounded_to_the_minor_unit(value, rate, share, currency, expected):
    result = commission_for(Decimal(value), Decimal(rate), share, currency)
    assert result == Decimal(expected) and str(result) == expected


def test_money_is_formatted_with_the_currencys_decimals():
    assert format_money(Decimal("1234.5"), "EUR") == "1,234.50 EUR"
    assert format_money(Decimal("1234"), "JPY") == "1,234 JPY"
    assert format_money(Decimal("1.2"), "KWD") == "1.200 KWD"
    assert round_money(Decimal("2.5"), "JPY") == Decimal("3")


def test_payout_moves_with_dates_and_a_hold_needs_a_reason(db, people):
    lead = won_lead(db, people["gold"], people["manager"], "1000", now=NOW)
    assert lead.commission == Decimal("150.00") and lead.payout_stage == "pending"
    with pytest.raises(DomainError, match="cannot move"):
        payouts.set_payout_stage(db, people["manager"], lead, "paid", NOW.date(), None, NOW)
    with pytest.raises(DomainError, match="on hold"):
        payouts.set_payout_stage(db, people["manager"], lead, "on_hold", NOW.date(), "", NOW)
    payouts.set_payout_stage(db, people["manager"], lead, "on_hold", NOW.date(), "Waiting for the customer's PO", NOW)
    payouts.set_payout_stage(db, people["manager"], lead, "invoiced", date(2026, 11, 10), None, NOW)
    payouts.set_payout_stage(db, people["manager"], lead, "paid", date(2026, 11, 20), None, NOW)
    assert (lead.invoiced_on, lead.paid_on, lead.payout_reason) == (date(2026, 11, 10), date(2026, 11, 20), None)


def test_unpaid_after_30_days_the_partner_is_told_then_every_14_days_once_each(db, people):
    lead = won_lead(db, people["gold"], people["manager"], now=NOW)
    email = people["gold"].email

    def sent():
        return db.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient == email,
                                                                    OutboxMessage.subject.like("Your commission%")))

    jobs.payout_notices(db, NOW + timedelta(days=29))
    assert sent() == 0
    jobs.payout_notices(db, NOW + timedelta(days=30))
    jobs.payout_notices(db, NOW + timedelta(days=30))  # twice: nothing twice
    jobs.payout_notices(db, NOW + timedelta(days=43))
    assert sent() == 1
    payouts.set_payout_stage(db, people["manager"], lead, "invoiced", (NOW + timedelta(days=40)).date(), None, NOW)
    jobs.payout_notices(db, NOW + timedelta(days=44))
    assert sent() == 2
    body = db.scalars(select(OutboxMessage.body_text).where(OutboxMessage.recipient == email)
                      .order_by(OutboxMessage.id.desc())).first()
    assert "Stage: Invoiced" in body and "150.00 EUR" in body
    payouts.set_payout_stage(db, people["manager"], lead, "paid", (NOW + timedelta(days=50)).date(), None, NOW)
    jobs.payout_notices(db, NOW + timedelta(days=58))
    assert sent() == 2


def test_settings_are_validated_and_audited(db, make):
    admin = make.admin()
    with pytest.raises(DomainError):
        policy.update_settings(db, admin, policy="loudest_wins", split_sourcing_percent=50, expiry_days=90,
                               max_renewals=2, max_open=25, decision_business_days=2)
    settings = policy.update_settings(db, admin, policy="split", split_sourcing_percent=70, expiry_days=60,
                                      max_renewals=1, max_open=10, decision_business_days=3)
    assert "70% to the first (sourcing) partner" in policy.policy_text(settings)
