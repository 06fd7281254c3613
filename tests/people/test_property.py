"""Any order of sightings and merges of the same human ends in one row holding everything."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plexportal.auth.models import User
from plexportal.lib import clock
from plexportal.people import service as people

HUMAN = {"plex_user_id": 5, "seerr_user_id": 6, "jellyfin_user_id": "j6", "email": "Sam@Example.com",
         "username": "sam"}
SOURCES = ("invite", "plex", "seerr", "jellyfin", "cli")

sightings = st.tuples(st.sampled_from(SOURCES), st.sets(st.sampled_from(sorted(HUMAN)), min_size=1))
merges = st.tuples(st.just("merge"), st.integers(0, 20), st.integers(0, 20))
steps = st.lists(st.one_of(sightings, sightings, merges), min_size=1, max_size=12)
CONFIG = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _clean():
    from plexportal.media.models import Follower, MediaRequest

    Follower.delete().execute()
    MediaRequest.delete().execute()
    User.delete().execute()


def _mark(person) -> int:
    """Something the person holds from this sighting: a request they made and follow."""
    from plexportal.media import matching

    n = clock.now()
    req = matching.upsert_request(seerr_request_id=None, media_type="movie", status="pending", user=person,
                                  tmdb_id=None, title=f"for #{person.id} at {n.isoformat()}")
    return req.id


def _play(plan) -> list[int]:
    marks = []
    for step in plan:
        if step[0] == "merge":
            rows = list(User.select().order_by(User.id))
            if len(rows) >= 2:
                a, b = rows[step[1] % len(rows)], rows[step[2] % len(rows)]
                if a.id != b.id:
                    people.merge(a, b)
            continue
        source, fields = step
        person = people.find_or_create_person(source, **{f: HUMAN[f] for f in fields})
        assert person is not None
        marks.append(_mark(person))
    return marks


@CONFIG
@given(steps)
def test_any_order_of_sightings_and_merges_ends_in_one_row_holding_everything(db, plan):
    from plexportal.media.models import Follower, MediaRequest

    _clean()
    marks = _play(plan)
    final = people.find_or_create_person("cli", **HUMAN)
    [row] = User.select()
    assert row.id == final.id
    assert (row.plex_user_id, row.seerr_user_id, row.jellyfin_user_id, row.email, row.plex_username) == (
        5, 6, "j6", "sam@example.com", "sam")
    assert {r.requested_by_id for r in MediaRequest.select().where(MediaRequest.id.in_(marks))} <= {row.id}
    assert Follower.select().where(Follower.request.in_(marks)).count() == len(marks)
    assert {f.user_id for f in Follower.select()} <= {row.id}


@CONFIG
@given(st.lists(st.tuples(st.sampled_from(SOURCES), st.sets(st.sampled_from(sorted(HUMAN)))), min_size=1,
                max_size=10))
def test_sightings_that_all_carry_the_email_never_make_a_second_row(db, plan):
    _clean()
    for source, fields in plan:
        people.find_or_create_person(source, **{f: HUMAN[f] for f in fields | {"email"}})
        assert User.select().count() == 1
