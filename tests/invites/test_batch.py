"""Batch invitations from a CSV: preview with per-row problems, send once, per-row outcome."""
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plexportal.invites import batch, service
from plexportal.invites.models import Batch, Redemption

CSV = b"email,preset,label\nfriend@example.com,Family,cousin\nnot-an-email,,\nfriend@example.com,,\naunt@example.com,Nope,\nnew@example.com,,\n"


def upload(web, data: bytes, name="people.csv"):
    return web.post("/invites/batch", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_it_previews_every_row_and_sends_once_with_outcomes(logged_in, plex):
    service.save_preset({"name": "Family", "libraries": [1001], "allow_sync": True})
    plex.fail_next(500, path="/api/servers/machine-abc123/shared_servers")   # the first send is retried
    r = upload(logged_in, CSV)
    assert r.status_code == 303
    page = logged_in.get(r.headers["Location"]).get_data(as_text=True)
    assert "2 invitations ready" in page and "3 rows will be skipped" in page
    assert "not an email address" in page and "listed twice" in page and "no preset called" in page
    assert Redemption.select().count() == 0                                   # nothing sent on preview
    assert "What 2 people will get" in page and "Welcome to Harbour Server" in page
    assert "plex.tv's own invitation email" in page and '"expected": "2"' in page
    b = Batch.get()
    yes = {"confirmed": "1", "expected": "2"}
    logged_in.post(f"/invites/batch/{b.id}/send", data=yes, htmx=True)
    logged_in.post(f"/invites/batch/{b.id}/send", data=yes, htmx=True)       # a double click sends nothing more
    rows = {r.identifier: r for r in Redemption.select()}
    assert set(rows) == {"friend@example.com", "new@example.com"}
    assert rows["friend@example.com"].terms["libraries"] == [1001]
    assert rows["friend@example.com"].state == "claimed" and rows["friend@example.com"].next_retry_at
    assert rows["new@example.com"].state == "invited"
    progress = logged_in.get(f"/invites/batch/{b.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "1 of 2" in progress and 'hx-trigger="every 2s"' in progress
    p = batch.progress(Batch.get_by_id(b.id))
    assert (p["finished"], p["total"], p["complete"]) == (1, 2, False)


def test_it_explains_an_unusable_file(logged_in, plex):
    r = upload(logged_in, "émail\n".encode("latin-1"))
    assert r.status_code == 422 and "not UTF-8" in r.get_data(as_text=True)
    r = upload(logged_in, b"\n\n")
    assert r.status_code == 422 and "no rows" in r.get_data(as_text=True)
    assert Batch.select().count() == 0


def test_it_reads_a_bare_list_of_addresses(db):
    rows = batch.parse_csv(b"a@example.com\r\nb@example.com;\n")
    assert [(r["email"], r["error"]) for r in rows] == [("a@example.com", ""), ("b@example.com;", "not an email address")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_it_never_crashes_on_any_upload(app, data):
    try:
        rows = batch.parse_csv(data)
    except ValueError as err:
        assert str(err)
        return
    assert all({"line", "email", "preset", "label", "error"} <= set(r) for r in rows)



def test_it_reads_old_mac_line_endings_and_stray_bytes(db):
    assert [r["email"] for r in batch.parse_csv(b"a@example.com\rb@example.com\r")] == ["a@example.com", "b@example.com"]
    assert batch.parse_csv(b"\r\x00")[0]["error"] == "not an email address"


def test_a_batch_is_sent_only_when_confirmed_with_its_count(logged_in, plex):
    upload(logged_in, b"a@example.com\nb@example.com\n")
    b = Batch.get()
    for data in ({}, {"confirmed": "1", "expected": "3"}):                   # no yes, or a yes for another count
        r = logged_in.post(f"/invites/batch/{b.id}/send", data=data, htmx=True)
        assert r.status_code == 409 and "Nothing was sent: confirm the 2 invitations shown" in r.get_data(as_text=True)
    assert Redemption.select().count() == 0 and Batch.get_by_id(b.id).status == "preview" and plex.calls == []


def test_a_batch_with_nobody_to_invite_is_refused_with_a_sentence(logged_in, plex):
    upload(logged_in, b"not-an-email\nalso wrong\n")
    b = Batch.get()
    page = logged_in.get(f"/invites/batch/{b.id}").get_data(as_text=True)
    assert "Nobody to invite: every row of this file is skipped" in page
    r = logged_in.post(f"/invites/batch/{b.id}/send", data={"confirmed": "1", "expected": "0"}, htmx=True)
    assert r.status_code == 422 and "every row of this file is skipped" in r.get_data(as_text=True)
    assert Redemption.select().count() == 0 and Batch.get_by_id(b.id).status == "preview"
