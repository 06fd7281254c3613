"""The admin side of invites: creating and editing links, presets, QR codes, approvals, the API,
the CLI and the dashboard card."""
from datetime import timedelta

from plexportal.admin.models import AuditEntry
from plexportal.invites import provisioning, service
from plexportal.invites.models import Invite, Preset, Redemption
from plexportal.lib import clock


def test_it_creates_an_invite_from_the_form_and_shows_link_qr_and_copy(logged_in, plex):
    provisioning.refresh_libraries()
    r = logged_in.post("/invites/new", data={"label": "Cousins", "max_uses": "3", "expires": "7d",
                                             "libraries": ["1001", "1003"], "kind": "friend", "allow_sync": "1"})
    assert r.status_code == 303
    invite = Invite.get()
    assert (invite.label, invite.max_uses, invite.libraries, invite.allow_sync) == ("Cousins", 3, [1001, 1003], True)
    assert timedelta(days=6, hours=23) < invite.expires_at - clock.now() <= timedelta(days=7)
    page = logged_in.get(r.headers["Location"]).get_data(as_text=True)
    assert f"/join/{invite.code}" in page and 'data-copy-from="#invite-link"' in page
    assert f'src="/invites/{invite.id}/qr.svg"' in page
    svg = logged_in.get(f"/invites/{invite.id}/qr.svg")
    assert svg.headers["Content-Type"] == "image/svg+xml" and svg.data.lstrip().startswith(b"<svg")
    assert AuditEntry.select().where(AuditEntry.action == "invites.created").count() == 1


def test_it_rejects_bad_values_and_keeps_what_was_typed(logged_in, plex):
    r = logged_in.post("/invites/new", data={"label": "Oops", "max_uses": "lots", "expires": "2001-01-01",
                                             "code": "SHORT"}, htmx=True)
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Enter a whole number of uses" in page and "already passed" in page and "at least 10 characters" in page
    assert 'value="Oops"' in page and 'value="lots"' in page
    assert Invite.select().count() == 0


def test_it_takes_a_custom_code_once(logged_in, plex):
    assert logged_in.post("/invites/new", data={"code": "park-street-26"}).status_code == 303
    assert Invite.get().code == "PARKSTREET26"
    assert service.get_invite_by_code("Park Street 26").id == Invite.get().id
    again = logged_in.post("/invites/new", data={"code": "PARKSTREET26"}, htmx=True)
    assert again.status_code == 422 and "already in use" in again.get_data(as_text=True)


def test_it_edits_an_invite_and_keeps_its_expiry_when_untouched(logged_in, plex):
    invite = service.create_invite({"label": "Old", "expires_at": clock.now() + timedelta(days=3), "max_uses": 1})
    page = logged_in.get(f"/invites/{invite.id}").get_data(as_text=True)
    import re

    shown = re.search(r'name="expires_was" value="([^"]*)"', page).group(1)
    r = logged_in.post(f"/invites/{invite.id}", data={"label": "New", "max_uses": "", "expires": shown,
                                                      "expires_was": shown, "enabled_present": "1", "enabled": "1",
                                                      "kind": "home"}, htmx=True)
    assert r.status_code == 200 and "Invite saved." in r.get_data(as_text=True)
    after = Invite.get_by_id(invite.id)
    assert (after.label, after.max_uses, after.home) == ("New", None, True)
    assert after.expires_at == invite.expires_at
    logged_in.post(f"/invites/{invite.id}/toggle", htmx=True)
    assert Invite.get_by_id(invite.id).enabled is False


