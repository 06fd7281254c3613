"""The doors: an invite makes a person at once; Seerr's people are known without a click."""
import pytest

from plexportal.auth.models import User
from plexportal.invites import service
from plexportal.invites.models import Redemption


@pytest.fixture
def no_provisioning(monkeypatch):
    monkeypatch.setattr(service, "enqueue_provisioning", lambda _id: None)


def test_an_invite_used_by_email_makes_the_person_at_once_and_they_are_notified_by_default(db, no_provisioning):
    from plexportal.notify import prefs

    invite = service.create_invite({"label": "Cousins"})
    redemption = service.redeem_invite(invite.id, service.Claimant(account_key="name:kim@example.com",
                                                                   identifier="Kim@Example.com", via="form"))
    person = User.get_by_id(Redemption.get_by_id(redemption.id).user_id)
    assert (person.email, person.role) == ("kim@example.com", "user")
    assert prefs.wants_email(person, "media.ready")
    # Kim's first Seerr request, minutes later, is the same person.
    from plexportal.media import matching
    assert matching.find_or_create_user(email="kim@example.com", username="Kim").id == person.id


def test_sign_in_with_plex_on_the_join_page_links_the_plex_account_at_once(db, no_provisioning):
    invite = service.create_invite({})
    r = service.redeem_invite(invite.id, service.Claimant(account_key="plex:9001", identifier="lee", via="plex",
                                                          plex_user_id=9001, plex_username="lee",
                                                          email="lee@example.com"))
    person = Redemption.get_by_id(r.id).user
    assert (person.plex_user_id, person.plex_username, person.email) == (9001, "lee", "lee@example.com")


def test_a_request_through_the_global_code_makes_the_person_too(db, no_provisioning):
    r = service.request_access(service.Claimant(account_key="name:max", identifier="max", via="form"), approval=True)
    assert Redemption.get_by_id(r.id).user.plex_username == "max"


def test_saving_the_seerr_settings_reads_its_people(logged_in, fake_seerr, set_settings):
    fake_seerr.add_user(7, "Noor", "noor@example.com", plex_id=555)
    set_settings(SEERR_URL=fake_seerr.url, SEERR_API_KEY=fake_seerr.api_key)
    r = logged_in.post("/settings/group/Seerr", data={"SEERR_URL": fake_seerr.url}, htmx=True)
    assert r.status_code == 200
    noor = User.get(User.seerr_user_id == 7)
    assert (noor.email, noor.plex_user_id, noor.display_name) == ("noor@example.com", 555, "Noor")


def test_a_seerr_jellyfin_user_is_known_by_their_jellyfin_account(db, fake_seerr, set_settings):
    """Seerr names a Jellyfin user's account only in their avatar path (/avatarproxy/<id>?v=…)."""
    from plexportal.media import tasks

    jf = fake_seerr.add_user(9, "Rosa", "rosa@example.com")
    jf.update(userType=3, plexUsername=None, avatar="/avatarproxy/8f2C0d6e4b1a4f3c9e7d5b3a1c0e2f4a?v=1700000000")
    local = fake_seerr.add_user(10, "Ivo", "ivo@example.com")
    local.update(userType=2, avatar="/avatarproxy/notjellyfin?v=1")       # a local user: no Jellyfin account
    set_settings(SEERR_URL=fake_seerr.url, SEERR_API_KEY=fake_seerr.api_key)
    tasks.sync_seerr_people_task.call_local()
    rosa = User.get(User.seerr_user_id == 9)
    assert rosa.jellyfin_user_id == "8f2c0d6e4b1a4f3c9e7d5b3a1c0e2f4a"
    assert User.get(User.seerr_user_id == 10).jellyfin_user_id is None
    # Her Jellyfin account is the stronger id: a later sighting by it alone finds her, whatever the name.
    from plexportal.people import service as people
    assert people.find_or_create_person("jellyfin", jellyfin_user_id="8F2C0D6E4B1A4F3C9E7D5B3A1C0E2F4A",
                                        display_name="R.").id == rosa.id


def test_seerr_people_are_read_at_worker_start_and_hourly_and_not_without_seerr(db, fake_seerr, set_settings):
    from plexportal.media import tasks

    assert tasks.sync_seerr_people_task.call_local() is None          # not connected: nothing asked
    fake_seerr.add_user(8, "Ola", "ola@example.com")
    set_settings(SEERR_URL=fake_seerr.url, SEERR_API_KEY=fake_seerr.api_key)
    assert tasks.sync_seerr_people_hourly_task.call_local() >= 1
    assert User.get(User.seerr_user_id == 8).email == "ola@example.com"
    from plexportal.queue import _on_start
    assert tasks.sync_seerr_people_task in _on_start


def test_the_plex_tv_sync_makes_everyone_shared_with_a_person(logged_in, plex):
    from plexportal.invites.models import Access
    from tests.fakes.plextv import FakeShare

    plex.add_account(43, "aunt", "aunt@example.com", "aunt-token")
    plex.shares[950] = FakeShare(950, 43, plex.machine_id, [1001], pending=False)
    seerr_aunt = people_service().find_or_create_person("seerr", seerr_user_id=3, email="aunt@example.com")
    logged_in.post("/users/sync", htmx=True)
    aunt = Access.get(Access.plex_user_id == 43).user
    assert aunt.id == seerr_aunt.id and aunt.plex_user_id == 43       # the Seerr person, now with Plex
    page = logged_in.get("/people/?show=access").get_data(as_text=True)
    assert ">aunt</strong>" in page or "aunt@example.com" in page


def people_service():
    from plexportal.people import service as people
    return people
