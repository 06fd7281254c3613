"""The Seerr gateway's odd corners: searches Seerr refuses or answers strangely, the words Seerr
gives for a refusal, paged lists that lie about their size, and titles with missing fields."""
from __future__ import annotations

import pytest

from plexportal.gateways import seerr as seerr_gw
from plexportal.gateways.base import GatewayError


def test_a_search_seerr_refuses_says_why(seerr, seerr_fake):
    seerr_fake.fail_next(400, {"message": "Query must be at least 1 character"}, path="/api/v1/search")
    with pytest.raises(GatewayError) as err:
        seerr.search("")
    assert err.value.message == "Seerr could not search: Query must be at least 1 character."
    assert err.value.permanent and err.value.status == 400


def test_a_search_refusal_without_words_still_reads_well(seerr, seerr_fake):
    seerr_fake.fail_next(400, "<html>bad</html>", path="/api/v1/search")
    with pytest.raises(GatewayError, match=r"^Seerr could not search\.$"):
        seerr.search("x")


def test_spaces_and_symbols_in_a_search_are_sent_percent_encoded(seerr, seerr_fake):
    seerr.search("the office & co/2", page=0)
    [call] = seerr_fake.calls_to("/api/v1/search")
    assert call.raw_query == "query=the%20office%20%26%20co%2F2&page=1"          # page 0 reads as page 1


def test_a_search_answer_without_results_is_an_error(seerr, seerr_fake):
    seerr_fake.fail_next(200, {"page": 1}, path="/api/v1/search")
    with pytest.raises(GatewayError, match="without a result list") as err:
        seerr.search("x")
    assert err.value.permanent


@pytest.mark.parametrize("row,expected", [
    ({"mediaType": "person", "id": 5, "name": "Someone"}, None),
    ({"mediaType": "movie", "id": "5", "title": "String id"}, None),
    ({"mediaType": "movie", "id": 0, "title": "Zero"}, None),
    ({"mediaType": "movie", "id": 5}, ("TMDB 5", None, "")),
    ({"mediaType": "tv", "id": 6, "originalName": "Nom", "firstAirDate": "20xx"}, ("Nom", None, "")),
    ({"mediaType": "movie", "id": 7, "title": "T", "releaseDate": "1999-01-01", "posterPath": "no-slash.jpg"},
     ("T", 1999, "")),
])
def test_search_rows_with_missing_fields_are_read_or_dropped(row, expected):
    title = seerr_gw.SeerrTitle.from_wire(row)
    if expected is None:
        assert title is None
    else:
        assert (title.title, title.year, title.poster_url) == expected


def test_a_title_seerr_already_has_says_so(seerr, seerr_fake):
    seerr_fake.fail_next(200, {"results": [{"mediaType": "movie", "id": 9, "title": "Have it",
                                            "mediaInfo": {"status": 5}},
                                           {"mediaType": "movie", "id": 10, "title": "Asked",
                                            "mediaInfo": {"status": 2}}]}, path="/api/v1/search")
    have, asked = seerr.search("x")
    assert have.state and asked.state and have.state != asked.state


def test_a_paged_list_that_claims_more_than_it_has_stops_at_an_empty_page(seerr, seerr_fake):
    seerr_fake.fail_next(200, {"pageInfo": {"results": 500}, "results": [{"id": 1, "email": "a@example.com"}]},
                         path="/api/v1/user")
    seerr_fake.fail_next(200, {"pageInfo": {"results": 500}, "results": []}, path="/api/v1/user")
    assert [u.email for u in seerr.users()] == ["a@example.com"]
    assert len(seerr_fake.calls_to("/api/v1/user")) == 2


def test_progress_is_reported_page_by_page(seerr, seerr_fake):
    for n in range(2, 151):                                    # the fake's admin is user 1
        seerr_fake.add_user(n, f"u{n}", f"u{n}@example.com")
    seen = []
    users = list(seerr.users(on_page=lambda done, total: seen.append((done, total))))
    assert len(users) == 150 and seen[-1][0] == seen[-1][1] and len(seen) >= 2


def test_the_test_button_needs_a_url_and_proves_the_key(seerr_fake):
    assert seerr_gw.check("", "k").message == "Seerr is not configured (no URL)."
    result = seerr_gw.check(seerr_fake.url, "wrong-key")
    assert not result.ok and "rejected the credentials" in result.message
    ok = seerr_gw.check(seerr_fake.url, seerr_fake.api_key)
    assert ok.ok and ok.message.startswith("Connected to Seerr ")


def test_something_that_is_not_seerr_is_named_as_such(seerr, seerr_fake):
    seerr_fake.fail_next(200, {"name": "Sonarr"}, path="/api/v1/status")
    with pytest.raises(GatewayError, match="does not look like Seerr") as err:
        seerr.status()
    assert err.value.permanent


def test_a_refusal_reason_gets_one_full_stop(seerr, seerr_fake):
    for body, words in (({"message": "Quota exceeded!"}, "Quota exceeded!"), ({"error": "nope"}, "nope."),
                        ({"message": "   "}, ""), (["list"], "")):
        seerr_fake.fail_next(409, body, path="/api/v1/request")
        with pytest.raises(GatewayError) as err:
            seerr.create_request("movie", 1, as_user=1)
        assert err.value.message == ("Seerr refused the request (409)" + (f": {words}" if words else "."))
