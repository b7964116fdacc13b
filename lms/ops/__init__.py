"""Operations: health endpoints for a load balancer, a request id and one structured log line per request."""

from flask import Blueprint

bp = Blueprint("ops", __name__)

from lms.ops import views  # noqa: E402,F401  (routes register on the blueprint)
