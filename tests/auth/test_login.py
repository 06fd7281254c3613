"""Sign-in, sign-out, open redirects and the login throttle."""
from __future__ import annotations

import pytest

from plexportal.auth.models import AdminAccount
from plexportal.security import verify_password
from tests.conftest import PASSWORD, Browserless


def _login(web, password=PASSWORD, **kw):
    return web.post("/auth/login", data={"username": "admin", "password": password}, **kw)


def test_it_stores_passwords_as_argon2id(admin):
    stored = AdminAccount.get(AdminAccount.user == admin.id).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)


def test_it_signs_in_with_the_right_password_and_refuses_a_wrong_one(web, admin):
    bad = _login(web, "not the password")
    assert bad.status_code == 422
    assert "do not match" in bad.get_data(as_text=True)
    assert web.get("/").status_code == 302

    good = _login(web)
    assert good.status_code == 303
    assert web.get("/").status_code == 200


def test_it_answers_an_htmx_sign_in_with_hx_redirect_not_a_swapped_page(web, admin):
    r = _login(web, htmx=True)
    assert r.status_code == 200
    assert r.headers["HX-Redirect"] == "/"
    assert r.get_data(as_text=True) == ""


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "/\t/evil.example", "javascript:alert(1)", "evil.example"])
def test_it_never_redirects_off_site_after_sign_in(web, admin, target):
    r = web.post("/auth/login?next=" + target.replace("\t", "%09"), data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"


def test_it_returns_to_the_page_asked_for(web, admin):
    r = web.get("/settings/")
    assert r.status_code == 302
    assert "next=/settings/" in r.headers["Location"]
    r = web.post("/auth/login?next=/settings/", data={"username": "admin", "password": PASSWORD})
    assert r.headers["Location"] == "/settings/"


def test_it_throttles_after_five_failures_from_one_address(web, admin):
    for _ in range(5):
        assert _login(web, "wrong password").status_code == 422
    blocked = _login(web)                       # even the right password waits out the window
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    assert web.get("/").status_code == 302


def test_it_does_not_let_one_address_lock_out_another(app, web, admin):
    attacker = Browserless(app.test_client())
    for _ in range(6):
        attacker.post("/auth/login", data={"username": "admin", "password": "guess"},
                      environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert attacker.post("/auth/login", data={"username": "admin", "password": "guess"},
                         environ_base={"REMOTE_ADDR": "203.0.113.50"}).status_code == 429
    assert _login(web).status_code == 303        # the admin, from 127.0.0.1, is unaffected


def test_it_does_not_count_successful_sign_ins_against_the_limit(web, admin):
    for _ in range(8):
        assert _login(web).status_code == 303
        web.get("/")                    # a new session means a new CSRF token


def test_it_tells_htmx_clients_they_are_throttled(web, admin):
    for _ in range(5):
        _login(web, "wrong password", htmx=True)
    r = _login(web, htmx=True)
    assert "Too many attempts" in r.get_data(as_text=True)
    assert "HX-Redirect" not in r.headers


def _with_admin(app):
    from plexportal.auth import service

    with app.app_context():
        if not service.has_admin():          # PostgreSQL: both apps share one database
            service.create_admin("admin", PASSWORD)
    return app


def test_it_uses_the_redis_store_when_a_redis_url_is_set(app_factory):
    import uuid

    import redis

    url = "redis://127.0.0.1:6379/13"
    store = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        store.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    # A key prefix of its own: other test runs on this machine share the Redis server.
    prefix = f"throttle-test-{uuid.uuid4().hex}"
    from plexportal.extensions import limiter

    first = _with_admin(app_factory(fields={"redis_url": url}, ratelimit_key_prefix=prefix))
    assert type(limiter.storage).__name__ == "RedisStorage"
    web = Browserless(first.test_client())
    for _ in range(5):
        _login(web, "wrong password")
    assert any(b"auth.login" in k for k in store.scan_iter(f"*{prefix}*"))
    # A second process (here: a freshly built app, which re-creates the limiter's storage) shares
    # the count through Redis; the memory store would have started from zero.
    second = _with_admin(app_factory(fields={"redis_url": url}, ratelimit_key_prefix=prefix))
    again = Browserless(second.test_client())
    assert _login(again).status_code == 429
    for key in store.scan_iter(f"*{prefix}*"):
        store.delete(key)


@pytest.mark.sqlite_only
def test_it_uses_the_memory_store_without_redis(app):
    from plexportal.extensions import limiter

    assert type(limiter.storage).__name__ == "MemoryStorage"


def test_it_signs_out_with_a_post_only(logged_in):
    assert logged_in.client.get("/auth/logout").status_code == 405
    r = logged_in.post("/auth/logout")
    assert r.status_code == 303
    assert logged_in.get("/").status_code == 302


def test_it_shows_the_login_page_to_a_visitor_once_an_admin_exists(client, admin):
    r = client.get("/auth/login")
    assert r.status_code == 200
    assert "Sign in" in r.get_data(as_text=True)


def test_it_upgrades_a_hash_made_with_older_parameters_at_sign_in(web, admin):
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1).hash(PASSWORD)
    AdminAccount.update(password_hash=old).where(AdminAccount.user == admin.id).execute()
    assert _login(web).status_code == 303
    upgraded = AdminAccount.get(AdminAccount.user == admin.id).password_hash
    assert upgraded != old
    assert "m=47104,t=1,p=1" in upgraded


def test_it_sends_a_signed_in_admin_past_the_login_page(logged_in):
    r = logged_in.client.get("/auth/login?next=/settings/")
    assert r.status_code == 302
    assert r.headers["Location"] == "/settings/"


def test_it_logs_failed_sign_ins_without_what_was_typed_for_unknown_names(web, admin, caplog):
    import logging

    caplog.set_level(logging.INFO)
    web.post("/auth/login", data={"username": "my secret passphrase", "password": "x"})
    _login(web, "wrong password")
    assert "my secret passphrase" not in caplog.text
    assert "sign-in failed for an unknown user name from 127.0.0.1" in caplog.text
    assert "sign-in failed for 'admin' from 127.0.0.1" in caplog.text
    assert "wrong password" not in caplog.text


def test_it_holds_the_limit_exactly_under_simultaneous_guesses(app_factory):
    """Twelve wrong guesses sent at once from one address: exactly five are checked."""
    import threading

    import requests
    from werkzeug.serving import make_server

    from tests.conftest import csrf_from

    app = _with_admin(app_factory())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        browser = requests.Session()
        token = csrf_from(browser.get(base + "/auth/login").text)
        cookies = browser.cookies.get_dict()
        statuses, start = [], threading.Barrier(12)

        def guess(n):
            start.wait()
            r = requests.post(base + "/auth/login", cookies=cookies, allow_redirects=False,
                              data={"username": "admin", "password": f"guess {n}", "csrf_token": token})
            statuses.append(r.status_code)

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.shutdown()
        server.server_close()
    assert sorted(statuses) == [422] * 5 + [429] * 7
