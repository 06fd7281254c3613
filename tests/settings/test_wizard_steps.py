"""The wizard's closing steps: the server's name from Plex, the public address and time zone from
the browser, a generated webhook secret with the addresses to paste; a real test email to the admin;
finished steps shown as done when the wizard is opened again; the closing page's order."""
import re

from plexportal.settings import service
from tests.fakes.plextv import ADMIN_TOKEN, FakePlexWithLibraries


def test_the_server_step_is_prefilled_with_the_name_plex_reports(logged_in, set_settings):
    pms = FakePlexWithLibraries(token=ADMIN_TOKEN).start()
    try:
        set_settings(PLEX_URL=pms.url, PLEX_TOKEN=ADMIN_TOKEN)
        html = logged_in.get("/settings/setup/Server").get_data(as_text=True)
    finally:
        pms.stop()
    assert "Name your server" in html
    assert re.search(r'name="SERVER_NAME" value="Harbour Server"', html)
    assert "Filled in with the name your Plex server reports." in html
    r = logged_in.post("/settings/setup/Server", data={"SERVER_NAME": "The Harbour"}, htmx=True)
    assert r.headers["HX-Redirect"] == "/settings/setup/Address"
    assert service.get("SERVER_NAME") == "The Harbour"


def test_the_server_step_without_plex_shows_the_default_and_asks_nothing(logged_in):
    html = logged_in.get("/settings/setup/Server").get_data(as_text=True)
    assert 'placeholder="My Plex Server"' in html and "Filled in with" not in html


def test_the_address_step_proposes_the_browsers_address_and_time_zone(logged_in):
    html = logged_in.get("/settings/setup/Address").get_data(as_text=True)
    assert re.search(r'name="BASE_URL" value="http://localhost"', html)
    assert "Filled in from the address this browser used" in html
    assert re.search(r'name="TIMEZONE"[^>]*data-browser-timezone', html)
    r = logged_in.post("/settings/setup/Address", data={"BASE_URL": "https://portal.example.com",
                                                        "TIMEZONE": "Europe/Amsterdam"}, htmx=True)
    assert r.headers["HX-Redirect"] == "/settings/setup/Webhooks"
    assert (service.get("BASE_URL"), service.get("TIMEZONE")) == ("https://portal.example.com", "Europe/Amsterdam")
    again = logged_in.get("/settings/setup/Address").get_data(as_text=True)
    assert 'value="https://portal.example.com"' in again and "data-browser-timezone" not in again


def test_the_address_step_refuses_a_bad_address_and_keeps_nothing(logged_in):
    r = logged_in.post("/settings/setup/Address", data={"BASE_URL": "portal", "TIMEZONE": "Mars/Olympus"},
                       htmx=True)
    assert r.status_code == 422 and service.get("BASE_URL") == "" and service.get("TIMEZONE") == "UTC"


def test_the_webhook_step_generates_a_secret_and_gives_the_exact_addresses(logged_in, set_settings):
    set_settings(BASE_URL="https://portal.example.com")
    html = logged_in.get("/settings/setup/Webhooks").get_data(as_text=True)
    assert re.search(r'name="WEBHOOK_SECRET"[^>]*data-autogenerate', html)
    for app in ("sonarr", "radarr", "seerr"):
        assert f'value="https://portal.example.com/webhooks/{app}"' in html
    assert html.count("data-copy-from=") == 4
    assert "Test connection" not in html
    r = logged_in.post("/settings/setup/Webhooks", data={"WEBHOOK_SECRET": "s" * 40}, htmx=True)
    assert r.headers["HX-Redirect"] == "/settings/setup/done"
    assert service.get("WEBHOOK_SECRET") == "s" * 40
    again = logged_in.get("/settings/setup/Webhooks").get_data(as_text=True)
    assert "data-autogenerate" not in again and "s" * 40 not in again       # stored: never shown again


def test_the_email_step_sends_a_real_message_to_the_admin(logged_in, set_settings, smtp_server):
    set_settings(ADMIN_EMAIL="owner@example.com")
    html = logged_in.get("/settings/setup/Email").get_data(as_text=True)
    assert "Send a test message" in html and 'name="_send_test_to" value="owner@example.com"' in html
    form = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_SECURITY": "none",
            "SMTP_FROM": "portal@example.com", "_send_test_to": "owner@example.com"}
    r = logged_in.post("/settings/test/Email", data=form, htmx=True)
    assert "Sent a test message to owner@example.com" in r.get_data(as_text=True)
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "owner@example.com" and message["Subject"].startswith("Test message from")
    assert service.get("SMTP_HOST") == ""                    # tested, not saved
    # A form naming another address only checks the connection: the test never mails strangers.
    r = logged_in.post("/settings/test/Email", data={**form, "_send_test_to": "stranger@example.com"}, htmx=True)
    assert "Connected to 127.0.0.1" in r.get_data(as_text=True) and len(smtp_server.messages) == 1


def test_the_email_step_says_why_a_test_message_could_not_go(logged_in, set_settings):
    set_settings(ADMIN_EMAIL="owner@example.com")
    r = logged_in.post("/settings/test/Email", data={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": "1", "SMTP_SECURITY":
                                                     "none", "_send_test_to": "owner@example.com"}, htmx=True)
    text = r.get_data(as_text=True)
    assert "failed" in text and "Sent a test message" not in text


def test_reopening_the_wizard_shows_finished_steps_as_done(logged_in, set_settings, fake_sonarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY="k", WEBHOOK_SECRET="w" * 32)
    html = logged_in.get("/settings/setup/Seerr").get_data(as_text=True)
    items = re.findall(r'<li class="(\w*)"[^>]*>\s*<span class="step-no"[^>]*>[^<]*</span>\s*([^\n<]+)', html)
    by_name = {name.strip(): cls for cls, name in items}
    assert by_name["Sonarr"] == "done" and by_name["Webhooks"] == "done" and by_name["Admin"] == "done"
    assert by_name["Seerr"] == "current" and by_name["Radarr"] == "" and by_name["Plex"] == ""


def test_the_closing_page_says_set_the_secret_first_then_point_the_apps(logged_in, set_settings):
    set_settings(BASE_URL="https://portal.example.com")
    html = logged_in.get("/settings/setup/done").get_data(as_text=True)
    first, then = html.index("Set the webhook secret first"), html.index("Then point")
    assert first < then and "https://portal.example.com/webhooks/sonarr" in html[then:]
    set_settings(WEBHOOK_SECRET="w" * 32)
    html = logged_in.get("/settings/setup/done").get_data(as_text=True)
    assert "The webhook secret is set." in html and "Set the webhook secret first" not in html
