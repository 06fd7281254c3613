"""The Data, Logs and Jobs pages and who may reach them."""
from __future__ import annotations

import gzip
import logging

import pytest

from plexportal.ops import logstore
from plexportal.ops.models import LogRecord, SelfBackup
from tests.ops.conftest import PLEX_TOKEN, SONARR_KEY


def test_visitors_are_sent_to_sign_in(web, admin):
    for path in ("/ops/data", "/ops/logs", "/ops/jobs", "/ops/data/download/plexportal-backup-20260101T000000Z-cli.tar.gz"):
        r = web.get(path)
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"], path
    r = web.post("/ops/data/backups")
    assert r.status_code in (302, 400)
    assert SelfBackup.select().count() == 0


def test_the_data_page_creates_a_backup_shows_it_and_downloads_it(logged_in, set_settings, tmp_path):
    set_settings(SELF_BACKUP_DIR=str(tmp_path / "mine"))
    page = logged_in.get("/ops/data").get_data(as_text=True)
    assert "No backups of plexportal yet." in page and "Create now" in page and str(tmp_path / "mine") in page
    assert "This folder is on the same disk as the data" in page        # both under the test's tmp dir
    r = logged_in.post("/ops/data/backups", htmx=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Backup started." in html
    row = SelfBackup.get()
    assert row.status == "success" and row.kind == "manual"          # immediate queue: already done
    frag = logged_in.client.get(f"/ops/data/backups/{row.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert row.file_name in frag and "Backup done." in frag and 'id="archives"' in frag
    page = logged_in.get("/ops/data").get_data(as_text=True)
    assert row.file_name in page and "Download" in page
    r = logged_in.client.get(f"/ops/data/download/{row.file_name}")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/gzip"
    assert f"filename={row.file_name}" in r.headers["Content-Disposition"]
    assert gzip.decompress(r.get_data())[:512].find(b"manifest.json") >= 0


@pytest.mark.parametrize("name", ["../secret.key", "..%2Fsecret.key", "secret.key", "plexportal.db",
                                  "plexportal-backup-20260101T000000Z-cli.tar.gz"])
def test_download_serves_only_archives_that_exist(logged_in, name):
    assert logged_in.get(f"/ops/data/download/{name}").status_code == 404


def test_the_logs_page_shows_records_without_secrets(logged_in, set_settings, caplog):
    caplog.set_level(logging.INFO)
    set_settings(SONARR_API_KEY=SONARR_KEY, PLEX_TOKEN=PLEX_TOKEN)
    log = logging.getLogger("plexportal.media.tasks")
    log.warning("Sonarr said no to key %s", SONARR_KEY)
    log.error("GET http://plex:32400/library?X-Plex-Token=%s failed", "abcdefgh-unknown-token")
    logging.getLogger("plexportal.notify.send").info("sent with Authorization: Bearer tok-1234567890 to "
                                                     "smtp://mailer:hunter22secret@mail.example.com")
    logging.getLogger("plexportal.invites.access").info("synced %d users with %s", 3, PLEX_TOKEN)
    assert logstore.flush() >= 4
    stored = " ".join(r.message for r in LogRecord.select())
    for secret in (SONARR_KEY, PLEX_TOKEN, "abcdefgh-unknown-token", "tok-1234567890", "hunter22secret"):
        assert secret not in stored
    page = logged_in.get("/ops/logs").get_data(as_text=True)
    assert "Sonarr said no to key [redacted]" in page and "X-Plex-Token=[redacted]" in page
    assert SONARR_KEY not in page and PLEX_TOKEN not in page

    errors = logged_in.get("/ops/logs?level=40").get_data(as_text=True)
    assert "X-Plex-Token" in errors and "Sonarr said no" not in errors
    found = logged_in.get("/ops/logs?q=synced").get_data(as_text=True)
    assert "synced 3 users" in found and "Sonarr said no" not in found
    by_area = logged_in.get("/ops/logs?area=notify").get_data(as_text=True)
    assert "Authorization: Bearer [redacted]" in by_area and "synced" not in by_area
    none = logged_in.get("/ops/logs?q=nothing-like-this").get_data(as_text=True)
    assert "No records match these filters." in none


def test_following_returns_only_newer_records(logged_in, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("plexportal.media").info("first record")
    logstore.flush()
    latest = LogRecord.select().order_by(LogRecord.id.desc()).get().id
    page = logged_in.get("/ops/logs?follow=1").get_data(as_text=True)
    assert 'id="log-follow"' in page and f"after={latest}" in page
    logging.getLogger("plexportal.media").info("second record")
    logstore.flush()
    frag = logged_in.client.get(f"/ops/logs?follow=1&after={latest}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "second record" in frag and "first record" not in frag
    assert '<template><tbody hx-swap-oob="afterbegin:#log-rows">' in frag and f"after={latest + 1}" in frag


def test_a_failed_task_links_to_what_it_was_about(logged_in):
    from plexportal.media import service as media
    from plexportal.ops import jobs
    from plexportal.queue import app_task, huey

    recorded = media.record_webhook("sonarr", b'{"eventType": "Download"}')

    @app_task()
    def process_webhook_task(event_id):
        raise RuntimeError("Plex did not answer (token abcdef1234567 refused)")

    jobs.install(huey.instance)
    process_webhook_task(recorded.event_id)
    logstore.flush()
    row = LogRecord.get(LogRecord.subject_kind == "webhook")
    assert row.subject_id == recorded.event_id and row.level == "ERROR"
    page = logged_in.get("/ops/logs?level=40").get_data(as_text=True)
    assert f'href="/media/inbox/{recorded.event_id}"' in page and f"Webhook {recorded.event_id}" in page


def test_the_store_is_capped(db, set_settings, caplog):
    caplog.set_level(logging.INFO)
    set_settings(LOG_KEEP_RECORDS="1000")
    log = logging.getLogger("plexportal.test")
    for i in range(1500):
        log.info("record %d", i)
    logstore.flush()
    logstore.prune()
    assert LogRecord.select().count() == 1000
    assert LogRecord.select().order_by(LogRecord.id.desc()).get().message == "record 1499"


def test_search_takes_wildcards_literally(logged_in, caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("plexportal.backups").info("copied 50% of the_files")
    logging.getLogger("plexportal.backups").info("copied 500 of thexfiles")
    logstore.flush()
    page = logged_in.get("/ops/logs?q=50%25").get_data(as_text=True)
    assert "copied 50% of the_files" in page and "copied 500" not in page
    page = logged_in.get("/ops/logs?q=the_files").get_data(as_text=True)
    assert "thexfiles" not in page and "the_files" in page
