"""Flask extensions, created unbound and attached to an app in `create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to see that page."
login_manager.login_message_category = "info"
# A stolen session cookie should not survive a change of IP and browser unnoticed.
login_manager.session_protection = "strong"

csrf = CSRFProtect()

# Storage comes from RATELIMIT_STORAGE_URI: memory:// by default, Redis when REDIS_URL is set.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
