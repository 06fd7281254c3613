"""The setup wizard: admin first, then one step per service, skippable, locked once an admin exists."""
from __future__ import annotations

from plexportal.admin.models import AuditEntry
from plexportal.auth import service as auth_service
from plexportal.auth.models import User
from plexportal.settings import service
from tests.conftest import PASSWORD

STEPS = ["Seerr", "Sonarr", "Radarr", "Plex", "Jellyfin", "Email", "Server", "Address", "Webhooks"]


def _create_admin(web, **overrides):
    form = {"username": "owner", "email": "owner@example.com", "password": PASSWORD, "confirm": PASSWORD}
    form.update(overrides)
    return web.post("/settings/setup", data=form, htmx=True)


def test_it_leads_a_first_visitor_into_the_wizard(web):
    for path in ("/", "/settings/", "/auth/login"):
        r = web.get(path)
        assert r.status_code == 302
        assert r.headers["Location"].endswith("/settings/setup")
    page = web.get("/settings/setup").get_data(as_text=True)
    assert "Welcome to plexportal" in page
    assert "Step 1 of 10" in page
    steps = page[page.index('aria-label="Setup steps"'):page.index("</ol>")]
    for step in ["Admin", *STEPS]:
        assert step in steps


def test_it_rejects_a_bad_admin_form_with_messages_and_keeps_what_was_typed(web):
    web.get("/settings/setup")
    r = _create_admin(web, confirm="something else")
    assert r.status_code == 422
    assert "The passwords differ." in r.get_data(as_text=True)
    r = _create_admin(web, password="short", confirm="short")
    assert r.status_code == 422 and "8 to 256 characters" in r.get_data(as_text=True)
    r = _create_admin(web, password="password123", confirm="password123")
    assert r.status_code == 422 and "too common" in r.get_data(as_text=True)
    r = _create_admin(web, username="two words")
    assert r.status_code == 422 and "without spaces" in r.get_data(as_text=True)
    assert 'value="two words"' in r.get_data(as_text=True)
    r = _create_admin(web, email="not-an-email")
    assert r.status_code == 422 and "valid email" in r.get_data(as_text=True)
    assert User.select().count() == 0


def test_it_creates_the_admin_signs_them_in_and_moves_to_the_first_service(web):
    web.get("/settings/setup")
    r = _create_admin(web)
    assert r.status_code == 200
    assert r.headers["HX-Redirect"] == "/settings/setup/Seerr"
    admin = User.get(User.username == "owner")
    assert admin.is_admin and auth_service.password_hash_of(admin).startswith("$argon2id$")
    assert service.get("ADMIN_EMAIL") == "owner@example.com"
    assert AuditEntry.get(AuditEntry.action == "admin.created").actor_label == "owner"
    page = web.get("/settings/setup/Seerr")
    assert page.status_code == 200
    assert "Connect Seerr" in page.get_data(as_text=True)


def test_it_locks_the_wizard_once_an_admin_exists(web, admin):
    web.get("/auth/login")
    r = web.post("/settings/setup", data={"username": "intruder", "password": PASSWORD, "confirm": PASSWORD})
    assert r.status_code == 403
    assert web.get("/settings/setup").headers["Location"].endswith("/auth/login")
    assert User.select().count() == 1


def test_it_sends_a_signed_in_admin_from_the_wizard_start_to_the_first_step(logged_in):
    r = logged_in.get("/settings/setup")
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/settings/setup/Seerr")


def test_it_keeps_the_service_steps_for_the_admin_only(client, admin):
    r = client.get("/settings/setup/Sonarr")
    assert r.status_code == 302
    assert "/auth/login" in r.headers["Location"]


def test_it_walks_every_step_saving_or_skipping(logged_in, fake_sonarr):
    html = logged_in.get("/settings/setup/Seerr").get_data(as_text=True)
    assert 'href="/settings/setup/Sonarr"' in html and "Skip for now" in html
    r = logged_in.post("/settings/setup/Sonarr", data={"SONARR_URL": fake_sonarr.url, "SONARR_API_KEY": "arr-key"},
                       htmx=True)
    assert r.headers["HX-Redirect"] == "/settings/setup/Radarr"
    assert service.get("SONARR_API_KEY") == "arr-key"
    r = logged_in.post("/settings/setup/Email", data={"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "587",
                                                      "SMTP_SECURITY": "starttls", "SMTP_FROM": "p@example.com"},
                       htmx=True)
    assert r.headers["HX-Redirect"] == "/settings/setup/Server"
    done = logged_in.get("/settings/setup/done").get_data(as_text=True)
    assert "set up" in done
    assert "Sonarr" in done and "Seerr" in done
    assert done.count(">skipped<") == 7                 # Seerr, Radarr, Plex, Jellyfin, name, address, secret
    assert done.count(">saved<") == 2                   # Sonarr and Email, not tested


def test_it_rejects_a_bad_step_and_saves_nothing(logged_in):
    r = logged_in.post("/settings/setup/Sonarr", data={"SONARR_URL": "sonarr", "SONARR_API_KEY": "k"}, htmx=True)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "http:// or https://" in html and 'value="sonarr"' in html
    assert service.get("SONARR_URL") == ""
    assert service.get("SONARR_API_KEY") == ""


def test_it_tests_the_connection_from_a_step(logged_in, fake_seerr):
    html = logged_in.get("/settings/setup/Seerr").get_data(as_text=True)
    assert 'hx-post="/settings/test/Seerr"' in html
    r = logged_in.post("/settings/test/Seerr", data={"SEERR_URL": fake_seerr.url, "SEERR_API_KEY": "seerr-key"},
                       htmx=True)
    assert "Connected to Seerr" in r.get_data(as_text=True)


def test_it_answers_404_for_an_unknown_step(logged_in):
    assert logged_in.get("/settings/setup/Nope").status_code == 404
