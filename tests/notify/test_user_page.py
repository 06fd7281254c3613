"""A user's own page: reached by the signed link, no password; the admin sees the same."""
from plexportal.auth.models import User
from plexportal.notify import links, prefs, service
from plexportal.notify.models import Notification
from tests.conftest import Browserless


def page_path(user):
    return "/notify/u/" + links.make_token(user)


def test_it_opens_from_the_signed_link_without_a_password(client, make_user):
    user = make_user("ana", display_name="Ana")
    r = client.get(page_path(user))
    text = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Hi Ana" in text and "ana@example.com" in text
    # The message this is all about comes first among the switches, the others after it.
    ready = text.index("A title you asked for is ready to watch")
    assert ready < text.index("A film you asked for is not out yet") and ready < text.index("A problem you reported was fixed")


def test_it_says_nothing_for_a_bad_or_revoked_link(client, make_user):
    user = make_user("ana")
    path = page_path(user)
    assert client.get("/notify/u/nonsense").status_code == 404
    User.update(session_version=2).where(User.id == user.id).execute()
    r = client.get(path)
    assert r.status_code == 404 and "ana@example.com" not in r.get_data(as_text=True)


def test_it_saves_event_choices_and_then_skips_those_messages(client, make_user):
    user = make_user("ana")
    web = Browserless(client)
    path = page_path(user)
    web.get(path)
    r = web.post(path + "/email", data={}, htmx=True)        # every switch off
    assert r.status_code == 200 and "Email choices saved." in r.get_data(as_text=True)
    assert service.notify_user(user, "media.ready", "tv:1", {"season": 1, "episode": 1}) == []
    web.post(path + "/email", data={"ev-media.ready": "1"}, htmx=True)
    assert len(service.notify_user(user, "media.ready", "tv:1", {"season": 1, "episode": 1})) == 1


def test_it_unsubscribes_and_resubscribes_from_the_page(client, make_user):
    user = make_user("ana")
    web = Browserless(client)
    path = page_path(user)
    web.get(path)
    r = web.post(path + "/email", data={"action": "unsubscribe"}, htmx=True)
    assert "Unsubscribed" in r.get_data(as_text=True) and prefs.get(user).email_enabled is False
    r = web.post(path + "/email", data={"action": "resubscribe"}, htmx=True)
    assert prefs.get(user).email_enabled is True


def test_it_refuses_a_post_without_the_csrf_token(client, make_user):
    user = make_user("ana")
    client.post(page_path(user) + "/email", data={"action": "unsubscribe"})
    assert prefs.get(user).email_enabled is True


def test_it_lets_the_admin_open_and_change_a_users_page(logged_in, make_user):
    user = make_user("ana", display_name="Ana")
    r = logged_in.get(f"/notify/users/{user.id}")
    assert r.status_code == 200 and "What Ana hears about" in r.get_data(as_text=True)
    logged_in.post(f"/notify/users/{user.id}/email", data={"action": "unsubscribe"}, htmx=True)
    assert prefs.get(user).email_enabled is False


def test_it_keeps_the_admin_route_for_admins(client, make_user):
    user = make_user("ana")
    r = client.get(f"/notify/users/{user.id}")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_it_sends_the_user_a_test_email_and_shows_the_outcome(client, make_user, set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com")
    user = make_user("ana")
    web = Browserless(client)
    path = page_path(user)
    web.get(path)
    r = web.post(path + "/test", data={"target": "email"}, htmx=True)
    assert "Test message delivered" in r.get_data(as_text=True)
    [msg] = smtp_server.wait_for(1)
    # A test message never carries a page link: it would renew the link of whoever pressed the button.
    assert msg["To"] == "ana@example.com" and "/notify/u/" not in msg.get_body(("plain",)).get_content()
    assert Notification.get().kind == "notify.test"


def test_it_answers_an_odd_test_target_with_a_message(client, make_user):
    user = make_user("ana")
    web = Browserless(client)
    path = page_path(user)
    web.get(path)
    for target in ("²", "99999999999999999999", "abc"):
        r = web.post(path + "/test", data={"target": target}, htmx=True)
        assert r.status_code == 200 and "no longer exists" in r.get_data(as_text=True)
    assert Notification.select().count() == 0


def test_it_never_fails_on_junk_tokens(client, make_user):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    make_user("ana")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/?#%"),
                   min_size=1, max_size=300))
    def check(token):
        for method, path in (("get", f"/notify/u/{token}"), ("get", f"/notify/unsubscribe/{token}"),
                             ("post", f"/notify/unsubscribe/{token}")):
            r = getattr(client, method)(path)
            assert r.status_code in (404, 405, 308, 429), (path, r.status_code)   # 429: the rate limit

    check()
