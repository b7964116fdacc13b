from flask import Blueprint

# No url_prefix: everything lives under /courses/ except the public /certificates/<code> page.
bp = Blueprint("courses", __name__)

from lms.courses import views  # noqa: E402,F401  (routes attach to bp)
