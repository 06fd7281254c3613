"""Signed personal links: work without a password, expire, and die with the session version."""
from plexportal.auth.models import User
from plexportal.notify import links


def test_it_builds_an_absolute_link_from_the_public_url_that_finds_the_user(db, make_user, set_settings):
    set_settings(BASE_URL="https://portal.example.com")
    user = make_user("ana")
    url = links.user_page_url(user)
    assert url.startswith("https://portal.example.com/notify/u/")
    token = url.rsplit("/", 1)[1]
    assert links.user_from_token(token).id == user.id


def test_it_rejects_a_tampered_token(db, make_user):
    user = make_user("ana")
    token = links.make_token(user)
    assert links.user_from_token(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert links.user_from_token("") is None
    assert links.user_from_token("x" * 600) is None


def test_it_expires_links_after_the_configured_days(db, make_user, set_settings, monkeypatch):
    from itsdangerous.timed import TimestampSigner

    set_settings(USER_LINK_DAYS="2")
    user = make_user("ana")
    token = links.make_token(user)
    assert links.user_from_token(token).id == user.id
    made_at = TimestampSigner.get_timestamp(None)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: made_at + 3 * 86400)
    assert links.user_from_token(token) is None
    # the unsubscribe link in the same message outlives the page link
    unsub = links.make_token(user, links.UNSUBSCRIBE_SALT)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: made_at)
    unsub = links.make_token(user, links.UNSUBSCRIBE_SALT)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: made_at + 3 * 86400)
    assert links.user_from_token(unsub, links.UNSUBSCRIBE_SALT).id == user.id


def test_it_kills_links_when_the_session_version_is_bumped(db, make_user):
    user = make_user("ana")
    token = links.make_token(user)
    User.update(session_version=User.session_version + 1).where(User.id == user.id).execute()
    assert links.user_from_token(token) is None


def test_it_does_not_accept_a_page_token_as_an_unsubscribe_token(db, make_user):
    user = make_user("ana")
    token = links.make_token(user)
    assert links.user_from_token(token, links.UNSUBSCRIBE_SALT) is None


def test_it_refuses_links_for_a_deactivated_user(db, make_user):
    user = make_user("ana")
    token = links.make_token(user)
    User.update(is_active=False).where(User.id == user.id).execute()
    assert links.user_from_token(token) is None
