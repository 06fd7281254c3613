"""The security pages a person or admin actually meets, in Chromium against gunicorn: a person
ends every link to their page, the admin makes a new link, a foreign host name is refused (a real
name mapped to 127.0.0.1 inside Chromium, as DNS rebinding would), and the server-only settings."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import SECRET
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORTS, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]


def _person(server, name="ana"):
    """A person in the server's own database and a link to their page, as an email would carry."""
    from plexportal import create_app
    from plexportal.auth.models import User
    from plexportal.config import Config
    from plexportal.db import db
    from plexportal.notify import links

    app = create_app(Config(data_dir=server.data_dir, secret_key=SECRET, testing=True))
    with app.app_context(), db.connection_context():
        user = User.create(username=name, email=f"{name}@example.com", display_name=name.title())
        token = links.make_token(user)
    if hasattr(db.obj, "close_all"):
        db.obj.close_all()
    return user.id, token


def test_a_person_signs_out_everywhere_and_the_old_link_explains_itself(live_server_factory, page, shot):
    server = live_server_factory(admin=True)
    _, token = _person(server)
    page.goto(f"{server.url}/notify/u/{token}")
    expect(page.locator("#sign-out")).to_contain_text("Sign out everywhere")
    shot("person-page")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.locator("h1")).to_have_text("Every link to your page has stopped working")
    expect(page.locator("main")).to_contain_text("A new link is on its way to your email address")
    shot("signed-out")
    page.goto(f"{server.url}/notify/u/{token}")
    expect(page.locator("h1")).to_have_text("This link no longer works")
    expect(page.locator("main")).to_contain_text("Manage notifications")
    shot("link-gone")


def test_the_admin_makes_a_new_link(live_server_factory, page, shot):
    server = live_server_factory(admin=True)
    user_id, token = _person(server)
    sign_in(page, server)
    page.goto(f"{server.url}/notify/users/{user_id}")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="New link").click()
    field = page.get_by_label("The new link")
    expect(field).to_have_value(re.compile(r"/notify/u/"))
    assert token not in field.input_value()
    expect(page.locator("#toasts")).to_contain_text("Every earlier link to Ana's page stopped working")
    shot("new-link")
    page.goto(f"{server.url}/audit")
    expect(page.locator("table")).to_contain_text("127.0.0.1")
    shot("audit-with-addresses")


def test_a_foreign_host_name_gets_a_page_saying_what_to_set(live_server_factory, browser, viewport, shot, request):
    server = live_server_factory()              # a fresh install: the wizard is open
    port = server.url.rsplit(":", 1)[1]
    # Chromium resolves the attacker's name to plexportal's address, exactly what DNS rebinding does.
    rebinding = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                            args=CHROMIUM_ARGS + ["--host-resolver-rules=MAP rebind.example 127.0.0.1"])
    try:
        page = rebinding.new_context(**VIEWPORTS[viewport]).new_page()
        response = page.goto(f"http://rebind.example:{port}/settings/setup")
        assert response.status == 400
        expect(page.locator("h1")).to_contain_text("Unknown address")
        expect(page.locator("main")).to_contain_text("PLEXPORTAL_ALLOWED_HOSTS")
        expect(page.locator("form")).to_have_count(0)
        path = f"tests/e2e/screenshots/foreign_host-{viewport}-01-refused.png"
        page.screenshot(path=path, full_page=True, caret="initial")
    finally:
        rebinding.close()


def test_the_settings_page_shows_server_only_programs_read_only(live_server_factory, page, shot):
    server = live_server_factory(admin=True, env={"PLEXPORTAL_BACKUP_SCRIPT_PATH": "/usr/local/bin/plex-backup.sh"})
    sign_in(page, server)
    page.goto(f"{server.url}/settings/#group-Backups")
    script = page.locator("#f-BACKUP_SCRIPT_PATH")
    expect(script).to_have_value("/usr/local/bin/plex-backup.sh")
    expect(script).to_have_attribute("readonly", "")
    group = page.locator("#group-Backups")
    expect(group).to_contain_text("PLEXPORTAL_CRON_COMMAND")
    group.scroll_into_view_if_needed()
    shot("backups-server-only", full_page=False)
