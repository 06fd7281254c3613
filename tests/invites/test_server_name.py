"""The server knows its name and libraries as soon as Plex is connected, and uses the name everywhere."""
from plexportal.invites.models import Invite, PlexLibrary
from plexportal.settings import service as settings
from tests.fakes.plextv import ADMIN_TOKEN


def connect(set_settings, fake_plextv, fake_pms, **extra):
    set_settings(PLEX_URL=fake_pms.url, PLEX_TOKEN=ADMIN_TOKEN, PLEX_TV_URL=fake_plextv.url,
                 PLEX_CLIENTS_URL=fake_plextv.url, PLEX_APP_URL=fake_plextv.url, **extra)


def test_the_cli_creates_an_invite_for_a_library_by_title_right_after_install(app, set_settings, fake_plextv,
                                                                              fake_pms):
    connect(set_settings, fake_plextv, fake_pms)
    assert PlexLibrary.select().count() == 0            # nobody opened the Invites page
    out = app.test_cli_runner().invoke(args=["invites", "create", "--libraries", "Movies"])
    assert out.exit_code == 0, out.output
    assert Invite.get().libraries == [1001]
    assert settings.get("SERVER_NAME") == "Harbour Server"


def test_the_cli_says_clearly_when_plex_cannot_be_reached(app, set_settings, fake_plextv, fake_pms):
    connect(set_settings, fake_plextv, fake_pms)
    fake_pms.stop()
    out = app.test_cli_runner().invoke(args=["invites", "create", "--libraries", "Movies"])
    assert out.exit_code != 0 and "Could not read the libraries from Plex" in out.output
    assert Invite.select().count() == 0


def test_the_cli_says_when_plex_is_not_connected(app, db):
    out = app.test_cli_runner().invoke(args=["invites", "create", "--libraries", "Movies"])
    assert out.exit_code != 0 and "Plex is not connected yet" in out.output
    assert Invite.select().count() == 0


def test_saving_the_plex_settings_learns_the_name_and_the_join_page_uses_it(logged_in, client, set_settings,
                                                                            fake_plextv, fake_pms):
    connect(set_settings, fake_plextv, fake_pms)
    assert PlexLibrary.select().count() == 0 and settings.get("SERVER_NAME") == "My Plex Server"
    r = logged_in.post("/settings/group/Plex", data={"PLEX_URL": fake_pms.url}, htmx=True)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert PlexLibrary.select().count() == 3
    assert settings.get("SERVER_NAME") == "Harbour Server"
    assert "Harbour Server" in logged_in.get("/").get_data(as_text=True)
    from plexportal.invites import service
    invite = service.create_invite({"label": "x"})
    page = client.get(f"/join/{invite.code}").get_data(as_text=True)
    assert "You're invited to Harbour Server" in page and "My Plex Server" not in page


def test_an_admin_set_server_name_wins_over_the_one_plex_reports(db, set_settings, fake_plextv, fake_pms):
    from plexportal.invites import provisioning

    connect(set_settings, fake_plextv, fake_pms, SERVER_NAME="The Cinema")
    provisioning.learn_server()
    assert settings.get("PLEX_SERVER_NAME") == "Harbour Server"
    assert settings.get("SERVER_NAME") == "The Cinema"


def test_without_plex_the_name_is_the_default(db):
    assert settings.get("SERVER_NAME") == "My Plex Server"
