"""From a claimed use to a working share: states, retries, already-sharing, token loss, welcome."""
from datetime import timedelta

from plexportal.auth.models import User
from plexportal.invites import provisioning, service
from plexportal.invites.models import Access, PlexState, Redemption
from plexportal.lib import clock
from plexportal.notify.models import Notification

MID = "machine-abc123"


def plex_claimant(token="friend-token"):
    return service.Claimant(account_key="plex:42", identifier="friend@example.com", via="plex", plex_user_id=42,
                            plex_username="friend", email="friend@example.com", user_token=token)


def test_it_shares_accepts_and_welcomes_someone_who_signed_in_with_plex(db, plex, mail):
    invite = service.create_invite({"libraries": [1002], "allow_sync": True, "access_days": 30})
    r = service.redeem_invite(invite.id, plex_claimant())
    r = Redemption.get_by_id(r.id)
    assert r.state == "active", r.error
    [post] = plex.calls_to(f"/api/servers/{MID}/shared_servers", "POST")
    assert post.json["shared_server"] == {"library_section_ids": [1002], "invited_email": "friend@example.com"}
    assert post.json["sharing_settings"]["allowSync"] == "1"
    assert plex.calls_to("/api/v2/shared_servers/", "POST")[0].path.endswith("/accept")
    assert plex.share_of(42).pending is False
    assert r.user_token == ""                            # the person's token is not kept
    user = User.get(User.plex_user_id == 42)
    assert (user.email, user.plex_username, user.role) == ("friend@example.com", "friend", "user")
    access = Access.get(Access.plex_user_id == 42)
    assert access.status == "active" and access.libraries == [1002]
    assert timedelta(days=29) < access.expires_at - clock.now() <= timedelta(days=30)
    messages = {m["To"]: m for m in mail.wait_for(2)}
    welcome = messages["friend@example.com"]
    assert welcome["Subject"] == "Welcome to Harbour Server"
    assert "Harbour Server" in welcome.get_body(("plain",)).get_content()
    assert "friend" in messages["owner@example.com"]["Subject"]     # admin: invite used


def test_it_matches_an_existing_plexportal_user_by_email(db, plex):
    existing = User.create(username="fran", email="Friend@Example.com", role="user")
    invite = service.create_invite({})
    service.redeem_invite(invite.id, plex_claimant())
    assert User.select().where(User.email ** "friend@example.com").count() == 1
    assert User.get_by_id(existing.id).plex_user_id == 42


def test_it_shares_every_library_by_id_when_the_invite_names_none(db, plex):
    invite = service.create_invite({})
    service.redeem_invite(invite.id, plex_claimant())
    [post] = plex.calls_to(f"/api/servers/{MID}/shared_servers", "POST")
    assert post.json["shared_server"]["library_section_ids"] == [1001, 1002, 1003]


def test_it_leaves_a_typed_username_invited_until_they_accept(db, plex):
    invite = service.create_invite({})
    r = service.redeem_invite(invite.id, service.Claimant(account_key="name:friend", identifier="friend", via="form"))
    assert Redemption.get_by_id(r.id).state == "invited"
    assert plex.calls_to("/api/v2/shared_servers/invites") == []      # no token, no auto-accept
    plex.share_of(42).pending = False                                  # they pressed Accept in Plex's email
    from plexportal.invites import access

    assert access.sync()["activated"] == 1
    r = Redemption.get_by_id(r.id)
    assert r.state == "active" and r.plex_user_id == 42


def test_it_updates_the_existing_share_when_plex_says_already_sharing(db, plex):
    from tests.fakes.plextv import FakeShare

    plex.shares[900] = FakeShare(900, 42, MID, [1003], pending=False)
    invite = service.create_invite({"libraries": [1001, 1002], "allow_channels": True})
    r = service.redeem_invite(invite.id, plex_claimant())
    assert Redemption.get_by_id(r.id).state == "active"
    [put] = plex.calls_to(f"/api/servers/{MID}/shared_servers/900", "PUT")
    assert put.json == {"server_id": MID, "shared_server": {"library_section_ids": [1001, 1002]}}
    [perms] = plex.calls_to("/api/v2/sharings/42", "PUT")
    assert perms.query["allowChannels"] == "1"


def test_it_retries_rate_limits_and_server_errors_with_backoff(db, plex):
    plex.fail_next(429, path=f"/api/servers/{MID}/shared_servers")
    invite = service.create_invite({})
    r = service.redeem_invite(invite.id, plex_claimant())
    r = Redemption.get_by_id(r.id)
    assert r.state == "claimed" and r.attempts == 1 and "429" in r.error
    assert r.next_retry_at > clock.now()
    assert provisioning.due_for_retry() == []                       # not yet
    plex.fail_next(503, path=f"/api/servers/{MID}/shared_servers")
    clock.freeze(r.next_retry_at + timedelta(seconds=1))
    assert provisioning.due_for_retry() == [r.id]
    provisioning.provision(r.id)
    r2 = Redemption.get_by_id(r.id)
    assert r2.attempts == 2 and r2.next_retry_at - clock.now() == timedelta(seconds=60)   # doubled
    clock.freeze(r2.next_retry_at + timedelta(seconds=1))
    provisioning.provision(r.id)
    assert Redemption.get_by_id(r.id).state == "active"
    assert len(plex.calls_to(f"/api/servers/{MID}/shared_servers", "POST")) == 3


def test_it_fails_for_good_on_410_and_tells_the_admin(db, plex):
    plex.fail_next(410, path=f"/api/servers/{MID}/shared_servers")
    invite = service.create_invite({})
    r = Redemption.get_by_id(service.redeem_invite(invite.id, plex_claimant()).id)
    assert r.state == "failed" and "410" in r.error and r.public_reason == "generic"
    assert Notification.select().where(Notification.kind == "invites.failed").count() == 1
    assert provisioning.retry(r) is True
    assert Redemption.get_by_id(r.id).state == "active"


def test_it_flags_a_revoked_owner_token_once_and_alerts(db, plex):
    plex.fail_next(401, path=f"/api/servers/{MID}/shared_servers")
    invite = service.create_invite({})
    r = Redemption.get_by_id(service.redeem_invite(invite.id, plex_claimant()).id)
    assert r.state == "failed"
    state = PlexState.get()
    assert state.token_ok is False
    alerts = Notification.select().where(Notification.kind == "invites.token")
    assert alerts.count() == 1 and "no longer valid" in alerts[0].subject
    plex.fail_next(401, path="/api/v2/user")
    assert provisioning.check_token()[0] is False
    assert Notification.select().where(Notification.kind == "invites.token").count() == 1   # deduplicated
    assert provisioning.check_token()[0] is True
    assert PlexState.get().token_ok is True


def test_it_gives_up_after_the_last_attempt(db, plex):
    plex.fail_next(500, path=f"/api/servers/{MID}/shared_servers", times=provisioning.MAX_ATTEMPTS)
    invite = service.create_invite({})
    r = service.redeem_invite(invite.id, plex_claimant())
    for _ in range(provisioning.MAX_ATTEMPTS - 1):
        clock.freeze(Redemption.get_by_id(r.id).next_retry_at + timedelta(seconds=1))
        provisioning.provision(r.id)
    r = Redemption.get_by_id(r.id)
    assert r.state == "failed" and r.attempts == provisioning.MAX_ATTEMPTS
