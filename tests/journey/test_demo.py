"""The demo offers a Gold partner with no kickoff yet (issue 15, "Also"), and loading it twice adds nothing twice."""

from __future__ import annotations

from sqlalchemy import func, select

from lms.demo import DEMO_PASSWORD, load_demo
from lms.models import Booking, Partner, User


def test_demo_has_a_gold_partner_ready_to_book_its_kickoff(app, client, auth, db):
    with app.test_request_context():
        load_demo(db)
        db.commit()
        counts = (db.scalar(select(func.count(User.id))), db.scalar(select(func.count(Booking.id))))
        load_demo(db)
        db.commit()
    assert (db.scalar(select(func.count(User.id))), db.scalar(select(func.count(Booking.id)))) == counts
    northwind = db.scalar(select(Partner).where(Partner.name == "Northwind Gold Partners"))
    assert northwind.tier.key == "gold"
    assert db.scalar(select(Booking.id).where(Booking.partner_id == northwind.id)) is None
    auth.login("newgold@example.com", DEMO_PASSWORD)
    page = client.get("/bookings/").get_data(as_text=True)
    assert "Book your kickoff call" in page and 'name="starts_at"' in page
