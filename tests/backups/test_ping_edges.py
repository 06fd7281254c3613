"""Ping endpoints beyond the basics: unknown kinds, a finish days after its start, bodies that are
not UTF-8, a dry run reported by ping, and the state the dashboard shows after each ping."""
from datetime import timedelta

from plexportal.backups import monitor
from plexportal.backups.models import BackupRun
from plexportal.lib import clock

TOKEN = "t0ken-" + "y" * 26


def test_an_unknown_kind_is_named_and_stores_nothing(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN)
    for kind in ("finish", "START", "success.", "log"):
        r = client.post(f"/backups/ping/{TOKEN}/{kind}")
        assert r.status_code == 404 and r.get_json() == {"error": "use /start, /success or /fail"}
    assert BackupRun.select().count() == 0


def test_a_finish_days_after_its_start_is_not_joined_to_it(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN)
    client.post(f"/backups/ping/{TOKEN}/start")
    clock.freeze(clock.now() + timedelta(hours=73))
    client.post(f"/backups/ping/{TOKEN}/success")
    runs = {r.status: r for r in BackupRun.select()}
    assert set(runs) == {"running", "success"}
    assert runs["success"].started_at is None and runs["success"].duration_seconds is None
    # The next start closes the forgotten one as failed.
    client.post(f"/backups/ping/{TOKEN}/start")
    closed = BackupRun.get_by_id(runs["running"].id)
    assert closed.status == "failed" and "No finish ping was received" in closed.note


def test_a_body_that_is_not_utf8_is_kept_readable(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN)
    client.post(f"/backups/ping/{TOKEN}/start")
    r = client.post(f"/backups/ping/{TOKEN}/fail",
                    data=b"caf\xe9 \xff\xfe\nrsync error: error in rsync protocol data stream (code 12) at io.c(228)\n")
    assert r.status_code == 200 and r.get_json()["run"] == "failed"
    run = BackupRun.get()
    assert run.exit_code == 12 and run.excerpt.startswith("caf\ufffd")


def test_a_dry_run_by_ping_is_kept_but_not_counted_as_a_backup(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN)
    client.post(f"/backups/ping/{TOKEN}/start")
    client.post(f"/backups/ping/{TOKEN}/success",
                data=b"sent 1,234 bytes  received 56 bytes  2,580.00 bytes/sec\n"
                     b"total size is 8,081,447,228  speedup is 6,264,687.77 (DRY RUN)\n")
    run = BackupRun.get()
    assert run.dry_run is True and run.status == "success"
    assert monitor.last_success() is None


def test_each_ping_moves_the_state_at_once(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN, BACKUP_SCHEDULE="0 3 * * *", TIMEZONE="UTC")
    client.post(f"/backups/ping/{TOKEN}/start")
    assert monitor.compute().running is not None
    client.post(f"/backups/ping/{TOKEN}/fail", data=b"rsync error: error in file IO (code 11)")
    st = monitor.compute()
    assert st.running is None and st.last.status == "failed" and st.last.exit_code == 11
