"""The People page ranks and counts everyone in the database, so a big server's list costs the
same few statements and rows whatever its history: the order and the filters' counts are the
same as each person's standing says, and the rows read do not grow with requests or people."""
import importlib.util
from datetime import timedelta
from pathlib import Path

from plexportal.auth.models import User
from plexportal.db import db
from plexportal.invites.models import Access, Invite, Redemption
from plexportal.lib import clock
from plexportal.media.models import MediaRequest
from plexportal.people import directory
from tests.statements import counting

MIGRATION = Path(__file__).parents[2] / "migrations" / "0250_people_last_request_and_sent_count_indexes.py"


def _population():
    """People in every standing, their last activity coming from each place it can come from."""
    now = clock.now()
    day = timedelta(days=1)
    invite = Invite.create(code="ABCDEFGHJK")
    made = []

    def person(name, ago, **fields):
        user = User.create(username=name, email=f"{name}@example.com", created_at=now - ago * day, **fields)
        made.append(user)
        return user

    live = person("live", 90, plex_user_id=1)
    Access.create(plex_user_id=1, user=live, title="live", status="active", pending=False, last_seen_at=now - 3 * day)
    pending = person("pending", 80, plex_user_id=2)
    Access.create(plex_user_id=2, user=pending, title="pending", status="active", pending=True)
    invited = person("invited", 70)
    Redemption.create(invite=invite, account_key="name:invited", identifier="invited", user=invited,
                      state="awaiting_approval", created_at=now - 2 * day)
    failed = person("failed", 60)
    Redemption.create(invite=invite, account_key="name:failed", identifier="failed", user=failed, state="failed",
                      created_at=now - 50 * day)
    suspended = person("suspended", 50, plex_user_id=3)
    Access.create(plex_user_id=3, user=suspended, title="suspended", status="suspended")
    expired = person("expired", 40, plex_user_id=4)
    Access.create(plex_user_id=4, user=expired, title="expired", status="expired")
    removed = person("removed", 30, plex_user_id=5)
    Access.create(plex_user_id=5, user=removed, title="removed", status="removed", last_seen_at=now - 1 * day)
    person("seerr", 20, seerr_user_id=7)
    seerr_invited = person("seerr-invited", 25, seerr_user_id=8)
    Redemption.create(invite=invite, account_key="name:si", identifier="si", user=seerr_invited, state="declined",
                      created_at=now - 24 * day)
    person("jelly", 15, seerr_user_id=9, jellyfin_user_id="j9")
    requester = person("requester", 100)
    for n in range(5):
        MediaRequest.create(media_type="movie", title=f"M{n}", requested_by=requester, created_at=now - (30 - n) * day)
    person("signed-in", 200, last_login_at=now - 4 * day)
    for n in range(3):                                   # the same moment: the newest row first
        person(f"twin{n}", 300)
    return made


def _by_standing():
    """What each person's standing (read one by one, in Python) says the page should be."""
    found = directory.standings()
    order = sorted(found, key=lambda uid: (found[uid].last_activity or directory.EPOCH, uid), reverse=True)
    return found, order


def test_it_orders_and_counts_everyone_as_each_persons_standing_says(db, admin):
    _population()
    found, order = _by_standing()
    listed = directory.directory(per_page=500)
    assert [u.id for u, _ in listed.rows] == order
    for key, _label in directory.FILTERS:
        expected = [uid for uid in order if key in ("all", found[uid].state)]
        assert listed.counts[key] == len(expected), key
        shown = directory.directory(key, per_page=500)
        assert [u.id for u, _ in shown.rows] == expected, key
    names = {u.username: s.state for u, s in listed.rows}
    assert names["live"] == "access" and names["pending"] == "waiting" and names["invited"] == "waiting"
    assert names["suspended"] == "suspended" and names["expired"] == names["removed"] == "removed"
    assert names["seerr"] == "seerr" and names["seerr-invited"] == names["jelly"] == names["failed"] == "other"
    # A search ranks and counts only those it finds.
    searched = directory.directory("all", "TWIN", per_page=500)
    assert [u.username for u, _ in searched.rows] == ["twin2", "twin1", "twin0"] and searched.counts["all"] == 3


