"""The plex.tv gateway against the fake: the exact URLs, bodies and headers plex.tv gets, and what
each failure turns into."""
import pytest

from plexportal.gateways import plextv
from plexportal.gateways.base import GatewayError
from tests.fakes.plextv import ADMIN_TOKEN

MID = "machine-abc123"


def gateway(fake, token=ADMIN_TOKEN):
    return plextv.PlexTV(plextv.PlexTVSettings(url=fake.url, clients_url=fake.url, token=token, client_id="cid-1"))


def test_it_invites_with_plexapis_exact_body_and_global_section_ids(fake_plextv):
    gw = gateway(fake_plextv)
    ids = [s.id for s in gw.server_sections(MID) if s.title in ("Movies", "TV Shows")]
    assert ids == [1001, 1002]                       # plex.tv's global ids, not the local keys 1 and 2
    fake_plextv.reset_calls()
    perms = plextv.Permissions(allow_sync=True, filter_movies=plextv.filter_string("G, PG", "kids"))
    gw.invite_friend(MID, "friend@example.com", ids, perms)
    [call] = fake_plextv.calls
    assert (call.method, call.path, call.query) == ("POST", f"/api/servers/{MID}/shared_servers", {})
    assert call.json == {
        "server_id": MID,
        "shared_server": {"library_section_ids": [1001, 1002], "invited_email": "friend@example.com"},
        "sharing_settings": {"allowSync": "1", "allowCameraUpload": "0", "allowChannels": "0",
                             "filterMovies": "contentRating=G%2CPG|label=kids", "filterTelevision": "",
                             "filterMusic": ""}}
    assert call.headers["X-Plex-Token"] == ADMIN_TOKEN
    assert "X-Plex-Token" not in call.query          # never in the URL (proxy logs)
    assert call.headers["X-Plex-Client-Identifier"] == "cid-1"
    assert call.headers["Content-Type"] == "application/json"


def test_it_updates_a_share_and_its_permissions_at_the_exact_urls(fake_plextv):
    gw = gateway(fake_plextv)
    gw.invite_friend(MID, "friend@example.com", [1001], plextv.Permissions())
    share = gw.users()[0].share_for(MID)
    fake_plextv.reset_calls()
    gw.update_share(MID, share.id, [1002, 1003])
    gw.update_permissions(42, plextv.Permissions(allow_channels=True, allow_camera_upload=True))
    put_share, put_perms = fake_plextv.calls
    assert (put_share.method, put_share.path) == ("PUT", f"/api/servers/{MID}/shared_servers/{share.id}")
    assert put_share.json == {"server_id": MID, "shared_server": {"library_section_ids": [1002, 1003]}}
    assert (put_perms.method, put_perms.path) == ("PUT", "/api/v2/sharings/42")
    assert put_perms.query == {"allowSync": "0", "allowCameraUpload": "1", "allowChannels": "1", "filterMovies": "",
                               "filterTelevision": "", "filterMusic": ""}
    assert [s.id for s in gw.shared_sections(MID, share.id) if s.shared] == [1002, 1003]


def test_it_removes_a_friend_with_delete_sharings(fake_plextv):
    gw = gateway(fake_plextv)
    gw.invite_friend(MID, "friend", [1001], plextv.Permissions())
    fake_plextv.reset_calls()
    gw.remove_friend(42)
    [call] = fake_plextv.calls
    assert (call.method, call.path) == ("DELETE", "/api/v2/sharings/42")
    assert gw.users() == []
    gw.remove_friend(42)                              # already gone: still success


