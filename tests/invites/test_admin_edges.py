"""The invites admin pages off the happy path: presets renamed onto each other, links toggled and
deleted, approvals that changed meanwhile, plex.tv failing on "Refresh libraries", the CLI's
refusals, the API's paging and the dashboard's numbers."""
from __future__ import annotations

from datetime import timedelta

import pytest

from plexportal.admin.models import AuditEntry
from plexportal.invites import provisioning, service
from plexportal.invites.models import Invite, PlexLibrary, Preset, Redemption
from plexportal.lib import clock


@pytest.fixture
def quiet(monkeypatch):
    """Claims without provisioning: these tests are about the admin's view of them."""
    monkeypatch.setattr(service, "enqueue_provisioning", lambda rid: None)


def test_renaming_a_preset_onto_another_is_refused_and_both_stay(logged_in, plex):
    family = service.save_preset({"name": "Family", "libraries": []})
    friends = service.save_preset({"name": "Friends", "libraries": []})
    r = logged_in.post(f"/invites/presets/{friends.id}", data={"name": " FAMILY "}, htmx=True)
    assert r.status_code == 422 and "A preset with that name exists already." in r.get_data(as_text=True)
    assert sorted(p.name for p in Preset.select()) == ["Family", "Friends"]
    ok = logged_in.post(f"/invites/presets/{family.id}", data={"name": "family", "access_days": "30"}, htmx=True)
    assert ok.headers["HX-Redirect"] == "/invites/presets"                 # its own name in another case: fine
    assert Preset.get_by_id(family.id).access_days == 30


