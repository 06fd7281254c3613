"""One human, one row: matching order, families sharing an email, admins, automatic merges."""
import pytest

from plexportal.auth.models import User
from plexportal.people import service as people
from plexportal.people.identity import conflicts
from plexportal.people.models import IdentityKey, PersonEvent


def persons():
    return list(User.select().where(User.role == "user").order_by(User.id))


def test_it_makes_one_person_from_every_door_that_sees_the_same_human(db):
    invited = people.find_or_create_person("invite", email="Alice@Example.com")
    seerr = people.find_or_create_person("seerr", seerr_user_id=7, email="alice@example.com", display_name="Alice")
    plex = people.find_or_create_person("plex", plex_user_id=501, email="alice@example.com", username="alice_p")
    jelly = people.find_or_create_person("jellyfin", jellyfin_user_id="AB12", email="alice@example.com")
    assert invited.id == seerr.id == plex.id == jelly.id
    [alice] = persons()
    assert (alice.email, alice.seerr_user_id, alice.plex_user_id, alice.jellyfin_user_id, alice.plex_username) == (
        "alice@example.com", 7, 501, "ab12", "alice_p")
    assert {k.key for k in IdentityKey.select()} == {"email:alice@example.com", "seerr:7", "plex:501",
                                                   "name:alice_p", "jellyfin:ab12"}


def test_it_matches_the_strongest_id_before_an_email(db):
    bob = people.find_or_create_person("plex", plex_user_id=1, email="bob@example.com")
    other = people.find_or_create_person("plex", plex_user_id=2, email="someone@example.com")
    again = people.find_or_create_person("plex", plex_user_id=2, email="bob@example.com")
    assert again.id == other.id != bob.id


def test_it_keeps_a_family_sharing_one_email_as_two_people_and_says_why(db):
    mum = people.find_or_create_person("plex", plex_user_id=10, email="family@example.com", username="mum")
    kid = people.find_or_create_person("plex", plex_user_id=11, email="family@example.com", username="kid")
    assert mum.id != kid.id and len(persons()) == 2
    assert kid.email == "family@example.com"
    seen = people.Sighting(source="plex", plex_user_id=11, email="family@example.com")
    assert conflicts(mum.id, seen) == ["plex"]
    # A Seerr account with only the shared email cannot tell which of them it is: a person of its own.
    seerr = people.find_or_create_person("seerr", seerr_user_id=3, email="family@example.com")
    assert seerr.id not in (mum.id, kid.id)
    # Later Seerr tells its Plex id: that proves it is the kid, and the two rows become one.
    people.find_or_create_person("seerr", seerr_user_id=3, plex_user_id=11, email="family@example.com")
    assert [p.id for p in persons()] == [mum.id, kid.id]
    assert User.get_by_id(kid.id).seerr_user_id == 3


def test_it_never_finds_an_admin_by_email_or_name(db, admin):
    person = people.find_or_create_person("invite", email=admin.email, username=admin.username)
    assert person.id != admin.id and person.role == "user"
    assert User.get_by_id(admin.id).role == "admin"


def test_it_finds_nothing_for_a_sighting_without_anything_to_recognise(db):
    assert people.find_or_create_person("seerr", display_name="No email") is None
    assert people.find_or_create_person("invite", email="not-an-email") is None
    assert persons() == []


