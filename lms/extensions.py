"""Flask extensions, created unbound and attached to an app in `create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.login_message_category = "info"
# "basic", not "strong": behind a load balancer the client address seen here may change between
# requests; a rotated session token (password change, deactivation) is what ends stolen sessions.
login_manager.session_protection = "basic"

csrf = CSRFProtect()

# Storage comes from RATELIMIT_STORAGE_URI: memory:// by default, Redis when REDIS_URL is set.
# Redis down must not turn sign-in into a 500: limits move to this process's memory (Flask-Limiter
# logs a warning and returns to Redis when it answers again), and any other storage error is logged
# and the request goes on unthrottled.
limiter = Limiter(
    key_func=get_remote_address, default_limits=[], in_memory_fallback_enabled=True, swallow_errors=True
)
