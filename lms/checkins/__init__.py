from flask import Blueprint

bp = Blueprint("checkins", __name__, url_prefix="/checkins")


def connect_signals() -> None:
    """Subscribe check-ins to what bookings report (kickoff held, check-in call held); called by the app factory."""
    from lms.checkins import signals

    signals.connect()


from lms.checkins import views  # noqa: E402,F401  (routes attach to bp)