def test_it_merges_two_rows_an_id_proves_are_one_human_and_moves_everything(db, make_user):
    from plexportal.admin import audit
    from plexportal.invites.models import Access, Invite, Redemption
    from plexportal.media.models import Follower, MediaRequest
    from plexportal.notify.models import Notification, NotifyPrefs

    from_plex = people.find_or_create_person("plex", plex_user_id=42, email="carol@plex.example", username="carol")
    from_seerr = people.find_or_create_person("seerr", seerr_user_id=9, email="carol@seerr.example")
    assert from_plex.id != from_seerr.id
    req = MediaRequest.create(media_type="movie", status="pending", title="Film", requested_by=from_seerr,
                              created_at=from_seerr.created_at, updated_at=from_seerr.created_at)
    Follower.create(request=req, user=from_seerr, role="requester", created_at=from_seerr.created_at)
    NotifyPrefs.create(user=from_seerr, email_events={"media.ready": False})
    Notification.create(user=from_seerr, kind="media.ready", subject="Ready", status="sent", channel="email")
    Access.create(plex_user_id=42, user=from_plex, title="carol")
    invite = Invite.create(code="ABCDEFGHJK")
    Redemption.create(invite=invite, account_key="plex:42", identifier="carol", user=from_plex)
    audit.record("test.entry", "carol did something", actor=from_seerr)

    # Seerr's user list says account 9 is Plex account 42.
    merged = people.find_or_create_person("seerr", seerr_user_id=9, plex_user_id=42, email="carol@seerr.example")

    assert merged.id == from_plex.id and [p.id for p in persons()] == [from_plex.id]
    assert (merged.plex_user_id, merged.seerr_user_id) == (42, 9)
    assert MediaRequest.get().requested_by_id == merged.id
    assert Follower.get().user_id == merged.id and Follower.get().role == "requester"
    assert NotifyPrefs.get(NotifyPrefs.user == merged.id).email_events == {"media.ready": False}
    assert Notification.get().user_id == merged.id
    assert Redemption.get().user_id == merged.id and Access.get().user_id == merged.id
    from plexportal.admin.models import AuditEntry
    assert AuditEntry.get(AuditEntry.action == "test.entry").actor_id == merged.id
    event = PersonEvent.get(PersonEvent.user == merged.id)
    assert event.kind == "merged" and "automatically" in event.message and "carol@seerr.example" in event.message
    # The merged-away row's ids find the survivor from now on.
    assert people.find_or_create_person("seerr", seerr_user_id=9).id == merged.id


def test_it_keeps_an_unsubscribe_of_either_row_after_a_merge(db):
    from plexportal.notify.models import NotifyPrefs

    a = people.find_or_create_person("plex", plex_user_id=1, email="a@example.com")
    b = people.find_or_create_person("seerr", seerr_user_id=1, email="b@example.com")
    NotifyPrefs.create(user=a, email_enabled=True, email_events={"media.ready": False})
    NotifyPrefs.create(user=b, email_enabled=False, email_events={"invites.expiring": False})
    survivor, _ = people.merge(a, b)
    prefs = NotifyPrefs.get(NotifyPrefs.user == survivor.id)
    assert prefs.email_enabled is False
    assert prefs.email_events == {"media.ready": False, "invites.expiring": False}
    assert NotifyPrefs.select().count() == 1


def test_it_refuses_to_merge_a_person_with_themselves(db):
    a = people.find_or_create_person("plex", plex_user_id=1, email="a@example.com")
    with pytest.raises(people.MergeRefused, match="cannot be merged with themselves"):
        people.merge(a, a)
    assert persons() == [a]


def test_it_refuses_to_merge_an_admin_into_a_person(db, admin):
    person = people.find_or_create_person("plex", plex_user_id=1, email="p@example.com")
    with pytest.raises(people.MergeRefused, match="is an admin"):
        people.merge(person, admin)
    assert User.get_by_id(admin.id).role == "admin" and User.get_by_id(person.id)


def test_a_merge_of_two_people_with_plex_access_keeps_both_shares_and_says_so(db):
    from plexportal.invites.models import Access

    a = people.find_or_create_person("plex", plex_user_id=1, email="a@example.com", username="dad")
    b = people.find_or_create_person("plex", plex_user_id=2, email="b@example.com", username="dad-tv")
    Access.create(plex_user_id=1, user=a, title="dad")
    Access.create(plex_user_id=2, user=b, title="dad-tv")
    survivor, message = people.merge(a, b)
    assert "Both had Plex access (dad and dad-tv): both shares are kept." in message
    assert sorted(x.plex_user_id for x in Access.select().where(Access.user == survivor.id)) == [1, 2]
    # Each Plex account still finds the one person.
    assert people.find_or_create_person("plex", plex_user_id=2).id == survivor.id
    assert people.find_or_create_person("plex", plex_user_id=1).id == survivor.id


def test_a_sighting_naming_two_admins_merges_nothing_and_still_answers(db, admin):
    other_admin = User.create(username="second", role="admin", seerr_user_id=8)
    User.update(plex_user_id=7).where(User.id == admin.id).execute()
    found = people.find_or_create_person("seerr", seerr_user_id=8, plex_user_id=7)
    assert found.id in (admin.id, other_admin.id)
    assert User.select().where(User.role == "admin").count() == 2
