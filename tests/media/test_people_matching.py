"""One human, one row, from the media side: which existing person a Seerr user is (Seerr id, then
email, then Plex id; never the name), what is filled in and what is never overwritten, free user
names, and requests that only ever move forward."""
from __future__ import annotations

from plexportal.auth.models import User
from plexportal.media import matching
from plexportal.media.models import Follower, MediaRequest


def test_nobody_is_made_from_a_name_alone(db):
    assert matching.find_or_create_user(username="ana") is None
    assert User.select().count() == 0


def test_the_seerr_id_wins_over_the_email_and_the_email_over_the_plex_id(db, make_user):
    by_seerr = make_user("by-seerr", email="one@example.com", seerr_user_id=7)
    by_email = make_user("by-email", email="two@example.com")
    by_plex = make_user("by-plex", email="three@example.com", plex_user_id=99)
    assert matching.find_or_create_user(email="two@example.com", seerr_user_id=7).id == by_seerr.id
    assert matching.find_or_create_user(email="TWO@example.com ", plex_user_id=99).id == by_email.id
    assert matching.find_or_create_user(plex_user_id=99).id == by_plex.id
    assert matching.find_or_create_user(email="new@example.com", plex_user_id=99).id == by_plex.id
    assert User.select().count() == 3


def test_a_same_named_person_with_another_address_is_another_person(db, make_user):
    ana = make_user("ana", email="ana@example.com")
    other = matching.find_or_create_user(email="ana@elsewhere.example", username="ana")
    assert other.id != ana.id and other.username == "ana-2" and other.email == "ana@elsewhere.example"
    third = matching.find_or_create_user(email="ana@third.example", username="ana")
    assert third.username == "ana-3"


def test_user_names_are_cleaned_and_fall_back_to_the_email(db):
    odd = matching.find_or_create_user(email="x@example.com", username="Zoë <script>")
    assert odd.username == "Zoëscript" and odd.display_name == "Zoë <script>"
    plain = matching.find_or_create_user(email="bob.smith@example.com")
    assert plain.username == "bob.smith"
    nameless = matching.find_or_create_user(seerr_user_id=12, username="<>")
    assert nameless.username == "user" and nameless.email is None


def test_what_a_row_lacks_is_filled_in_and_nothing_is_overwritten(db, make_user):
    ana = make_user("ana", email="ana@example.com", avatar_url="https://plex.tv/ana.png")
    found = matching.find_or_create_user(email="ana@example.com", seerr_user_id=5, plex_user_id=55,
                                         avatar="https://seerr.example/other.png")
    row = User.get_by_id(ana.id)
    assert found.id == ana.id and (row.seerr_user_id, row.plex_user_id) == (5, 55)
    assert row.avatar_url == "https://plex.tv/ana.png"
    matching.find_or_create_user(email="ana@example.com", seerr_user_id=6)
    assert User.get_by_id(ana.id).seerr_user_id == 5


def test_an_id_another_person_holds_is_left_where_it_is(db, make_user):
    make_user("holder", email="holder@example.com", plex_user_id=55)
    ana = make_user("ana", email="ana@example.com")
    found = matching.find_or_create_user(email="ana@example.com", plex_user_id=55)
    assert found.id == ana.id and User.get_by_id(ana.id).plex_user_id is None
    assert User.get(User.username == "holder").plex_user_id == 55


def test_a_request_fills_in_what_it_lacks_and_never_moves_back(db, make_user):
    ana = make_user("ana")
    first = matching.upsert_request(seerr_request_id=31, media_type="tv", status="approved", user=None, tvdb_id=371234)
    assert first.requested_by_id is None and first.title == ""
    again = matching.upsert_request(seerr_request_id=31, media_type="tv", status="pending", user=ana,
                                    title="The Example Show", year=2023, seasons=[1, 2], tvdb_id=999)
    assert again.status == "approved"                       # pending would be a step back
    assert again.title == "The Example Show" and again.year == 2023 and again.seasons == [1, 2]
    assert again.tvdb_id == 371234                          # ids are never overwritten
    assert again.requested_by_id == ana.id
    assert Follower.select().where((Follower.request == again.id) & (Follower.role == "requester")).count() == 1
    later = matching.upsert_request(seerr_request_id=31, media_type="tv", status="available", user=ana, seasons=[3])
    assert later.status == "available" and later.seasons == [1, 2]
    assert MediaRequest.select().count() == 1


def test_requests_without_a_seerr_id_are_each_their_own(db):
    a = matching.upsert_request(seerr_request_id=None, media_type="movie", status="approved", user=None, tmdb_id=1)
    b = matching.upsert_request(seerr_request_id=None, media_type="movie", status="approved", user=None, tmdb_id=1)
    assert a.id != b.id