def test_the_last_request_counts_as_activity_and_moves_a_person_up(db, admin):
    made = _population()
    requester = next(u for u in made if u.username == "requester")
    first = directory.directory(per_page=500)
    assert first.rows[0][0].username != "requester"
    MediaRequest.create(media_type="tv", title="New", requested_by=requester, created_at=clock.now())
    again = directory.directory(per_page=500)
    assert again.rows[0][0].username == "requester"
    assert again.rows[0][1].last_activity == MediaRequest.select().order_by(MediaRequest.id.desc()).get().created_at


def _page_work(client, url="/people/"):
    client.get(url)                                      # settings and sessions cached
    with counting(db.obj) as work:
        page = client.get(url)
    assert page.status_code == 200
    return work


def test_the_page_reads_the_same_rows_however_many_requests_and_people(logged_in):
    now = clock.now()
    people = [User.create(username=f"p{n:03d}", email=f"p{n:03d}@example.com", created_at=now) for n in range(60)]
    small = _page_work(logged_in)

    # Ten times the history and twice the people: the page still reads its 50 people and the counts.
    MediaRequest.insert_many([dict(media_type="movie", title=f"T{n}", requested_by=people[n % 60].id,
                                   created_at=now - timedelta(minutes=n)) for n in range(600)]).execute()
    for n in range(60, 120):
        User.create(username=f"p{n:03d}", email=f"p{n:03d}@example.com", created_at=now)
    large = _page_work(logged_in)
    assert large.statements == small.statements, "\n".join(large.sql)
    assert large.rows == small.rows, list(zip(large.rows_per_statement, large.sql))
    assert max(large.rows_per_statement) <= directory.PAGE_SIZE
    filtered = _page_work(logged_in, "/people/?show=other&page=2")
    assert max(filtered.rows_per_statement) <= directory.PAGE_SIZE


def test_the_api_reads_each_pages_people_in_the_same_statements_for_5_or_50(logged_in, set_settings):
    set_settings(API_KEY="a" * 32)
    headers = {"X-Api-Key": "a" * 32}
    for n in range(5):
        User.create(username=f"p{n:03d}", email=f"p{n:03d}@example.com")

    def work():
        logged_in.get("/api/v1/people", headers=headers)
        with counting(db.obj) as counted:
            answer = logged_in.get("/api/v1/people", headers=headers)
        return counted, answer.get_json()

    few, body = work()
    assert body["total"] == 5
    for n in range(5, 60):
        User.create(username=f"p{n:03d}", email=f"p{n:03d}@example.com")
    many, body = work()
    assert body["total"] == 60 and len(body["items"]) == 50
    assert many.statements == few.statements, "\n".join(many.sql)


def _indexes(table):
    return {i.name: i.columns for i in db.obj.get_indexes(table)}


def test_the_migration_adds_the_indexes_the_list_and_the_api_read_and_takes_them_away(db, admin):
    spec = importlib.util.spec_from_file_location("m0250", MIGRATION)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    from playhouse.migrate import SchemaMigrator

    class Migrator:                                      # what the runner hands a migration
        def __init__(self):
            self._m = SchemaMigrator.from_database(db.obj)

        def migrate(self, *ops):
            from playhouse.migrate import migrate
            migrate(*ops)

        def __getattr__(self, name):
            return getattr(self._m, name)

    user = User.create(username="reqr", email="reqr@example.com")
    MediaRequest.create(media_type="movie", title="Kept", requested_by=user)
    try:
        m.down(Migrator(), db.obj)
        assert "media_request_requested_by_id_created_at" not in _indexes("media_request")
        assert "notification_user_id_status" not in _indexes("notification")
    finally:
        m.up(Migrator(), db.obj)
    assert _indexes("media_request")["media_request_requested_by_id_created_at"] == ["requested_by_id", "created_at"]
    assert _indexes("notification")["notification_user_id_status"] == ["user_id", "status"]
    assert MediaRequest.get().title == "Kept"
    assert directory.directory().rows[0][0].username == "reqr"
    if db.obj.__class__.__name__.startswith("Sqlite"):
        sql = 'SELECT created_at FROM media_request WHERE requested_by_id = ? ORDER BY created_at DESC LIMIT 1'
        plan = " ".join(str(r[-1]) for r in db.execute_sql("EXPLAIN QUERY PLAN " + sql, (user.id,)).fetchall())
        assert "media_request_requested_by_id_created_at" in plan, plan