@pytest.mark.parametrize("days", ["0", "3651", "soon"])
def test_a_preset_needs_a_name_and_sensible_days(logged_in, plex, days):
    r = logged_in.post("/invites/presets", data={"name": "", "access_days": days}, htmx=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Give the preset a name" in page and "between 1 and 3650" in page
    assert Preset.select().count() == 0


def test_deleting_a_preset_keeps_the_invites_made_from_it(logged_in, plex):
    preset = service.save_preset({"name": "Family", "libraries": [1001], "allow_sync": True})
    invite = service.create_invite({"preset": preset})
    assert invite.libraries == [1001] and invite.allow_sync is True          # the terms were copied
    r = logged_in.post(f"/invites/presets/{preset.id}/delete", htmx=True)
    assert r.headers["HX-Redirect"] == "/invites/presets"
    after = Invite.get_by_id(invite.id)
    assert after.preset_id is None and after.libraries == [1001] and after.allow_sync is True
    assert logged_in.post(f"/invites/presets/{preset.id}/delete", htmx=True).status_code == 404


def test_an_invite_takes_its_own_terms_over_its_presets(db, plex):
    preset = service.save_preset({"name": "Family", "libraries": [1001], "access_days": 30})
    invite = service.create_invite({"preset": preset, "libraries": [1002]})
    assert invite.libraries == [1002] and invite.access_days == 30


def test_toggling_stays_on_the_invites_page_whatever_the_referer(logged_in, plex):
    invite = service.create_invite({})
    r = logged_in.post(f"/invites/{invite.id}/toggle", htmx=True,
                       headers={"Referer": f"http://localhost/invites/{invite.id}"})
    assert r.headers["HX-Redirect"] == f"/invites/{invite.id}"
    assert Invite.get_by_id(invite.id).enabled is False
    r = logged_in.post(f"/invites/{invite.id}/toggle", htmx=True, headers={"Referer": "https://evil.example/x"})
    assert r.headers["HX-Redirect"] == f"/invites/{invite.id}"
    assert Invite.get_by_id(invite.id).enabled is True
    assert "Disable link" in logged_in.get(r.headers["HX-Redirect"]).get_data(as_text=True)
    actions = [e.action for e in AuditEntry.select().order_by(AuditEntry.id)]
    assert actions[-2:] == ["invites.disabled", "invites.enabled"]


def test_deleting_an_invite_keeps_who_used_it(logged_in, plex, quiet):
    invite = service.create_invite({})
    service.redeem_invite(invite.id, service.Claimant("name:x", "x@example.com", "form"))
    r = logged_in.post(f"/invites/{invite.id}/delete", htmx=True)
    assert r.headers["HX-Redirect"] == "/invites"
    assert Invite.select().count() == 0
    assert Redemption.get().identifier == "x@example.com"
    assert "(its redemptions are kept)" in AuditEntry.get(AuditEntry.action == "invites.deleted").message
    assert logged_in.get(f"/invites/{invite.id}").status_code == 404
    assert logged_in.get(f"/invites/{invite.id}/qr.svg").status_code == 404


def test_editing_with_bad_values_keeps_the_invite_as_it_was(logged_in, plex):
    invite = service.create_invite({"label": "Old", "max_uses": 2})
    r = logged_in.post(f"/invites/{invite.id}", data={"label": "New", "max_uses": "many", "access_days": "-1"},
                       htmx=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "Enter a whole number of uses" in page and 'value="New"' in page
    after = Invite.get_by_id(invite.id)
    assert (after.label, after.max_uses) == ("Old", 2)
    assert not AuditEntry.select().where(AuditEntry.action == "invites.updated").exists()


def test_saving_an_unchanged_invite_writes_no_audit_entry(db, plex):
    invite = service.create_invite({"label": "Same"})
    service.update_invite(invite, {"label": "Same", "not_a_field": 1})
    assert not AuditEntry.select().where(AuditEntry.action == "invites.updated").exists()
    service.update_invite(invite, {"label": "Other"})
    assert "label" in AuditEntry.get(AuditEntry.action == "invites.updated").message


def test_an_approval_that_was_decided_meanwhile_says_nothing_to_do(logged_in, plex, quiet):
    invite = service.create_invite({"requires_approval": True})
    r = service.redeem_invite(invite.id, service.Claimant("name:x", "x@example.com", "form", email="x@example.com"))
    service.decline(r)
    resp = logged_in.post(f"/invites/redemptions/{r.id}/approve", htmx=True)
    assert "Nothing to do: it changed in the meantime." in resp.get_data(as_text=True)
    assert Redemption.get_by_id(r.id).state == "declined"
    assert logged_in.post(f"/invites/redemptions/{r.id}/retry", htmx=True).status_code == 200
    assert Redemption.get_by_id(r.id).state == "declined"                  # only failed ones are retried


def test_an_unknown_redemption_action_or_id_is_404(logged_in, plex, quiet):
    invite = service.create_invite({"requires_approval": True})
    r = service.redeem_invite(invite.id, service.Claimant("name:x", "x", "form"))
    assert logged_in.post(f"/invites/redemptions/{r.id}/delete", htmx=True).status_code == 404
    assert logged_in.post("/invites/redemptions/999999/approve", htmx=True).status_code == 404
    assert Redemption.get_by_id(r.id).state == "awaiting_approval"


def test_declining_a_request_from_the_global_form_gives_back_no_invite_use(db, plex, admin):
    r = service.request_access(service.Claimant("name:x", "x", "request"), approval=True)
    assert service.decline(r, actor=admin) is True
    assert Redemption.get_by_id(r.id).state == "declined"


def test_refreshing_libraries_when_plex_tv_fails_says_why_and_keeps_the_old_list(logged_in, plex):
    provisioning.refresh_libraries()
    plex.fail_next(500, path="/api/servers/", times=3)
    r = logged_in.post("/invites/libraries/refresh", htmx=True)
    assert "Could not read the libraries: plex.tv had an internal error" in r.get_data(as_text=True)
    assert PlexLibrary.select().count() == 3


def test_refreshing_libraries_drops_one_the_server_no_longer_has(logged_in, plex):
    provisioning.refresh_libraries()
    plex.sections = [s for s in plex.sections if s[2] != "Music"] + [(1004, "4", "Kids", "movie")]
    r = logged_in.post("/invites/libraries/refresh", htmx=True)
    assert "Found 3 libraries." in r.get_data(as_text=True)
    assert [lib.title for lib in service.libraries()] == ["Kids", "Movies", "TV Shows"]


def test_a_library_id_the_server_no_longer_has_is_still_named(db, plex):
    provisioning.refresh_libraries()
    assert service.library_titles([1001, 4242]) == ["Movies", "library 4242"]
    assert service.library_titles([]) == ["Movies", "Music", "TV Shows"]


def test_the_link_uses_base_url_then_the_request_address_then_a_path(app, db, plex, set_settings):
    invite = service.create_invite({})
    assert service.join_url(invite) == f"/join/{invite.code}"                  # worker: no request
    with app.test_request_context("/", base_url="https://portal.lan:8443"):
        assert service.join_url(invite) == f"https://portal.lan:8443/join/{invite.code}"
    set_settings(BASE_URL="https://watch.example.com/")
    assert service.join_url(invite) == f"https://watch.example.com/join/{invite.code}"


def test_the_description_in_the_audit_log_names_uses_and_libraries(db, plex):
    provisioning.refresh_libraries()
    one = service.create_invite({"label": "Mum", "max_uses": 1, "libraries": [1001]})
    assert service.describe(one) == "Mum; 1 use; Movies"
    many = service.create_invite({})
    assert service.describe(many) == "no label; unlimited uses; Movies, Music, TV Shows"


def test_the_cli_refuses_bad_uses_and_expiry_and_prints_a_path_without_base_url(app, db, plex):
    runner = app.test_cli_runner()
    bad = runner.invoke(args=["invites", "create", "--uses", "-2"])
    assert bad.exit_code == 2 and "at least 1 use" in bad.output
    bad = runner.invoke(args=["invites", "create", "--expires", "2001-01-01"])
    assert bad.exit_code == 2 and "already passed" in bad.output
    assert Invite.select().count() == 0
    empty = runner.invoke(args=["invites", "list"])
    assert empty.exit_code == 0 and "no invites yet" in empty.output
    out = runner.invoke(args=["invites", "create", "--uses", "unlimited"])
    assert out.exit_code == 0
    invite = Invite.get()
    assert out.stdout.strip() == f"/join/{invite.code}" and invite.max_uses is None
    assert "set BASE_URL" in out.stderr


def test_the_cli_takes_library_ids_and_says_what_it_knows(app, db, plex):
    runner = app.test_cli_runner()
    before = runner.invoke(args=["invites", "create", "--libraries", "1001, 1002"])     # none loaded: ids go through
    assert before.exit_code == 0 and Invite.get().libraries == [1001, 1002]
    provisioning.refresh_libraries()
    bad = runner.invoke(args=["invites", "create", "--libraries", "9999"])
    assert bad.exit_code == 2 and "known: Movies, Music, TV Shows" in bad.output
    ok = runner.invoke(args=["invites", "create", "--libraries", "music,,1001", "--preset", ""])
    assert ok.exit_code == 0
    assert Invite.select().order_by(Invite.id.desc()).first().libraries == [1001, 1003]


def test_the_cli_lists_status_uses_and_expiry(app, db, plex):
    service.create_invite({"label": "Off", "enabled": False, "max_uses": 2})
    service.create_invite({"label": "Soon", "expires_at": clock.now() + timedelta(days=1)})
    out = app.test_cli_runner().invoke(args=["invites", "list"]).output
    assert "disabled" in out and "uses 0/2" in out and "uses 0/∞" in out and "expires never" in out


def test_the_api_pages_invites_and_never_shows_tokens(client, set_settings, plex, quiet):
    set_settings(API_KEY="k" * 32)
    for n in range(3):
        service.create_invite({"label": f"n{n}"})
    key = {"X-Api-Key": "k" * 32}
    data = client.get("/api/v1/invites?limit=2", headers=key).get_json()
    assert data["total"] == 3 and len(data["items"]) == 2
    rest = client.get("/api/v1/invites?limit=2&offset=2", headers=key).get_json()
    assert len(rest["items"]) == 1
    labels = {i["label"] for i in data["items"]} | {i["label"] for i in rest["items"]}
    assert labels == {"n0", "n1", "n2"}
    assert client.get("/api/v1/invites?offset=50", headers=key).get_json()["items"] == []


def test_the_dashboard_card_counts_waiting_and_failed(logged_in, plex, quiet):
    invite = service.create_invite({"requires_approval": True})
    service.redeem_invite(invite.id, service.Claimant("name:a", "a", "form"))
    b = service.redeem_invite(invite.id, service.Claimant("name:b", "b", "form"))
    Redemption.update(state="failed").where(Redemption.id == b.id).execute()
    from plexportal.invites import dashboard

    card = dashboard.card()
    assert (card["waiting"], card["failed"], card["active_links"], card["joined_week"]) == (1, 1, 1, 2)
