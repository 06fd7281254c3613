import pytest


@pytest.fixture
def admin_web(logged_in):
    """`logged_in`, with a CSRF token that belongs to the signed-in session. The `app` fixture keeps
    one app context for the whole test, so flask-wtf's per-request cache (g.csrf_token) would
    otherwise still hold the token from before sign-in cleared the session."""
    from flask import g

    g.pop("csrf_token", None)
    logged_in.get("/")
    return logged_in
