"""GET /api/v1/people and flask people list|show|merge."""
from plexportal.auth.models import User
from plexportal.invites.models import Access
from plexportal.notify.models import Notification
from plexportal.people import service as people

KEY = "k" * 32


def _api_on(set_settings):
    set_settings(API_KEY=KEY)


def test_the_api_lists_every_person_with_ids_sources_access_and_counts(client, set_settings, admin):
    from plexportal.media import matching

    _api_on(set_settings)
    alice = people.find_or_create_person("plex", plex_user_id=1, email="alice@example.com", username="alice")
    people.find_or_create_person("seerr", seerr_user_id=4, plex_user_id=1, email="alice@seerr.example")
    Access.create(plex_user_id=1, user=alice, title="alice", pending=False, libraries=[])
    matching.upsert_request(seerr_request_id=3, media_type="movie", status="pending", user=alice, title="Dune")
    Notification.create(user=alice, kind="media.ready", subject="Dune is ready", status="sent")
    Notification.create(user=alice, kind="media.ready", subject="Queued", status="pending")
    sam = people.find_or_create_person("seerr", seerr_user_id=9, email="sam@example.com", display_name="Sam")

    assert client.get("/api/v1/people").status_code == 401
    data = client.get("/api/v1/people", headers={"X-Api-Key": KEY}).get_json()
    assert data["total"] == 2 and data["next"] is None
    a, s = data["items"]
    assert (a["id"], a["plex_user_id"], a["seerr_user_id"], a["plex_username"]) == (alice.id, 1, 4, "alice")
    assert sorted(a["emails"]) == ["alice@example.com", "alice@seerr.example"]
    assert a["sources"] == ["plex", "seerr"] and a["access"] == {"status": "active", "libraries": ["all"],
                                                               "expires_at": None}
    assert (a["requests"], a["messages_sent"]) == (1, 1)
    assert (s["id"], s["sources"], s["access"]["status"]) == (sam.id, ["seerr"], "none")
    assert admin.id not in [p["id"] for p in data["items"]]


def test_one_person_is_the_same_object_as_in_the_list_and_a_wrong_id_is_a_json_404(client, set_settings, admin):
    from plexportal.invites.models import PlexLibrary

    _api_on(set_settings)
    PlexLibrary.create(section_id=11, key="1", title="Films")
    alice = people.find_or_create_person("plex", plex_user_id=1, email="alice@example.com", username="alice")
    Access.create(plex_user_id=1, user=alice, title="alice", pending=False, libraries=[11])
    people.find_or_create_person("seerr", seerr_user_id=9, email="sam@example.com", display_name="Sam")
    h = {"X-Api-Key": KEY}

    assert client.get(f"/api/v1/people/{alice.id}").status_code == 401
    listed = {p["id"]: p for p in client.get("/api/v1/people", headers=h).get_json()["items"]}
    for pid, item in listed.items():
        one = client.get(f"/api/v1/people/{pid}", headers=h)
        assert one.status_code == 200 and one.get_json() == item
    assert listed[alice.id]["access"]["libraries"] == ["Films"]

    for wrong, words in ((str(alice.id + 1000), f"no person #{alice.id + 1000}"), (str(admin.id), f"no person #{admin.id}"),
                         ("alice", "whole number"), ("0", "whole number"), ("1.5", "whole number"),
                         ("99999999999", "whole number")):
        r = client.get(f"/api/v1/people/{wrong}", headers=h)
        assert r.status_code == 404 and list(r.get_json()) == ["error"], wrong
        assert words in r.get_json()["error"], wrong
    assert client.get("/api/v1/people/alice").status_code == 401       # the key first, whatever the id


def test_the_command_line_lists_shows_and_merges_people(app, db):
    a = people.find_or_create_person("plex", plex_user_id=1, email="a@example.com", username="ann")
    b = people.find_or_create_person("seerr", seerr_user_id=2, email="ann@elsewhere.example", display_name="Ann B")
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["people", "list"])
    assert listed.exit_code == 0 and f"#{a.id}" in listed.output and "Ann B" in listed.output
    only = runner.invoke(args=["people", "list", "--search", "elsewhere"])
    assert "Ann B" in only.output and "ann " not in only.output
    same = runner.invoke(args=["people", "merge", str(a.id), str(a.id)])
    assert same.exit_code != 0 and "cannot be merged with themselves" in same.output
    missing = runner.invoke(args=["people", "merge", str(a.id), "999999"])
    assert missing.exit_code != 0 and "no person #999999" in missing.output
    merged = runner.invoke(args=["people", "merge", str(a.id), str(b.id)])
    assert merged.exit_code == 0, merged.output
    assert "Merged #" in merged.output and User.get_or_none(User.id == b.id) is None
    shown = runner.invoke(args=["people", "show", str(a.id)])
    assert shown.exit_code == 0 and "seerr:    2" in shown.output and "ann@elsewhere.example" in shown.output
    assert "merged with the command line" in shown.output
