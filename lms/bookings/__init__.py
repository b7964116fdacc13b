from flask import Blueprint

bp = Blueprint("bookings", __name__, url_prefix="/bookings")

from lms.bookings import views  # noqa: E402,F401  (routes attach to bp)
