"""One human, one row, from the media side: nobody is made from a name alone, what is filled in and
what is never overwritten, free user names, and requests that only ever move forward. The order in
which ids are matched is tested with the identity code itself, in tests/people."""
from __future__ import annotations

from plexportal.auth.models import User
from plexportal.media import matching
from plexportal.media.models import Follower, MediaRequest


def test_nobody_is_made_from_a_name_alone(db):
    assert matching.find_or_create_user(username="ana") is None
    assert User.select().count() == 0


def test_a_same_named_person_with_another_address_is_another_person(db, make_user):
    ana = make_user("ana", email="ana@example.com")
    other = matching.find_or_create_user(email="ana@elsewhere.example", username="ana")
    assert other.id != ana.id and other.username == "ana-2" and other.email == "ana@elsewhere.example"
    third = matching.find_or_create_user(email="ana@third.example", username="ana")
    assert third.username == "ana-3"


def test_what_a_row_lacks_is_filled_in_and_nothing_is_overwritten(db, make_user):
    ana = make_user("ana", email="ana@example.com", avatar_url="https://plex.tv/ana.png")
    found = matching.find_or_create_user(email="ana@example.com", seerr_user_id=5, plex_user_id=55,
                                         avatar="https://seerr.example/other.png")
    row = User.get_by_id(ana.id)
    assert found.id == ana.id and (row.seerr_user_id, row.plex_user_id) == (5, 55)
    assert row.avatar_url == "https://plex.tv/ana.png"
    matching.find_or_create_user(email="ana@example.com", seerr_user_id=6)
    assert User.get_by_id(ana.id).seerr_user_id == 5


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
