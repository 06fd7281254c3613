"""A sender killed (SIGKILL) in the middle of a batch loses nothing, and after the restart every
message has gone out once. The sender claims only the message it is about to send, so the one
message whose SMTP exchange was cut is the only one that may go out again (same Message-ID, and
flagged on the page); its claim comes back when the dead sender's lease runs out."""
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from plexportal.lib import clock
from plexportal.notify import send, service
from plexportal.notify.models import Notification
from tests.conftest import BACKEND, PG_SESSION_URL, REDIS_URL, SECRET

ROOT = Path(__file__).resolve().parents[2]
N = 120


def sender_process(app):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLEXPORTAL_")}
    env.update(PLEXPORTAL_SECRET_KEY=SECRET, PLEXPORTAL_DATA_DIR=str(app.config["PLEXPORTAL"].data_dir))
    if BACKEND == "postgres":
        env.update(PLEXPORTAL_DATABASE_URL=PG_SESSION_URL, PLEXPORTAL_REDIS_URL=REDIS_URL)
    flask = str(Path(sys.executable).with_name("flask"))
    return subprocess.Popen([flask, "--app", "wsgi", "notify", "send-due"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_it_loses_nothing_when_the_sender_is_killed_mid_batch(app, db, set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", WORKER_LEASE_SECONDS="2")
    rows = [service.queue_email(f"p{i}@example.com", f"m{i}", "text", kick=False) for i in range(N)]
    smtp_server.delay = 0.02
    proc = sender_process(app)
    deadline = time.time() + 60
    while len(smtp_server.messages) < N // 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, proc.stdout.read().decode()[-2000:]
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    statuses = Counter(n.status for n in Notification.select())
    assert statuses["sent"] >= N // 3 - 1 and statuses["pending"] > 0
    assert statuses["sending"] <= 1                       # only the message on the wire is claimed
    in_flight = [n.id for n in Notification.select().where(Notification.status == "sending")]

    smtp_server.delay = 0
    restart = sender_process(app)                         # the worker comes back
    assert restart.wait(60) == 0, restart.stdout.read().decode()[-2000:]
    time.sleep(2.2)                                       # the dead sender's lease (2 s) runs out
    send.send_due()

    assert {n.status for n in Notification.select()} == {"sent"}
    time.sleep(0.3)
    received = Counter(m["Message-ID"] for m in smtp_server.messages)
    expected = {f"<notification-{r.id}.{int(r.created_at.timestamp())}@example.com>" for r in rows}
    assert set(received) == expected                      # none lost
    repeated = [mid for mid, count in received.items() if count > 1]
    assert all(received[mid] == 2 for mid in repeated) and len(repeated) <= 1
    for mid in repeated:                                  # only ever one the dead sender held
        assert any(mid.startswith(f"<notification-{i}.") for i in in_flight)
    flagged = [n.id for n in Notification.select().where(Notification.flagged == send.ON_THE_WIRE)]
    assert flagged == in_flight                           # the page says which one may have arrived twice


def test_it_sends_each_message_once_after_a_long_smtp_outage(db, make_user, set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com")
    users = [make_user(f"u{i}") for i in range(10)]
    smtp_server.stop()
    for u in users:
        service.notify_user(u, "media.ready", "tv:1", [{"season": 1, "episode": 1}, {"season": 1, "episode": 2}],
                            {"media_type": "tv", "title": "The Quiet Harbour"})
    service.queue_email("owner@example.com", "Plain one", "text")
    for minutes in (8, 10, 13, 18, 27):                  # down for about half an hour, sweeps keep running
        clock.freeze(clock.now() + timedelta(minutes=minutes))
        send.send_due()
    assert Notification.select().where(Notification.status == "sent").count() == 0
    assert Notification.select().where(Notification.status == "failed").count() == 0
    smtp_server.start()
    clock.freeze(clock.now() + timedelta(hours=1))
    send.send_due()
    send.send_due()
    time.sleep(0.3)
    assert Counter(m["To"] for m in smtp_server.messages) == Counter(
        [f"u{i}@example.com" for i in range(10)] + ["owner@example.com"])
    assert {n.status for n in Notification.select()} == {"sent"}
