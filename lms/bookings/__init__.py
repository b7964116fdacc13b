from flask import Blueprint

bp = Blueprint("bookings", __name__, url_prefix="/bookings")


def connect_signals() -> None:
    """Subscribe bookings to check-ins recorded held (the call booked for it is held too); called by the app factory."""
    from lms import events
    from lms.bookings import service

    events.checkin_recorded.connect(service.on_checkin_recorded)


from lms.bookings import views  # noqa: E402,F401  (routes attach to bp)