def test_it_fills_an_invite_from_a_preset(logged_in, plex):
    provisioning.refresh_libraries()
    logged_in.post("/invites/presets", data={"name": "Friends: films only", "libraries": ["1001"],
                                             "access_days": "30"})
    preset = Preset.get()
    assert (preset.libraries, preset.access_days) == ([1001], 30)
    dup = logged_in.post("/invites/presets", data={"name": "friends: FILMS only"}, htmx=True)
    assert dup.status_code == 422
    listed = logged_in.get("/invites/presets").get_data(as_text=True)
    assert "Movies · 30 days" in listed                  # what the preset gives, without opening it
    page = logged_in.get(f"/invites/new?preset={preset.id}").get_data(as_text=True)
    assert 'value="1001" checked' in page and 'value="30"' in page
    logged_in.post("/invites/new", data={"preset": str(preset.id), "libraries": ["1001"], "access_days": "30"})
    assert Invite.get().preset.id == preset.id


def test_it_approves_and_declines_with_an_email_either_way(logged_in, plex, mail):
    invite = service.create_invite({"requires_approval": True, "max_uses": None})
    yes = service.redeem_invite(invite.id, service.Claimant("name:a", "friend@example.com", "form",
                                                            email="friend@example.com"))
    no = service.redeem_invite(invite.id, service.Claimant("name:b", "b@example.com", "form", email="b@example.com"))
    index = logged_in.get("/invites").get_data(as_text=True)
    assert "Waiting for your approval" in index
    assert "Approved" in logged_in.post(f"/invites/redemptions/{yes.id}/approve", htmx=True).get_data(as_text=True)
    logged_in.post(f"/invites/redemptions/{no.id}/decline", htmx=True)
    assert Redemption.get_by_id(yes.id).state == "invited"
    assert Redemption.get_by_id(no.id).state == "declined"
    got = {m["Subject"]: m["To"] for m in mail.wait_for(4)}
    assert got["Your request to join Harbour Server was approved"] == "friend@example.com"
    assert got["Your request to join Harbour Server"] == "b@example.com"


def test_it_lists_invites_with_use_counts_and_redemptions_in_the_api(client, set_settings, plex):
    set_settings(API_KEY="k" * 32)
    invite = service.create_invite({"label": "API", "max_uses": 2})
    service.redeem_invite(invite.id, service.Claimant("plex:42", "friend@example.com", "plex", plex_user_id=42,
                                                      plex_username="friend", user_token="friend-token"))
    assert client.get("/api/v1/invites").status_code == 401
    data = client.get("/api/v1/invites", headers={"X-Api-Key": "k" * 32}).get_json()
    [row] = data["items"]
    assert (row["code"], row["uses"], row["max_uses"], row["status"]) == (invite.code, 1, 2, "active")
    assert row["redemptions"][0]["plex_username"] == "friend" and row["redemptions"][0]["state"] == "active"
    assert "user_token" not in str(data) and "friend-token" not in str(data)


def test_it_creates_and_lists_invites_from_the_command_line(app, plex, set_settings):
    set_settings(BASE_URL="https://portal.example.com")
    provisioning.refresh_libraries()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["invites", "create", "--uses", "5", "--expires", "7d", "--libraries", "movies,TV Shows",
                              "--label", "Cli"])
    assert out.exit_code == 0, out.output
    invite = Invite.get()
    assert out.output.strip() == f"https://portal.example.com/join/{invite.code}"
    assert (invite.max_uses, invite.libraries, invite.label) == (5, [1001, 1002], "Cli")
    bad = runner.invoke(args=["invites", "create", "--libraries", "Cartoons"])
    assert bad.exit_code != 0 and "unknown library" in bad.output
    bad = runner.invoke(args=["invites", "create", "--preset", "Nope"])
    assert bad.exit_code != 0 and "no preset" in bad.output
    listed = runner.invoke(args=["invites", "list"])
    assert invite.code in listed.output and "0/5" in listed.output


def test_it_shows_the_invites_card_on_the_dashboard(logged_in, plex):
    provisioning.check_token()
    invite = service.create_invite({})
    service.redeem_invite(invite.id, service.Claimant("plex:42", "friend@example.com", "plex", plex_user_id=42,
                                                      plex_username="friend", user_token="friend-token"))
    page = logged_in.get("/").get_data(as_text=True)
    assert "Invites" in page and "Signed in to plex.tv as admin" in page
    assert "people with access" in page and "friend" in page
