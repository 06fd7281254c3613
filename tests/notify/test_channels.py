"""Apprise destinations: who may add what, stored secretly, delivered for real over HTTP."""
from datetime import timedelta

import pytest

from plexportal.lib import clock
from plexportal.notify import channels, send, service
from plexportal.notify.models import Channel, Delivery, Notification
from tests.conftest import Browserless


@pytest.fixture
def push():
    from tests.fakes.push import FakePush

    fake = FakePush().start()
    yield fake
    fake.stop()


@pytest.mark.parametrize("url,name", [
    ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "Discord"),
    ("https://discord.com/api/webhooks/4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", "Discord"),
    ("tgram://123456789:abcdefg_hijklmnop/987654", "Telegram"),
    ("https://hooks.slack.com/services/T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7F", "Slack"),
    ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7F/#general", "Slack"),
    ("ntfy://ntfy.sh/harbour-alerts", "ntfy"), ("ntfys://push.example.com/topic", "ntfy"),
    ("gotifys://gotify.example.com/AbCdEfGhIjKlMnO", "Gotify"),
    ("pover://uQiRzpo4DXghDmr9QzzfQu27cmVRsG@azGDORePK8gMaC0QOYAMyEEuzJnyUi", "Pushover"),
    ("pbul://o.gn5kj6nfhv736I7jC3cj3QLRiyhgl98b", "Pushbullet"),
])
def test_it_accepts_every_service_a_user_may_add(url, name):
    assert channels.classify(url, admin=False) == name


@pytest.mark.parametrize("url,why", [
    ("json://10.0.0.5/hook", "only be added by the server's admin"),
    ("jsons://internal.lan/hook", "only be added by the server's admin"),
    ("mailto://user:pass@gmail.com", "Not a supported destination"),
    ("https://example.com/api/webhooks/1/x", "Not a supported destination"),
    ("file:///etc/passwd", "Not a supported destination"),
    ("", "Paste the Apprise URL"),
    ("ntfy://", "missing its details"),
    ("discord://a b", "does not look like a URL"),
])
def test_it_refuses_what_a_user_may_not_add_with_a_reason(url, why):
    with pytest.raises(channels.ChannelError, match=why):
        channels.classify(url, admin=False)


def test_it_lets_the_admin_add_a_generic_json_webhook():
    assert channels.classify("json://10.0.0.5/hook", admin=True) == "JSON webhook"


def test_it_stores_the_url_encrypted_and_shows_it_masked(db, make_user, client):
    from plexportal.notify import links
    from tests.conftest import Browserless

    user = make_user("ana")
    secret = "tgram://123456789:SECRETBOTTOKEN_abcdef/987654"
    ch = channels.add_channel(user, secret, "My phone", admin=False)
    raw = Channel.select(Channel.url_encrypted).where(Channel.id == ch.id).scalar()
    assert "SECRETBOTTOKEN" not in raw and channels.url_of(Channel.get_by_id(ch.id)) == secret
    page = Browserless(client).get("/notify/u/" + links.make_token(user)).get_data(as_text=True)
    assert "My phone" in page and "SECRETBOTTOKEN" not in page and "tgram://••••" in page


def admin_channel(admin, push, path="/hooks/plex"):
    return channels.add_channel(admin, f"json://127.0.0.1:{push.port}{path}", "Ops hook", admin=True,
                                admin_alerts=True)


def test_it_delivers_admin_alerts_to_an_admin_channel_for_real(db, admin, push):
    admin_channel(admin, push)
    service.queue_admin_alert("Backup failed on Harbour Server (rsync code 23)", "The nightly run stopped.")
    [call] = push.calls_to("/hooks/plex", "POST")
    assert call.json["title"] == "Backup failed on Harbour Server (rsync code 23)"
    assert call.json["message"] == "The nightly run stopped."
    row = Notification.get()
    assert row.status == "sent" and row.channel == "apprise" and row.audience == "admin"


def test_it_retries_a_failing_endpoint_and_records_each_attempt(db, admin, push):
    admin_channel(admin, push)
    push.fail_next(500, "boom", times=2)
    service.queue_admin_alert("Backup failed", "details")
    row = Notification.get()
    assert row.status == "pending" and row.attempts == 1 and "error=500" in row.last_error
    assert f":{push.port}" not in row.last_error
    clock.freeze(clock.now() + timedelta(minutes=2))
    send.send_due()
    assert Notification.get().attempts == 2
    clock.freeze(clock.now() + timedelta(minutes=5))
    send.send_due()
    assert Notification.get().status == "sent"
    assert [d.ok for d in Delivery.select().order_by(Delivery.id)] == [False, False, True]
    assert len(push.calls_to("/hooks/plex", "POST")) == 3


