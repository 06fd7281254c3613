"""The wizard's Plex step: Sign in with Plex gets the owner's token (the join page's PIN flow), then
the owner picks one of their servers; plexportal stores its address and the token."""
from plexportal.gateways import plextv
from plexportal.settings import service
from tests.fakes.plextv import ADMIN_TOKEN
from tests.invites.conftest import browser_pin, fake_plextv, fake_pms  # noqa: F401  (fixtures)


def _connect_plex_tv(set_settings, fake):
    set_settings(PLEX_TV_URL=fake.url, PLEX_CLIENTS_URL=fake.url, PLEX_APP_URL=fake.url)


def _sign_in_with_plex(logged_in, fake, token=ADMIN_TOKEN):
    logged_in.get("/settings/setup/Plex")
    pin = browser_pin(fake, plextv.client_identifier())
    r = logged_in.client.post("/auth/plex?intent=setup", json={"pin_id": pin["id"], "pin_code": pin["code"]},
                              headers={"X-CSRFToken": logged_in.token})
    assert r.status_code == 200
    fake.approve_pin(pin["id"], token=token)
    return logged_in.client.get("/auth/plex").get_json()


def test_the_plex_step_offers_sign_in_with_plex_besides_pasting(logged_in):
    html = logged_in.get("/settings/setup/Plex").get_data(as_text=True)
    assert 'id="plex-signin-btn"' in html and "intent=setup" in html and 'name="PLEX_TOKEN"' in html
    assert 'src="/static/invites.js"' in html


def test_signing_in_with_plex_lists_the_owners_servers_and_connects_the_one_picked(logged_in, set_settings,
                                                                                  fake_plextv, fake_pms):
    _connect_plex_tv(set_settings, fake_plextv)
    fake_plextv.server_uri = fake_pms.url
    fake_plextv.other_servers = [("Cabin", "machine-cabin", "http://127.0.0.1:9")]
    answer = _sign_in_with_plex(logged_in, fake_plextv)
    assert answer == {"status": "done", "redirect": "/settings/setup/Plex/servers"}
    page = logged_in.get("/settings/setup/Plex/servers").get_data(as_text=True)
    assert "Harbour Server" in page and "Cabin" in page and "Living room TV" not in page
    assert fake_pms.url in page and ADMIN_TOKEN not in page           # the token never reaches the page
    r = logged_in.post("/settings/setup/Plex/servers", data={"server": "machine-abc123"}, htmx=True)
    assert r.headers["HX-Redirect"] == "/settings/setup/Jellyfin"
    assert (service.get("PLEX_URL"), service.get("PLEX_TOKEN")) == (fake_pms.url, ADMIN_TOKEN)
    assert service.get("SERVER_NAME") == "Harbour Server"             # learned at once
    # The token was for this choice only: the page is gone now.
    assert logged_in.get("/settings/setup/Plex/servers").status_code == 302


def test_an_account_without_a_server_is_told_so_and_nothing_is_stored(logged_in, set_settings, fake_plextv):
    _connect_plex_tv(set_settings, fake_plextv)
    fake_plextv.add_account(43, "cousin", "cousin@example.com", "cousin-token")
    _sign_in_with_plex(logged_in, fake_plextv, token="cousin-token")
    page = logged_in.get("/settings/setup/Plex/servers").get_data(as_text=True)
    assert "owns no Plex Media Server" in page and "Use this server" not in page
    assert service.get("PLEX_TOKEN") == ""


def test_a_made_up_server_is_refused(logged_in, set_settings, fake_plextv):
    _connect_plex_tv(set_settings, fake_plextv)
    _sign_in_with_plex(logged_in, fake_plextv)
    r = logged_in.post("/settings/setup/Plex/servers", data={"server": "someone-elses"}, htmx=True)
    assert r.status_code == 422 and "Choose one of your servers" in r.get_data(as_text=True)
    assert service.get("PLEX_URL") == ""


def test_without_a_plex_sign_in_the_server_list_sends_back_to_the_step(logged_in):
    r = logged_in.get("/settings/setup/Plex/servers")
    assert r.status_code == 302 and r.headers["Location"].endswith("/settings/setup/Plex")
