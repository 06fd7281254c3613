"""A person's link: revocable, dead while their access is paused or ended, never minted as a side
effect; their own destinations cannot reach inside the network."""
from __future__ import annotations

import re
import socket
from datetime import timedelta

import pytest

from plexportal.lib import clock
from plexportal.notify import links, send
from plexportal.notify.models import Channel, Notification
from tests.conftest import Browserless
from tests.fakes.push import FakePush


@pytest.fixture
def push():
    fake = FakePush().start()
    yield fake
    fake.stop()


def _old_token(user, monkeypatch, seconds=3600):
    """A token made an hour ago, so any token minted now would differ from it."""
    import time

    from itsdangerous import timed

    real = time.time
    monkeypatch.setattr(timed.TimestampSigner, "get_timestamp", lambda self: int(real() - seconds))
    token = links.make_token(user)
    monkeypatch.undo()
    return token


def _own_page(client, user) -> tuple[Browserless, str]:
    """A browser on the person's page (through their link), and the page's path."""
    web = Browserless(client)
    path = f"/notify/u/{links.make_token(user)}"
    web.get(path)
    return web, path


def _gone(r) -> bool:
    return r.status_code == 404 and "This link no longer works" in r.get_data(as_text=True)


def test_the_admin_makes_a_new_link_and_every_earlier_one_stops_working(logged_in, app, make_user):
    ana = make_user("ana")
    old = links.make_token(ana)
    person = app.test_client()
    assert person.get(f"/notify/u/{old}").status_code == 200
    html = logged_in.get(f"/notify/users/{ana.id}").get_data(as_text=True)
    assert "New link" in html
    r = logged_in.post(f"/notify/users/{ana.id}/new-link", htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Every earlier link to ana" in body
    new_url = re.search(r'value="(http[^"]+/notify/u/[^"]+)"', body).group(1)
    assert _gone(person.get(f"/notify/u/{old}"))
    assert person.get(new_url.split("localhost", 1)[1]).status_code == 200


def test_the_person_signs_out_everywhere_and_gets_a_new_link_by_email(client, make_user):
    ana = make_user("ana")
    web = Browserless(client)
    old = links.make_token(ana)
    unsubscribe = links.make_token(ana, links.UNSUBSCRIBE_SALT)
    assert "Sign out everywhere" in web.get(f"/notify/u/{old}").get_data(as_text=True)
    r = web.post(f"/notify/u/{old}/sign-out", htmx=True)
    assert r.headers["HX-Redirect"] == "/notify/signed-out?sent=1"
    assert "A new link is on its way" in client.get("/notify/signed-out?sent=1").get_data(as_text=True)
    assert _gone(client.get(f"/notify/u/{old}"))
    mail = Notification.get(Notification.kind == "notify.new_link")
    assert mail.destination == "ana@example.com"
    new_path = re.search(r"(/notify/u/\S+)", mail.text_body).group(1)
    assert client.get(new_path).status_code == 200
    # Old emails' one-click unsubscribe keeps working: it can only turn email off.
    assert client.get(f"/notify/unsubscribe/{unsubscribe}").status_code == 200


def test_a_revoked_link_in_an_htmx_call_moves_the_whole_page_to_an_explanation(client, make_user):
    ana = make_user("ana")
    web = Browserless(client)
    old = links.make_token(ana)
    web.get(f"/notify/u/{old}")
    links.revoke(ana)
    r = web.post(f"/notify/u/{old}/email", data={}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/notify/link-gone"
    assert _gone(client.get("/notify/link-gone"))


@pytest.mark.parametrize("status", ["suspended", "removed", "expired"])
def test_a_link_stops_working_while_the_persons_access_is_paused_or_ended(client, make_user, status):
    from plexportal.invites.models import Access

    ana = make_user("ana")
    token = links.make_token(ana)
    access = Access.create(plex_user_id=4242, user=ana, username="ana", status="active")
    assert client.get(f"/notify/u/{token}").status_code == 200
    Access.update(status=status).where(Access.id == access.id).execute()
    assert _gone(client.get(f"/notify/u/{token}"))
    Access.update(status="active").where(Access.id == access.id).execute()
    assert client.get(f"/notify/u/{token}").status_code == 200


def test_using_a_link_never_mints_a_new_one(client, make_user, monkeypatch):
    ana = make_user("ana")
    token = _old_token(ana, monkeypatch)
    html = client.get(f"/notify/u/{token}").get_data(as_text=True)
    tokens = set(re.findall(r"/notify/u/([^/\"'?<\s]+)", html)) | set(re.findall(r'name="token" value="([^"]+)"', html))
    assert tokens == {token}, tokens
    # The unsubscribe confirmation carries no page link.
    unsub = links.make_token(ana, links.UNSUBSCRIBE_SALT)
    r = client.post(f"/notify/unsubscribe/{unsub}")
    assert r.status_code == 200 and "/notify/u/" not in r.get_data(as_text=True)


def test_a_test_message_to_a_destination_carries_no_page_link(client, make_user, push, set_settings):
    set_settings(NOTIFY_PRIVATE_HOSTS="127.0.0.1")
    web, path = _own_page(client, make_user("ana"))
    web.post(path + "/channels", data={"url": f"ntfy://127.0.0.1:{push.port}/mallory", "label": "mine"}, htmx=True)
    web.post(path + "/test", data={"target": str(Channel.get().id)}, htmx=True)
    [call] = push.calls_to("/", "POST")
    assert "/notify/u/" not in call.json["message"]


# -- destinations a person adds -----------------------------------------------------------------------

@pytest.mark.parametrize("url", ["ntfy://127.0.0.1:{port}/x", "gotify://10.1.2.3/AbCdEfGhIjKl", "ntfys://[::1]:{port}/x",
                                 "ntfy://169.254.169.254/latest", "gotify://localhost:{port}/AbCdEfGhIjKl",
                                 "ntfy://224.0.0.1/x"])
def test_a_person_cannot_add_a_destination_inside_the_network(client, make_user, push, url):
    web, path = _own_page(client, make_user("ana"))
    r = web.post(path + "/channels", data={"url": url.format(port=push.port), "label": "x"}, htmx=True)
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "inside a private network" in body and "Private destinations allowed" in body
    assert Channel.select().count() == 0 and not push.calls


def test_the_admins_allowlist_lets_the_owners_own_ntfy_in(client, make_user, push, set_settings):
    set_settings(NOTIFY_PRIVATE_HOSTS="192.168.1.50, 127.0.0.0/8")
    web, path = _own_page(client, make_user("ana"))
    r = web.post(path + "/channels", data={"url": f"ntfy://127.0.0.1:{push.port}/ana", "label": "Phone"}, htmx=True)
    assert r.status_code == 200


def test_at_send_time_a_private_address_is_refused_and_the_person_learns_nothing_more(client, make_user, push):
    """A destination that became private after it was added (a name re-pointed, an allowlist
    shortened) is refused when the connection is made, and the result only says it failed."""
    from plexportal.notify import channels

    ana = make_user("ana")
    ch = Channel.create(user=ana, label="ntfy", service="ntfy", url_hint="x",
                        url_encrypted=channels._box().encrypt(f"ntfy://localhost:{push.port}/ana"))
    web, path = _own_page(client, ana)
    r = web.post(path + "/test", data={"target": str(ch.id)}, htmx=True)
    body = r.get_data(as_text=True)
    assert not push.calls
    row = Notification.get()
    assert row.status == "failed" and "not a public address" in row.last_error
    assert "Could not deliver the test message" in body and "public" not in body


def test_the_person_sees_could_not_deliver_and_not_why(client, make_user, set_settings):
    set_settings(NOTIFY_PRIVATE_HOSTS="127.0.0.1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    web, path = _own_page(client, make_user("ana"))
    web.post(path + "/channels", data={"url": f"ntfy://127.0.0.1:{closed}/x", "label": "x"}, htmx=True)
    r = web.post(path + "/test", data={"target": str(Channel.get().id)}, htmx=True)
    body = r.get_data(as_text=True).lower()
    assert "could not deliver" in body
    for word in ("refused", "connection", "timed out", "timeout", str(closed)):
        assert word not in body, word


def test_a_destination_does_not_follow_redirects(db, make_user, push, set_settings):
    from tests.fakes.server import FakeService

    class Redirect(FakeService):
        name = "redirect"

        def routes(self, app):
            @app.post("/", defaults={"path": ""})
            @app.post("/<path:path>")
            def go(path):
                from flask import redirect

                return redirect(f"{push.url}/{path}", code=307)

    redirector = Redirect().start()
    try:
        set_settings(NOTIFY_PRIVATE_HOSTS="127.0.0.1")
        from plexportal.notify import channels, service

        ana = make_user("ana")
        channels.add_channel(ana, f"ntfy://127.0.0.1:{redirector.port}/ana?redirect=yes", "x", admin=False)
        service.queue_user_test(ana, str(Channel.get().id))
        clock.freeze(clock.now() + timedelta(minutes=1))
        send.send_due()
        assert redirector.calls and not push.calls
    finally:
        redirector.stop()
