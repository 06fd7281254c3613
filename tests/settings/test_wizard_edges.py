"""The setup wizard's admin step when two tabs race, when ADMIN_EMAIL is already set or locked by
the environment, and the service steps' back and next links."""
from __future__ import annotations

import threading

import pytest

from plexportal.auth.models import User
from plexportal.settings import service
from tests.conftest import PASSWORD, Browserless


def admin_form(name="owner", email="owner@example.com"):
    return {"username": name, "email": email, "password": PASSWORD, "confirm": PASSWORD}


def test_a_tab_that_submits_after_another_finished_creates_nothing_and_says_so(app, monkeypatch):
    """Both tabs passed the "no admin yet" check; the second one's insert then finds the first's admin."""
    from plexportal.auth import service as auth_service
    from plexportal.settings import views

    first, second = Browserless(app.test_client()), Browserless(app.test_client())
    first.get("/settings/setup")
    second.get("/settings/setup")
    assert first.post("/settings/setup", data=admin_form(), htmx=True).headers["HX-Redirect"] == "/settings/setup/Seerr"
    class CheckedBeforeTheCommit:
        """The view's own check saw no admin yet; everything else is the real service."""
        def __getattr__(self, name):
            return (lambda: False) if name == "has_admin" else getattr(auth_service, name)
    monkeypatch.setattr(views, "auth_service", CheckedBeforeTheCommit())
    r = second.post("/settings/setup", data=admin_form("mallory", "m@example.com"), htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/auth/login"
    monkeypatch.undo()
    assert [u.username for u in User.select()] == ["owner"]
    assert "was just created in another tab or browser" in second.get("/auth/login").get_data(as_text=True)
    assert auth_service.has_admin()


@pytest.mark.sqlite_only
def test_many_tabs_at_once_make_one_admin(app):
    """Real threads: the insert takes the write lock first, so the losers see the winner's admin."""
    clients = [Browserless(app.test_client()) for _ in range(4)]
    for c in clients:
        c.get("/settings/setup")
    codes = []

    def submit(c, n):
        r = c.post("/settings/setup", data=admin_form(f"owner{n}", f"o{n}@example.com"), htmx=True)
        codes.append((r.status_code, r.headers.get("HX-Redirect")))
    threads = [threading.Thread(target=submit, args=(c, n)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert User.select().where(User.role == "admin").count() == 1
    assert sum(1 for code, to in codes if to == "/settings/setup/Seerr") == 1
    assert all(code in (200, 403) for code, _ in codes)


def test_an_admin_email_set_before_is_kept(web, db):
    service.set_value("ADMIN_EMAIL", "alerts@example.com")
    web.get("/settings/setup")
    web.post("/settings/setup", data=admin_form(), htmx=True)
    assert service.get("ADMIN_EMAIL") == "alerts@example.com"


def test_an_admin_email_from_the_environment_is_left_alone(web, db, monkeypatch):
    monkeypatch.setenv("PLEXPORTAL_ADMIN_EMAIL", "ops@example.com")
    web.get("/settings/setup")
    r = web.post("/settings/setup", data=admin_form(), htmx=True)
    assert r.headers["HX-Redirect"] == "/settings/setup/Seerr"
    assert service.get("ADMIN_EMAIL") == "ops@example.com" and service.source("ADMIN_EMAIL") == "env"


def test_each_service_step_links_back_and_on(logged_in):
    first = logged_in.get("/settings/setup/Seerr").get_data(as_text=True)
    assert 'href="/settings/setup/Sonarr"' in first and "/settings/setup/admin" not in first
    email = logged_in.get("/settings/setup/Email").get_data(as_text=True)
    assert 'href="/settings/setup/Jellyfin"' in email and 'href="/settings/setup/Server"' in email
    last = logged_in.get("/settings/setup/Webhooks").get_data(as_text=True)
    assert 'href="/settings/setup/Address"' in last and 'href="/settings/setup/done"' in last
