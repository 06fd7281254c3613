"""The Notifications page, the API and the CLI, as the admin uses them."""
from datetime import timedelta

from plexportal.lib import clock
from plexportal.notify import send, service
from plexportal.notify.models import Delivery, Notification


def smtp_settings(set_settings, server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com")


def test_it_shows_an_empty_outbox_with_a_hint(logged_in):
    r = logged_in.get("/notify/")
    assert r.status_code == 200
    assert "No messages here yet." in r.get_data(as_text=True)


def test_it_lists_messages_with_filters_and_flags(logged_in, make_user, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    ana = make_user("ana")
    ok = service.queue_email("ana@example.com", "Hello Ana", "hi", user=ana)
    Notification.update(flagged="sent without Plex confirmation").where(Notification.id == ok.id).execute()
    smtp_server.refuse["bob@example.com"] = "550 5.1.1 <bob@example.com>: Recipient address rejected"
    bad = service.queue_email("bob@example.com", "Hello Bob", "hi")
    page = logged_in.get("/notify/").get_data(as_text=True)
    assert "Hello Ana" in page and "Hello Bob" in page
    assert 'class="flagged"' in page and "sent without Plex confirmation" in page
    failing = logged_in.get("/notify/?status=failed").get_data(as_text=True)
    assert "Hello Bob" in failing and "Hello Ana" not in failing
    assert "refused the recipient" in failing
    mine = logged_in.get(f"/notify/?user={ana.id}").get_data(as_text=True)
    assert "Hello Ana" in mine and "Hello Bob" not in mine
    attempts = logged_in.get(f"/notify/{bad.id}/attempts", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "refused the recipient address (550)" in attempts


def test_it_cancels_and_resends_from_the_page(logged_in, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    smtp_server.stop()
    row = service.queue_email("bob@example.com", "Hello Bob", "hi")
    r = logged_in.post(f"/notify/{row.id}/cancel", htmx=True)
    assert r.status_code == 200 and "Cancelled" in r.get_data(as_text=True)
    assert Notification.get_by_id(row.id).status == "cancelled"
    smtp_server.start()
    r = logged_in.post(f"/notify/{row.id}/resend", htmx=True)
    assert "Queued to send again." in r.get_data(as_text=True)
    clock.freeze(clock.now() + timedelta(minutes=1))       # the next probe of the mail server
    send.send_due()
    assert smtp_server.wait_for(1)[0]["Subject"] == "Hello Bob"
    assert Notification.get_by_id(row.id).status == "sent"
    r = logged_in.post(f"/notify/{row.id}/cancel", htmx=True)
    assert "Too late" in r.get_data(as_text=True)


def test_it_sends_a_test_email_from_the_page(logged_in, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    r = logged_in.post("/notify/test-email", data={"to": "me@example.com"}, htmx=True)
    assert r.status_code == 200 and "accepted the test" in r.get_data(as_text=True)
    assert smtp_server.wait_for(1)[0]["To"] == "me@example.com"
    r = logged_in.post("/notify/test-email", data={"to": "not an address"}, htmx=True)
    assert r.status_code == 422 and "Enter an email address" in r.get_data(as_text=True)


def test_it_explains_a_test_email_when_email_is_not_set_up(logged_in):
    r = logged_in.post("/notify/test-email", data={"to": "me@example.com"}, htmx=True)
    assert r.status_code == 422 and "set the SMTP host" in r.get_data(as_text=True)


def test_it_needs_an_admin_for_the_outbox(client, admin):
    r = client.get("/notify/")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_it_serves_the_outbox_over_the_api_without_secrets(client, db, make_user, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    set_settings(API_KEY="k" * 32)
    for i in range(3):
        service.queue_email(f"p{i}@example.com", f"m{i}", "secret body text", kind="message")
    assert client.get("/api/v1/notifications").status_code == 401
    r = client.get("/api/v1/notifications?limit=2&status=sent", headers={"X-Api-Key": "k" * 32})
    data = r.get_json()
    assert r.status_code == 200 and len(data["items"]) == 2 and data["next"] == "/api/v1/notifications?limit=2&status=sent&offset=2"
    assert data["items"][0]["subject"] == "m2" and data["items"][0]["status"] == "sent"
    assert "secret body text" not in r.get_data(as_text=True)
    r = client.get("/api/v1/notifications?limit=2&offset=2", headers={"X-Api-Key": "k" * 32})
    assert [n["subject"] for n in r.get_json()["items"]] == ["m0"]


def test_it_sends_a_test_email_from_the_command_line(app, db, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    result = app.test_cli_runner().invoke(args=["notify", "test-email", "me@example.com"])
    assert result.exit_code == 0, result.output
    assert "sent to me@example.com" in result.output
    assert smtp_server.wait_for(1)[0]["To"] == "me@example.com"
    smtp_server.stop()
    result = app.test_cli_runner().invoke(args=["notify", "test-email", "me@example.com"])
    assert result.exit_code == 1 and "mail server unreachable" in result.output
    assert "refused the connection" in result.output
    assert Delivery.select().where(Delivery.ok == False).count() == 0  # no attempt spent


def test_it_offers_send_test_email_under_the_email_settings(logged_in, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    page = logged_in.get("/settings/").get_data(as_text=True)
    email_group = page.split('id="group-Email"', 1)[1].split("</section>", 1)[0]
    assert "Send test email" in email_group and 'hx-post="/notify/test-email"' in email_group
    r = logged_in.post("/notify/test-email", data={"to": "me@example.com"}, htmx=True)
    assert "accepted the test" in r.get_data(as_text=True)


def test_it_treats_odd_filter_values_as_no_filter(logged_in):
    for query in ("user=²", "user=99999999999999999999", "status=nonsense", "kind=" + "x" * 500, "page=-3"):
        assert logged_in.get(f"/notify/?{query}").status_code == 200


def test_it_answers_404_for_ids_that_cannot_exist(logged_in):
    assert logged_in.get("/notify/99999999999999999/attempts").status_code == 404
    assert logged_in.get("/notify/users/99999999999999999").status_code == 404
    assert logged_in.post("/notify/99999999999999999/resend", htmx=True).status_code == 404


def test_it_turns_the_dashboard_card_red_while_the_mail_server_is_unreachable(logged_in, set_settings, smtp_server):
    smtp_settings(set_settings, smtp_server)
    service.queue_email("bob@example.com", "Hello Bob", "hi")
    card = logged_in.get("/").get_data(as_text=True).split("<h2><a href=\"/notify/\">Messages", 1)[1].split("</article>")[0]
    assert "Mail is going out." in card and "badge-ok" in card
    smtp_server.stop()
    service.queue_email("ann@example.com", "Hello Ann", "hi")
    card = logged_in.get("/").get_data(as_text=True).split("<h2><a href=\"/notify/\">Messages", 1)[1].split("</article>")[0]
    assert "Mail server unreachable since" in card and "badge-bad" in card and "refused the connection" in card
