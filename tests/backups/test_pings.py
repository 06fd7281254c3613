"""Ping endpoints: any script can report start/success/fail; the token is a secret."""
from datetime import timedelta

from plexportal.backups.models import BackupRun
from plexportal.lib import clock

TOKEN = "t0ken-" + "x" * 26


def test_a_start_then_success_ping_records_one_run_with_its_duration_and_log(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN)
    r = client.post(f"/backups/ping/{TOKEN}/start")
    assert r.status_code == 200 and r.get_json()["run"] == "running"
    clock.freeze(clock.now() + timedelta(minutes=9))
    body = b"sent 24.27M bytes  received 2.20K bytes  45.00K bytes/sec\ntotal size is 8.08G  speedup is 333.04\n"
    r = client.post(f"/backups/ping/{TOKEN}/success", data=body)
    assert r.status_code == 200
    run = BackupRun.get()
    assert (run.status, run.duration_seconds, run.total_size_bytes, run.source) == ("success", 540, 8_080_000_000, "ping")
    assert "speedup" in run.excerpt


def test_a_fail_ping_reads_the_rsync_code_from_the_body(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN)
    client.post(f"/backups/ping/{TOKEN}/start")
    client.post(f"/backups/ping/{TOKEN}/fail", data=b"rsync error: some files/attrs were not transferred (code 23) at main.c(1338)")
    run = BackupRun.get()
    assert run.status == "partial" and run.exit_code == 23


def test_a_finish_without_a_start_is_kept_without_inventing_a_start(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN)
    client.post(f"/backups/ping/{TOKEN}/fail", data=b"disk full")
    run = BackupRun.get()
    assert run.status == "failed" and run.started_at is None and run.finished_at is not None
    assert "No start ping" in run.note


def test_a_wrong_token_stores_nothing_and_reveals_nothing(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN)
    r = client.post("/backups/ping/wrong/success")
    assert r.status_code == 404 and TOKEN not in r.get_data(as_text=True)
    assert client.post(f"/backups/ping/{TOKEN}/explode").status_code == 404
    assert BackupRun.select().count() == 0


def test_pings_are_refused_until_a_token_exists(client):
    assert client.post("/backups/ping/anything/start").status_code == 404
    assert BackupRun.select().count() == 0


def test_the_body_kept_is_capped(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN)
    client.post(f"/backups/ping/{TOKEN}/success", data=b"x" * 500_000)
    assert len(BackupRun.get().excerpt) <= 20_000


def test_the_setup_page_shows_the_token_once_then_masks_it(logged_in):
    page = logged_in.get("/backups/setup").get_data(as_text=True)
    assert "No ping token yet" in page
    made = logged_in.post("/backups/setup/token", htmx=True).get_data(as_text=True)
    from plexportal.backups import service

    token = service.ping_token()
    assert len(token) >= 32 and token in made and "New ping token saved" in made
    page = logged_in.get("/backups/setup").get_data(as_text=True)
    assert token not in page and token[-4:] in page
    assert "Regenerate" in page
    # There is no way to show it again: a GET of the old "reveal" address is refused.
    revealed = logged_in.get("/backups/setup/token", headers={"HX-Request": "true"})
    assert revealed.status_code == 405 and token not in revealed.get_data(as_text=True)


def test_a_start_without_a_finish_is_closed_as_failed_when_the_next_run_starts(client, set_settings):
    set_settings(BACKUP_PING_TOKEN=TOKEN)
    client.post(f"/backups/ping/{TOKEN}/start")
    clock.freeze(clock.now() + timedelta(days=1))
    client.post(f"/backups/ping/{TOKEN}/start")
    client.post(f"/backups/ping/{TOKEN}/success")
    runs = list(BackupRun.select().order_by(BackupRun.started_at))
    assert [r.status for r in runs] == ["failed", "success"]
    assert "No finish ping" in runs[0].note
