"""`flask demo scale` grows the demo database with rows that satisfy every constraint."""

from sqlalchemy import func, select

from lms.demo import load_demo
from lms.demo_scale import DEMO_MANAGER, ScaleCounts, already_scaled, grow
from lms.models import AuditEvent, Booking, CheckIn, Partner, SupportRequest, User

SMALL = ScaleCounts(partners=40, managers=4, demo_manager_partners=10, users=120, completions=60, bookings=30,
                    support=50, audit=300)


def test_grow_adds_the_counts_asked_for_and_the_demo_manager_gets_its_share(db):
    load_demo(db)
    before = {m: db.scalar(select(func.count()).select_from(m)) for m in (Partner, User, AuditEvent, SupportRequest)}
    assert not already_scaled(db)
    reported = {}
    grow(db, SMALL, report=lambda label, n, _s: reported.update({label: n}))
    db.flush()
    count = lambda model: db.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Partner) - before[Partner] == 40
    assert count(User) - before[User] == 120 + 3
    assert count(AuditEvent) - before[AuditEvent] == 300
    assert count(SupportRequest) - before[SupportRequest] == 50
    anna = db.scalar(select(User).where(User.email == DEMO_MANAGER))
    assert db.scalar(select(func.count()).where(Partner.manager_id == anna.id, Partner.name.startswith("Scale"))) == 10
    assert reported["bookings (with the check-ins they plan)"] == 30
    held = db.scalar(select(func.count()).where(Booking.status == "held", Booking.uid.startswith("scale-")))
    assert held == 0 or db.scalar(select(func.count()).select_from(CheckIn)) > 0  # held kickoffs plan check-ins
    assert already_scaled(db)


def test_demo_scale_command_twice_adds_nothing_the_second_time(runner, db):
    load_demo(db)
    db.commit()
    args = ["demo", "scale", "--partners", "12", "--managers", "3", "--demo-manager-partners", "4", "--users", "24",
            "--completions", "10", "--bookings", "6", "--support", "8", "--audit", "20"]
    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "12 partners" in first.output
    second = runner.invoke(args=args)
    assert "Nothing added" in second.output
