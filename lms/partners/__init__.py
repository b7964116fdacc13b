from flask import Blueprint

bp = Blueprint("partners", __name__)

from lms.partners import views  # noqa: E402,F401  (routes attach to bp)