def test_it_fails_for_good_on_a_rejected_request(db, admin, push):
    admin_channel(admin, push)
    push.fail_next(404, "no such hook")
    service.queue_admin_alert("Backup failed", "details")
    row = Notification.get()
    assert row.status == "failed" and row.attempts == 1


def test_it_sends_ready_messages_to_a_users_ntfy_channel_with_their_event_choices(db, make_user, push, set_settings):
    set_settings(NOTIFY_PRIVATE_HOSTS="127.0.0.1")        # the owner's own ntfy on this machine
    user = make_user("ana", email="")
    ch = Channel.create(user=user, label="ntfy", service="ntfy", url_hint="x",
                        url_encrypted=channels._box().encrypt(f"ntfy://127.0.0.1:{push.port}/ana-tv"))
    payload = {"media_type": "tv", "title": "The Quiet Harbour", "items": []}
    service.notify_user(user, "media.ready", "tv:1", [{"season": 1, "episode": 1}, {"season": 1, "episode": 2}],
                        payload)
    clock.freeze(clock.now() + timedelta(minutes=21))
    assert send.send_due()["sent"] == 1
    [call] = push.calls_to("/", "POST")
    assert call.json["topic"] == "ana-tv"
    assert call.json["title"] == "Ready to watch: The Quiet Harbour S01E01–E02"
    # Page links go to the person's own mailbox only, never to a chat destination.
    assert "Manage notifications" not in call.json["message"] and "/notify/u/" not in call.json["message"]
    assert "Unsubscribe" not in call.json["message"]         # that link only turns email off
    channels.set_channel_events(ch, {"media.ready": False})
    assert service.notify_user(user, "media.ready", "tv:2", {"season": 1, "episode": 1}, payload) == []


def test_it_adds_tests_and_removes_a_channel_from_the_users_page(client, make_user, push, set_settings):
    from plexportal.notify import links

    set_settings(NOTIFY_PRIVATE_HOSTS="127.0.0.1")        # the owner's own ntfy on this machine
    user = make_user("ana")
    web = Browserless(client)
    path = "/notify/u/" + links.make_token(user)
    web.get(path)
    r = web.post(path + "/channels", data={"url": "json://127.0.0.1:9/x", "label": "hook"}, htmx=True)
    assert r.status_code == 422 and "only be added by the server" in r.get_data(as_text=True)
    assert Channel.select().count() == 0
    # a user's ntfy URL pointing at the local fake (ntfy is allowed for users)
    r = web.post(path + "/channels", data={"url": f"ntfy://127.0.0.1:{push.port}/ana", "label": "Phone"}, htmx=True)
    assert r.status_code == 200 and "Phone" in r.get_data(as_text=True)
    ch = Channel.get()
    r = web.post(path + "/test", data={"target": str(ch.id)}, htmx=True)
    assert "Test message delivered" in r.get_data(as_text=True)
    assert push.calls_to("/", "POST")[0].json["title"].startswith("Test message from")
    r = web.post(path + f"/channels/{ch.id}/events", data={}, htmx=True)
    # Every registered kind is switched off (other areas register theirs too).
    events = Channel.get_by_id(ch.id).events
    assert events["media.ready"] is False and not any(events.values())
    r = web.post(path + f"/channels/{ch.id}/delete", htmx=True)
    assert Channel.select().count() == 0


def test_it_will_not_touch_another_users_channel(client, make_user):
    from plexportal.notify import links

    ana, ben = make_user("ana"), make_user("ben")
    ch = channels.add_channel(ben, "ntfy://ntfy.sh/ben", "Ben", admin=False)
    web = Browserless(client)
    path = "/notify/u/" + links.make_token(ana)
    web.get(path)
    assert web.post(path + f"/channels/{ch.id}/delete", htmx=True).status_code == 404
    assert web.post(path + "/test", data={"target": str(ch.id)}, htmx=True).status_code == 200
    assert Channel.select().count() == 1 and Notification.select().count() == 0


def test_it_fails_a_message_for_a_removed_channel_instead_of_retrying(db, admin, push):
    ch = admin_channel(admin, push)
    push.fail_next(500, times=1)
    service.queue_admin_alert("Backup failed", "details")
    Channel.delete().where(Channel.id == ch.id).execute()
    clock.freeze(clock.now() + timedelta(minutes=2))
    send.send_due()
    row = Notification.get()
    assert row.status == "failed" and "removed" in row.last_error
