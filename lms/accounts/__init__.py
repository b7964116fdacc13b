from flask import Blueprint

bp = Blueprint("accounts", __name__)

from lms.accounts import views  # noqa: E402,F401  (routes attach to bp)
