"""The outbox page beyond the first screen and the admin's cancel and resend: paging with filters
kept, destinations named without their URL, resends of messages that went out, and a cancelled
message that was still collecting items (the next ones must open a batch of their own)."""
from __future__ import annotations

import re

from plexportal.notify import channels, service
from plexportal.notify.models import Notification
from plexportal.notify.outbox import PAGE_SIZE


def test_older_messages_are_a_page_away_and_the_filter_stays(logged_in):
    for i in range(PAGE_SIZE + 5):
        service.queue_email("a@example.com", f"Failed {i:03d}", "x", kick=False)
    Notification.update(status="failed").execute()
    service.queue_email("b@example.com", "Still pending", "x", kick=False)
    first = logged_in.get("/notify/?status=failed").get_data(as_text=True)
    more = re.search(r'hx-get="(/notify/\?page=2[^"]*)"[^>]*>Show older', first)
    assert more and "status=failed" in more.group(1)
    assert "Failed 054" in first and "Still pending" not in first
    second = logged_in.client.get(more.group(1).replace("&amp;", "&"),
                                  headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in second and "Show older" not in second
    shown = re.findall(r"Failed \d{3}", second)
    assert sorted(shown) == [f"Failed {i:03d}" for i in range(5)] and "Still pending" not in second


def test_a_destination_is_named_never_shown_and_a_removed_one_says_so(logged_in, make_user):
    ana = make_user("ana")
    ch = channels.add_channel(ana, "ntfy://ntfy.sh/ana-secret-topic", "Ana's phone", admin=False)
    Notification.create(kind="message", user=ana, channel="apprise", destination=str(ch.id), subject="To the phone",
                        status="pending")
    Notification.create(kind="message", user=ana, channel="apprise", destination="999999", subject="To nowhere",
                        status="failed")
    page = logged_in.get("/notify/").get_data(as_text=True)
    assert "Ana&#39;s phone (ntfy)" in page and "removed destination" in page
    assert "ana-secret-topic" not in page


def test_a_message_that_went_out_cannot_be_resent_or_cancelled(logged_in):
    row = service.queue_email("a@example.com", "Delivered", "x", kick=False)
    Notification.update(status="sent").where(Notification.id == row.id).execute()
    r = logged_in.post(f"/notify/{row.id}/resend", htmx=True)
    assert "Only failed or cancelled messages can be resent." in r.get_data(as_text=True)
    r = logged_in.post(f"/notify/{row.id}/cancel", htmx=True)
    assert "Too late: it is being sent or was sent." in r.get_data(as_text=True)
    assert Notification.get_by_id(row.id).status == "sent" and Notification.select().count() == 1


def test_visitors_cannot_cancel_or_resend(web, admin):
    row = service.queue_email("a@example.com", "Waiting", "x", kick=False)
    for action in ("cancel", "resend"):
        r = web.post(f"/notify/{row.id}/{action}", htmx=True)
        assert r.status_code == 200 and r.headers["HX-Redirect"].startswith("/auth/login")
    assert Notification.get_by_id(row.id).status == "pending"


def ready(user, episode):
    return service.notify_user(user, "media.ready", "tv:371234", {"season": 1, "episode": episode},
                               payload={"title": "The Example Show"})


def test_a_cancelled_batch_does_not_block_the_next_one(db, make_user):
    ana = make_user("ana")
    [collecting] = ready(ana, 1)
    assert collecting.status == "collecting"
    assert service.cancel(collecting.id)
    [fresh] = ready(ana, 2)                       # a new episode arrives after the admin cancelled
    assert fresh.id != collecting.id and fresh.status == "collecting"
    assert [i["episode"] for i in fresh.payload["items"]] == [2]
    assert Notification.get_by_id(collecting.id).status == "cancelled"


def test_a_resent_batch_goes_out_alone_and_new_items_open_another(db, make_user):
    ana = make_user("ana")
    [collecting] = ready(ana, 1)
    service.cancel(collecting.id)
    assert service.resend(collecting.id)
    [fresh] = ready(ana, 2)
    assert fresh.id != collecting.id
    resent = Notification.get_by_id(collecting.id)
    assert resent.status in ("pending", "sent", "failed") and [i["episode"] for i in resent.payload["items"]] == [1]


def test_a_batch_key_left_on_a_cancelled_row_is_given_up(db, make_user):
    """Rows cancelled before the key was cleared on cancel still hold it: the next item frees it."""
    ana = make_user("ana")
    [collecting] = ready(ana, 1)
    Notification.update(status="cancelled").where(Notification.id == collecting.id).execute()   # key kept
    [fresh] = ready(ana, 2)
    assert fresh.id != collecting.id and Notification.get_by_id(collecting.id).batch_key is None


def test_the_test_email_result_keeps_polling_until_it_has_an_outcome(logged_in):
    row = service.queue_email("me@example.com", "Test email", "x", kind="notify.test", audience="admin", kick=False)
    html = logged_in.get(f"/notify/test-email/{row.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Sending…" in html and f'hx-get="/notify/test-email/{row.id}"' in html
    Notification.update(attempts=1, last_error="The mail server did not answer.").where(
        Notification.id == row.id).execute()
    html = logged_in.get(f"/notify/test-email/{row.id}").get_data(as_text=True)
    assert "It will be retried" in html and "hx-get" not in html
    Notification.update(status="sent").where(Notification.id == row.id).execute()
    html = logged_in.get(f"/notify/test-email/{row.id}").get_data(as_text=True)
    assert "The mail server accepted the test for me@example.com." in html
    assert logged_in.get("/notify/test-email/999999").status_code == 404
