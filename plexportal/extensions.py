"""Flask extensions, created unbound here and bound in create_app()."""
from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect


def client_address() -> str:
    # ProxyFix (only when PLEXPORTAL_TRUSTED_PROXIES > 0) has already made this the real client.
    return request.remote_addr or "127.0.0.1"


babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=False)
