"""The plex.tv gateway when plex.tv answers oddly: no token set, redirects, XML with missing or
nonsensical attributes, error bodies in each of plex.tv's formats, Home members already gone,
and the pin a browser posts back."""
from __future__ import annotations

import pytest

from plexportal.gateways import plextv
from plexportal.gateways.base import GatewayError
from tests.fakes.plextv import ADMIN_TOKEN
from tests.invites.conftest import fake_plextv  # noqa: F401 - the fixture

MID = "machine-abc123"


def gateway(fake, token=ADMIN_TOKEN):
    return plextv.PlexTV(plextv.PlexTVSettings(url=fake.url, clients_url=fake.url, token=token, client_id="cid-1"))


def test_without_a_token_nothing_is_sent(fake_plextv):
    with pytest.raises(GatewayError, match="No Plex token is set") as err:
        gateway(fake_plextv, token="").users()
    assert err.value.permanent and fake_plextv.calls == []


def test_a_redirect_is_never_followed_with_the_token(fake_plextv):
    fake_plextv.fail_next(302, path="/api/users/")
    with pytest.raises(GatewayError, match="does not follow redirects") as err:
        gateway(fake_plextv).users()
    assert err.value.permanent and err.value.status == 302
    assert len(fake_plextv.calls) == 1


def test_users_with_missing_and_nonsense_attributes_read_as_empty(fake_plextv):
    fake_plextv.fail_next(200, '<MediaContainer><User id="abc" allowSync="yes">'
                               '<Server id="99999999999999999999999" machineIdentifier="m" lastSeenAt="-5" '
                               'pending="1"/></User><User/></MediaContainer>', path="/api/users/")
    first, second = gateway(fake_plextv).users()
    assert (first.id, first.username, first.allow_sync) == (0, "", False)
    [share] = first.servers
    assert share.pending is True and share.last_seen_at is None and share.id == 99999999999999999999999
    assert first.share_for("m") is share and first.share_for("other") is None
    assert (second.id, second.servers) == (0, [])


def test_an_answer_that_is_not_xml_is_a_permanent_error(fake_plextv):
    fake_plextv.fail_next(200, '{"users": []}', path="/api/users/")
    with pytest.raises(GatewayError, match="did not answer with XML") as err:
        gateway(fake_plextv).users()
    assert err.value.permanent


@pytest.mark.parametrize("body,reason", [
    ('<Response code="400" status="Invalid email &amp; username"/>', "Invalid email & username"),
    ('<errors><error code="1" message="Bad   library   ids"/></errors>', "Bad library ids"),
    ('{"errors": [{"code": 1, "message": "Quota"}, {"message": "exceeded"}]}', "Quota; exceeded"),
    ('{"error": "Nope"}', "Nope"),
    ('{"errors": "flat"}', '{"errors": "flat"}'),
    ("", "no detail"),
    ("x" * 400, "x" * 160),
])
def test_plex_tvs_reason_is_read_from_each_of_its_error_formats(fake_plextv, body, reason):
    fake_plextv.fail_next(400, body, path=f"/api/servers/{MID}/shared_servers")
    with pytest.raises(GatewayError) as err:
        gateway(fake_plextv).invite_friend(MID, "someone", [1], plextv.Permissions())
    assert err.value.message == f"plex.tv refused the request (400): {reason}"


def test_a_404_is_its_own_clear_error(fake_plextv):
    fake_plextv.fail_next(404, path="/api/servers/")
    with pytest.raises(GatewayError, match="404 Not Found") as err:
        gateway(fake_plextv).server_sections(MID)
    assert err.value.permanent and err.value.status == 404


def test_removing_a_home_member_already_gone_is_fine_but_a_failure_is_not(fake_plextv):
    gw = gateway(fake_plextv)
    fake_plextv.fail_next(404, path="/api/home/users/42")
    gw.remove_home_user(42)
    fake_plextv.fail_next(500, path="/api/home/users/42", times=2)
    with pytest.raises(GatewayError) as err:
        gw.remove_home_user(42)
    assert not err.value.permanent


def test_accepting_finds_our_server_in_either_shape_of_the_pending_list(fake_plextv):
    gw = gateway(fake_plextv)
    fake_plextv.fail_next(200, [{"sharedServers": [{"id": 7, "server": {"machineIdentifier": MID}}]},
                                "junk", {"sharedServers": None}], path="/api/v2/shared_servers/invites")
    fake_plextv.fail_next(200, {"id": 7}, path="/api/v2/shared_servers/7/accept")
    assert gw.accept_share_from("friend-token", MID) is True
    fake_plextv.fail_next(200, {"not": "a list"}, path="/api/v2/shared_servers/invites")
    assert gw.accept_share_from("friend-token", MID) is False
    fake_plextv.fail_next(200, "not json", path="/api/v2/shared_servers/invites")
    with pytest.raises(GatewayError, match="did not answer with JSON"):
        gw.accept_share_from("friend-token", MID)


@pytest.mark.parametrize("data,expected", [
    ({"pin_id": 5, "pin_code": "ABC123"}, (5, "ABC123")),
    ({"pin_id": "5", "pin_code": "abc"}, (5, "abc")),
    ({"pin_id": 5.0, "pin_code": "abc"}, (5, "abc")),
    ({"pin_id": 0, "pin_code": "abc"}, None),
    ({"pin_id": [5], "pin_code": "abc"}, None),
    ({"pin_id": 5, "pin_code": "../etc"}, None),
    ({"pin_id": 5, "pin_code": None}, None),
    ({"pin_id": "1e400", "pin_code": "abc"}, None),
    ("pin_id=5", None),
])
def test_the_pin_a_page_posts_back_is_taken_only_in_plex_tvs_shape(data, expected):
    assert plextv.browser_pin(data) == expected


def test_the_auth_addresses_carry_the_code_and_only_the_same_tab_one_comes_back():
    urls = plextv.auth_urls("https://app.plex.tv/", "cid", "CODE1", "https://portal.example/join/X/plex")
    assert urls["popup_url"].startswith("https://app.plex.tv/auth#?clientID=cid&code=CODE1")
    assert "forwardUrl" not in urls["popup_url"]
    assert urls["redirect_url"].endswith("forwardUrl=https%3A%2F%2Fportal.example%2Fjoin%2FX%2Fplex")


@pytest.mark.parametrize("ratings,labels,out", [("G, PG", "", "contentRating=G%2CPG"), ("", "kids", "label=kids"),
                                                ("G", "kids, family", "contentRating=G|label=kids%2Cfamily"),
                                                (" , ", "", ""), ("", "", "")])
def test_filters_are_written_the_way_plexapi_writes_them(ratings, labels, out):
    assert plextv.filter_string(ratings, labels) == out


def test_the_client_identifier_is_made_once_and_kept(db):
    first = plextv.client_identifier()
    assert plextv.client_identifier("an old secret key") == first and len(first) == 36
