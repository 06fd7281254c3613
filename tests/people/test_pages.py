"""The People page, a person's page with their timeline, and merging by hand."""
import re

from plexportal.auth.models import User
from plexportal.invites import service as invites
from plexportal.invites.models import Access, Redemption
from plexportal.lib import clock
from plexportal.people import service as people


def everyone():
    """One of each kind of person the server has."""
    alice = people.find_or_create_person("plex", plex_user_id=1, email="alice@example.com", username="alice")
    Access.create(plex_user_id=1, user=alice, title="alice", pending=False, status="active", libraries=[1001])
    seerr_only = people.find_or_create_person("seerr", seerr_user_id=5, email="sam@example.com", display_name="Sam")
    waiting = people.find_or_create_person("invite", email="wren@example.com")
    invite = invites.create_invite({"label": "Cousins", "libraries": [1001], "allow_sync": False, "access_days": 30})
    Redemption.create(invite=invite, account_key="name:wren@example.com", identifier="wren@example.com",
                      email="wren@example.com", user=waiting, state="invited", terms=invites.terms_of(invite))
    gone = people.find_or_create_person("plex", plex_user_id=3, email="ex@example.com", username="ex")
    Access.create(plex_user_id=3, user=gone, title="ex", status="suspended")
    return alice, seerr_only, waiting, gone


def test_the_people_page_lists_everyone_with_where_they_are_known_from_and_counts(logged_in):
    everyone()
    page = logged_in.get("/people/").get_data(as_text=True)
    for name in ("alice", "Sam", "wren", "ex"):
        assert f">{name}</strong>" in page
    assert "Everyone (4)" in page and "With Plex access (1)" in page and "Known only from Seerr (1)" in page
    assert "Invited, waiting (1)" in page and "Suspended (1)" in page
    row = page[page.index(">Sam</strong>"):]
    row = row[:row.index("</tr>")]
    assert 'chip-seerr">Seerr' in row and "Known from Seerr" in row and "chip-plex" not in row
    waiting = logged_in.get("/people/?show=waiting").get_data(as_text=True)
    assert ">wren</strong>" in waiting and ">alice</strong>" not in waiting


def test_the_people_page_searches_by_name_and_email(logged_in):
    everyone()
    found = logged_in.get("/people/?q=SAM@exa", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert ">Sam</strong>" in found and ">alice</strong>" not in found and "<html" not in found
    none = logged_in.get("/people/?q=nobody-like-this").get_data(as_text=True)
    assert "Nobody matches" in none


def test_the_people_page_pages_through_thousands(logged_in):
    for n in range(120):
        User.create(username=f"p{n:03d}", email=f"p{n:03d}@example.com", created_at=clock.now())
    first = logged_in.get("/people/").get_data(as_text=True)
    assert first.count('data-label="Person"') == 50 and "Page 1 of 3" in first
    last = logged_in.get("/people/?page=3").get_data(as_text=True)
    assert last.count('data-label="Person"') == 20          # the admin is on the Admins page
    assert logged_in.get("/people/?page=99999999999999999999").status_code == 200


def test_a_waiting_person_shows_the_invites_terms_and_no_button_widens_them(logged_in, fake_plextv, fake_pms,
                                                                          set_settings):
    from tests.fakes.plextv import ADMIN_TOKEN

    set_settings(PLEX_URL=fake_pms.url, PLEX_TOKEN=ADMIN_TOKEN, PLEX_TV_URL=fake_plextv.url)
    from plexportal.invites import provisioning
    provisioning.refresh_libraries()
    _, _, wren, _ = everyone()
    page = logged_in.get(f"/people/{wren.id}").get_data(as_text=True)
    terms = page[page.index('id="invite-terms"'):]
    assert "Invited, waiting" in page and "Movies" in terms and "TV Shows" not in terms
    assert "Not allowed" in terms and "30 days after accepting" in terms
    assert "Save on plex.tv" not in page
    # The share exists on plex.tv but is not accepted yet: the share's page shows the terms too.
    r = Redemption.get(Redemption.user == wren.id)
    access = Access.create(plex_user_id=77, user=wren, title="wren", pending=True, redemption=r, libraries=[])
    share = logged_in.get(f"/users/{access.id}").get_data(as_text=True)
    assert "Save on plex.tv" not in share and "Movies" in share[share.index('id="waiting-terms"'):]
    refused = logged_in.post(f"/users/{access.id}", data={"libraries": ["1001", "1002", "1003"]}, htmx=True)
    assert refused.status_code == 409 and Access.get_by_id(access.id).libraries == []


def test_a_persons_page_has_their_timeline(logged_in):
    from plexportal.media import matching
    from plexportal.notify.models import Notification, NotifyPrefs

    alice, *_ = everyone()
    req = matching.upsert_request(seerr_request_id=9, media_type="tv", status="pending", user=alice, title="Severance")
    Notification.create(user=alice, kind="media.ready", subject="Severance S01E01 is ready", status="sent")
    NotifyPrefs.create(user=alice, unsubscribed_at=clock.now())
    other = people.find_or_create_person("seerr", seerr_user_id=44, email="alice.old@example.com")
    people.merge(alice, other)
    page = logged_in.get(f"/people/{alice.id}").get_data(as_text=True)
    timeline = page[page.index('class="timeline"'):]
    for text in ("Requested Severance", "Email: Severance S01E01 is ready", "Unsubscribed from all email",
                 "Merged #", "Plex access for alice", "First known"):
        assert text in timeline, text
    assert req.id


def test_a_family_sharing_an_email_shows_both_and_why(logged_in):
    mum = people.find_or_create_person("plex", plex_user_id=10, email="family@example.com", username="mum")
    kid = people.find_or_create_person("plex", plex_user_id=11, email="family@example.com", username="kid")
    page = logged_in.get(f"/people/{kid.id}").get_data(as_text=True)
    note = page[page.index('id="same-email"'):]
    assert f"/people/{mum.id}" in note and "their Plex accounts differ" in note


def test_merging_by_hand_moves_everything_and_refuses_nonsense(logged_in, admin):
    a = people.find_or_create_person("plex", plex_user_id=1, email="a@example.com", username="a")
    b = people.find_or_create_person("seerr", seerr_user_id=2, email="b@example.com")
    r = logged_in.post(f"/people/{a.id}/merge", data={"other": str(a.id)}, htmx=True)
    assert r.status_code == 422 and "cannot be merged with themselves" in r.get_data(as_text=True)
    r = logged_in.post(f"/people/{a.id}/merge", data={"other": "nobody@example.com"}, htmx=True)
    assert r.status_code == 422 and "No single person" in r.get_data(as_text=True)
    r = logged_in.post(f"/people/{a.id}/merge", data={"other": str(admin.id)}, htmx=True)
    assert r.status_code == 422 and "is an admin" in r.get_data(as_text=True)
    r = logged_in.post(f"/people/{a.id}/merge", data={"other": "b@example.com"}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == f"/people/{a.id}"
    assert User.get_or_none(User.id == b.id) is None and User.get_by_id(a.id).seerr_user_id == 2
    page = logged_in.get(f"/people/{a.id}").get_data(as_text=True)
    assert re.search(r"Merged #\d+ b", page) and "by hand" in page
    from plexportal.admin.models import AuditEntry
    assert AuditEntry.get(AuditEntry.action == "people.merged").actor_id == admin.id
