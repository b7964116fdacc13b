from flask import Blueprint

bp = Blueprint("checkins", __name__, url_prefix="/checkins")

from lms.checkins import views  # noqa: E402,F401  (routes attach to bp)
