import pytest
from sqlalchemy import select

from lms.models import AuditEvent
from lms.partners import service


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Example.com", "example.com"),
        ("https://www.Example.com/about?x=1", "example.com"),
        ("http://shop.example.co.uk:8080/", "shop.example.co.uk"),
        ("sales@example.org", "example.org"),
        ("  ", None),
        ("bücher.example", "xn--bcher-kva.example"),
    ],
)
def test_normalize_domain(raw, expected):
    assert service.normalize_domain(raw) == expected


@pytest.mark.parametrize("raw", ["not a domain", "localhost", "exa mple.com", "-bad-.com", "x" * 300 + ".com"])
def test_normalize_domain_rejects(raw):
    with pytest.raises(ValueError):
        service.normalize_domain(raw)


def test_partner_names_are_unique_ignoring_case_and_punctuation(db, make):
    admin, manager = make.admin(), make.manager()
    service.create_partner(db, admin, name="Acme Ltd.", tier=make.tier("gold"), manager=manager)
    with pytest.raises(service.PartnerNameTaken):
        service.create_partner(db, admin, name="  ACME   ltd", tier=make.tier("bronze"), manager=manager)


def test_partner_needs_an_active_manager(db, make):
    admin = make.admin()
    with pytest.raises(service.PartnerError) as error:
        service.create_partner(db, admin, name="X", tier=make.tier("gold"), manager=make.manager(active=False))
    assert error.value.field == "manager_id"


def test_tier_or_manager_change_needs_a_reason_and_is_audited(db, make):
    admin = make.admin()
    partner = make.partner("bronze")
    new_manager = make.manager(name="New Manager")
    with pytest.raises(service.PartnerError) as error:
        service.update_partner(db, admin, partner, name=partner.name, web_domain=None, tier=make.tier("gold"),
                               manager=partner.manager)
    assert error.value.field == "reason"
    assert partner.tier.key == "bronze"

    changes = service.update_partner(db, admin, partner, name=partner.name, web_domain="new.example",
                                      tier=make.tier("gold"), manager=new_manager, reason="Signed a Gold contract")
    assert set(changes) == {"tier_id", "manager_id", "web_domain", "reason"}
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "partner.updated"))
    assert event.partner_id == partner.id and "Bronze -> Gold" in event.summary and "Signed a Gold contract" in event.summary


def test_no_change_records_nothing(db, make):
    admin, partner = make.admin(), make.partner()
    assert service.update_partner(db, admin, partner, name=partner.name, web_domain=None, tier=partner.tier,
                                  manager=partner.manager) == {}
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "partner.updated")) is None
