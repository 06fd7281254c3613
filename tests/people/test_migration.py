"""Migration 0150: keys for every existing person, and duplicates that ids already prove merged."""
import importlib.util
from pathlib import Path

from plexportal.auth.models import User
from plexportal.people.models import IdentityKey, PersonEvent

MIGRATION = Path(__file__).parents[2] / "migrations" / "0150_people_identity_keys_person_events_jellyfin_id.py"


def _migration():
    spec = importlib.util.spec_from_file_location("m0150", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_merges_a_person_whose_plex_access_points_at_another_row(db, admin):
    from plexportal.invites.models import Access, Invite, Redemption
    from plexportal.media.models import Follower, MediaRequest
    from plexportal.notify.models import NotifyPrefs

    # As an older version could leave them: the Seerr row could not take the Plex id another row had.
    plex_row = User.create(username="dana", email="dana@plex.example", plex_user_id=42, plex_username="dana")
    seerr_row = User.create(username="dana-2", email="dana@seerr.example", seerr_user_id=8)
    family = User.create(username="dana-sister", email="dana@plex.example", plex_user_id=43)
    Access.create(plex_user_id=42, user=seerr_row, title="dana")
    Redemption.create(invite=Invite.create(code="ABCDEFGHJK"), account_key="plex:42", identifier="dana",
                      plex_user_id=42, user=seerr_row)
    req = MediaRequest.create(media_type="tv", status="pending", title="Show", requested_by=seerr_row)
    Follower.create(request=req, user=seerr_row, role="requester")
    NotifyPrefs.create(user=seerr_row, email_enabled=False)
    IdentityKey.delete().execute()

    m = _migration()
    m._backfill_keys(db.obj)
    m._merge_proven(db.obj)

    people = list(User.select().where(User.role == "user").order_by(User.id))
    assert [p.id for p in people] == [plex_row.id, family.id]     # the family member is left alone
    dana = User.get_by_id(plex_row.id)
    assert (dana.plex_user_id, dana.seerr_user_id) == (42, 8)
    assert Access.get().user_id == dana.id and Redemption.get().user_id == dana.id
    assert Follower.get().user_id == dana.id and MediaRequest.get().requested_by_id == dana.id
    assert NotifyPrefs.get().user_id == dana.id and NotifyPrefs.get().email_enabled is False
    assert "when upgrading" in PersonEvent.get(PersonEvent.user == dana.id).message
    keys = {k.key: k.user_id for k in IdentityKey.select()}
    assert keys["plex:42"] == dana.id and keys["email:dana@plex.example"] == dana.id
    assert keys["plex:43"] == family.id and f"email:{admin.email}" not in keys


def test_it_changes_nothing_where_no_id_proves_a_duplicate(db):
    a = User.create(username="a", email="same@example.com", plex_user_id=1)
    b = User.create(username="b", email="same@example.com", plex_user_id=2)
    IdentityKey.delete().execute()
    m = _migration()
    m._backfill_keys(db.obj)
    m._merge_proven(db.obj)
    assert [u.id for u in User.select().order_by(User.id)] == [a.id, b.id]
    assert PersonEvent.select().count() == 0
