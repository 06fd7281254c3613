"""A person's page beyond tests/security/test_people_links.py: signing out without an email address,
the admin-only new link, /notify/me for the wrong people, and test messages or destinations that
belong to someone else."""
from __future__ import annotations

from plexportal.notify import links
from plexportal.notify.models import Notification
from tests.conftest import Browserless


def page_path(user) -> str:
    return "/notify/u/" + links.make_token(user)


def opened(client, user) -> tuple[Browserless, str]:
    web = Browserless(client)
    path = page_path(user)
    assert web.get(path).status_code == 200
    return web, path


def test_signing_out_without_an_email_address_sends_nothing(client, make_user):
    ben = make_user("ben", email="")
    web, path = opened(client, ben)
    r = web.post(path + "/sign-out", htmx=True)
    assert r.headers["HX-Redirect"] == "/notify/signed-out?sent=0"
    assert Notification.select().count() == 0 and client.get(path).status_code == 404


def test_only_an_admin_can_make_a_new_link(client, admin, make_user):
    ana = make_user("ana")
    path = page_path(ana)
    web, _ = opened(client, ana)
    r = web.post(f"/notify/users/{ana.id}/new-link", htmx=True)
    # htmx: the expired-session answer, 200 with HX-Redirect to sign-in.
    assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/auth/login")
    assert client.get(path).status_code == 200                # still works: nothing was revoked


def test_an_unknown_person_for_the_admin_is_not_found(logged_in):
    for user_id in (999, 2 ** 40):
        assert logged_in.get(f"/notify/users/{user_id}").status_code == 404
        assert logged_in.post(f"/notify/users/{user_id}/new-link", htmx=True).status_code == 404


def test_my_page_without_a_plex_sign_in(client, logged_in):
    r = client.get("/notify/me")
    assert r.status_code == 302 and r.headers["Location"].endswith("/")          # the admin's dashboard
    logged_in.post("/auth/logout")


def test_my_page_for_a_visitor_asks_them_to_sign_in(web, admin):
    r = web.get("/notify/me")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_the_status_of_someone_elses_test_message_is_not_shown(client, make_user):
    ana, ben = make_user("ana"), make_user("ben")
    row = Notification.create(kind="notify.test", user=ben, channel="email", destination="ben@example.com",
                              subject="Test message", status="pending")
    web, path = opened(client, ana)
    assert web.get(f"{path}/test/{row.id}").status_code == 404
    assert web.get(f"{path}/test/{2 ** 40}").status_code == 404
    ben_path = page_path(ben)
    r = client.get(f"{ben_path}/test/{row.id}")
    assert r.status_code == 200


def test_choices_for_a_channel_that_is_not_yours_are_refused(client, make_user):
    from plexportal.notify import channels
    from plexportal.notify.models import Channel

    ana, ben = make_user("ana"), make_user("ben")
    ch = channels.add_channel(ben, "ntfy://ntfy.sh/ben", "Ben", admin=False)
    before = dict(Channel.get_by_id(ch.id).events or {})
    web, path = opened(client, ana)
    assert web.post(f"{path}/channels/{ch.id}/events", data={}, htmx=True).status_code == 404
    assert web.post(f"{path}/channels/{2 ** 40}/events", data={}, htmx=True).status_code == 404
    assert dict(Channel.get_by_id(ch.id).events or {}) == before
