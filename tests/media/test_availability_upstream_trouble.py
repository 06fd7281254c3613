"""A Plex that hangs or answers HTML: availability checks time out quickly, run several at once,
and after three timeouts the server is skipped for a while, so other messages go out in the same
pass and max wait still holds. What happened is written on the message."""
from datetime import timedelta

import pytest

from plexportal.lib import clock
from plexportal.media import availability
from plexportal.notify import send, service
from plexportal.notify.models import Notification


@pytest.fixture(autouse=True)
def _fresh():
    availability.clear_cache()
    yield
    availability.clear_cache()


@pytest.fixture
def setup(set_settings, fake_plex, smtp_server):
    set_settings(AVAILABILITY_CHECK="plex", PLEX_URL=fake_plex.url, PLEX_TOKEN="plex-token",
                 AVAILABILITY_RETRY="60", AVAILABILITY_MAX_WAIT="120", AVAILABILITY_TIMEOUT="1",
                 SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com")
    return fake_plex


def ready_rows(n, started):
    return [Notification.create(kind="media.ready", channel="email", destination=f"v{i}@example.com",
                                payload={"media_type": "movie", "title": f"Film {i}", "ids": {"tmdb": 1000 + i},
                                         "items": []},
                                status="pending", send_after=clock.now(), first_item_at=started, created_at=started)
            for i in range(n)]


def test_a_hung_plex_costs_a_few_timeouts_not_one_per_message(db, setup, smtp_server):
    setup.delay = 30                                   # accepts the connection, never answers in time
    clock.freeze(clock.now())
    ready_rows(12, started=clock.now())
    plain = service.queue_email("owner@example.com", "Backup failed", "text", kick=False)
    counts = send.send_due()
    assert Notification.get_by_id(plain.id).status == "sent"     # not held up behind the checks
    assert counts["waiting"] == 12
    assert len(setup.calls) <= 3 + send.GATE_CONCURRENCY        # then the breaker skips Plex
    waiting = Notification.select().where(Notification.kind == "media.ready").first()
    assert waiting.status == "pending" and waiting.send_after <= clock.now() + timedelta(seconds=60)


def test_max_wait_holds_while_plex_hangs(db, setup, smtp_server):
    setup.delay = 30
    clock.freeze(clock.now())
    ready_rows(6, started=clock.now() - timedelta(seconds=125))  # past the 120 s max wait
    send.send_due()
    rows = list(Notification.select().where(Notification.kind == "media.ready"))
    assert {r.status for r in rows} == {"sent"}
    assert all(r.flagged.startswith("Sent unconfirmed after 2 min") for r in rows)
    assert any("did not answer" in r.flagged for r in rows)
    assert len(smtp_server.messages) == 6


def test_a_plex_answering_html_is_a_readable_wait_not_a_crash(db, setup, smtp_server):
    setup.fail_next(200, "<!doctype html><html><body>Sign in</body></html>", times=50)
    clock.freeze(clock.now())
    [row] = ready_rows(1, started=clock.now())
    send.send_due()
    assert Notification.get_by_id(row.id).status == "pending"
    clock.advance(timedelta(seconds=121))
    availability.clear_cache()
    send.send_due()
    row = Notification.get_by_id(row.id)
    assert row.status == "sent" and "not its API" in row.flagged


def test_the_breaker_lets_one_check_through_after_the_cooldown(db, setup):
    breaker = availability.BREAKER
    host = setup.url.split("//", 1)[1]
    for _ in range(3):
        breaker.failed(host)
    assert breaker.open_until(host) is not None
    breaker.cooldown = 0
    try:
        breaker.failed(host)
        assert breaker.open_until(host) is None          # the probe goes ahead
        breaker.succeeded(host)
        assert breaker.open_until(host) is None
    finally:
        breaker.cooldown = 300