def test_it_auto_accepts_only_the_invite_for_our_server(fake_plextv):
    gw = gateway(fake_plextv)
    gw.invite_friend("someone-elses-server", "friend", [1], plextv.Permissions())
    gw.invite_friend(MID, "friend", [1001], plextv.Permissions())
    ours = next(s for s in fake_plextv.shares.values() if s.machine_id == MID)
    fake_plextv.reset_calls()
    assert gw.accept_share_from("friend-token", MID) is True
    listing, accept = fake_plextv.calls
    assert (listing.method, listing.path) == ("GET", "/api/v2/shared_servers/invites/received/pending")
    assert listing.headers["X-Plex-Token"] == "friend-token" and listing.headers["Accept"] == "application/json"
    assert (accept.method, accept.path) == ("POST", f"/api/v2/shared_servers/{ours.id}/accept")
    assert ours.pending is False
    assert [s.pending for s in fake_plextv.shares.values() if s.machine_id != MID] == [True]
    assert gw.accept_share_from("friend-token", MID) is False   # nothing left to accept


def test_it_reports_already_sharing_as_its_own_error(fake_plextv):
    gw = gateway(fake_plextv)
    gw.invite_friend(MID, "friend", [1001], plextv.Permissions())
    with pytest.raises(plextv.AlreadySharing):
        gw.invite_friend(MID, "friend@example.com", [1001], plextv.Permissions())


@pytest.mark.parametrize("status, permanent, words", [
    (401, True, "no longer valid"), (410, True, "410 Gone"), (429, False, "rate limiting"),
    (500, False, "internal error"), (503, False, "internal error"), (400, True, "refused")])
def test_it_maps_each_failure_to_a_retry_decision(fake_plextv, status, permanent, words):
    gw = gateway(fake_plextv)
    fake_plextv.fail_next(status, {"errors": [{"message": "nope"}]}, path=f"/api/servers/{MID}/shared_servers", times=3)
    with pytest.raises(GatewayError) as caught:
        gw.invite_friend(MID, "friend", [1001], plextv.Permissions())
    assert caught.value.permanent is permanent
    assert caught.value.status == status
    assert words in caught.value.message
    assert not isinstance(caught.value, plextv.AlreadySharing)


def test_it_turns_a_timeout_into_a_retryable_error(fake_plextv):
    gw = plextv.PlexTV(gateway(fake_plextv).settings, timeout=(1, 0.3))
    fake_plextv.fail_next(0, delay=1.0, path="/api/users/", times=3)
    with pytest.raises(GatewayError) as caught:
        gw.users()
    assert caught.value.permanent is False


def test_it_reads_accounts_and_pins_like_plexapi(fake_plextv):
    fake_plextv.add_account(77, "newbie", "new@example.com", "new-token", confirmed=False)
    gw = gateway(fake_plextv)
    account = gw.account("new-token")
    assert (account.id, account.username, account.email, account.confirmed) == (77, "newbie", "new@example.com", False)
    import requests

    created = requests.post(f"{fake_plextv.url}/api/v2/pins?strong=true", timeout=5,
                            headers={"Accept": "application/json", "X-Plex-Client-Identifier": "cid-1"}).json()
    assert gw.pin(created["id"]).auth_token is None
    fake_plextv.approve_pin(created["id"], token="friend-token")
    call = fake_plextv.calls_to(f"/api/v2/pins/{created['id']}")[-1]
    assert call.headers["X-Plex-Client-Identifier"] == "cid-1" and "X-Plex-Token" not in call.headers
    assert gw.pin(created["id"]).auth_token == "friend-token"


def test_it_invites_into_plex_home_before_sharing(db, plex):
    from plexportal.invites import service
    from plexportal.invites.models import Redemption

    invite = service.create_invite({"home": True, "libraries": [1001]})
    service.redeem_invite(invite.id, service.Claimant("name:friend@example.com", "friend@example.com", "form",
                                                      email="friend@example.com"))
    home, share = plex.calls_to("/api/home/users") + plex.calls_to(f"/api/servers/{MID}/shared_servers", "POST")
    assert (home.method, home.path, home.query) == ("POST", "/api/home/users", {"invitedEmail": "friend@example.com"})
    assert share.json["shared_server"] == {"library_section_ids": [1001], "invited_email": "friend@example.com"}
    assert home.at <= share.at
    assert Redemption.get().state == "invited"
