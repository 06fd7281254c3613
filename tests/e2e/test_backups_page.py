"""The Backups page in Chromium against gunicorn and the real worker: an imported log's state,
charts, heatmap and history, expanding a run, filtering, and Run now with live output."""
import re
import stat
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.backups import loggen as g
from tests.e2e.conftest import sign_in
from tests.live import flask_cli

pytestmark = pytest.mark.e2e
NY = ZoneInfo("America/New_York")


def write_log(path, nights=40):
    """The last `nights` nights up to today, 03:00 New York time, one failure."""
    today = datetime.now(UTC).astimezone(NY).date()
    text = ""
    for i in range(nights):
        d = today - timedelta(days=nights - i)
        start = datetime(d.year, d.month, d.day, 3, 0, 1)
        abbr = start.replace(tzinfo=NY).tzname()
        text += g.section(g.date_us(start, abbr), g.date_us(start.replace(minute=7), abbr),
                          g.file_list(5) + f"\nnight {i}\n" + g.summary(24_000_000 + i, 2_202, 8_000_000_000 + i * 10**6,
                                                                        stats_files=100 + i),
                          failed_code=12 if i == 30 else None)
    path.write_text(text)


def test_the_backups_page_shows_an_imported_log_and_runs_the_script_live(live_server_factory, page, shot,
                                                                         viewport, tmp_path):
    log = tmp_path / "plex-backup.log"
    write_log(log)
    script = tmp_path / "plex-backup.sh"
    # more output than a pipe buffer, in two bursts so the page shows it while the run goes on
    script.write_text("#!/bin/sh\necho 'copying the Plex folder'\n"
                      "i=0; while [ $i -lt 2000 ]; do echo \"Metadata/file-$i.jpg\"; i=$((i+1)); done\n"
                      "sleep 2\necho 'sent 1,000 bytes  received 10 bytes  100.00 bytes/sec'\n"
                      "echo 'total size is 8,000,000,000  speedup is 1.00'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    # The script is the host's choice (environment), never a stored setting.
    server = live_server_factory(admin=True, worker=True, settings={
        "BACKUP_LOG_PATH": str(log), "BACKUP_SCHEDULE": "0 3 * * *", "TIMEZONE": "America/New_York",
        "SERVER_NAME": "Harbour Server"}, env={"PLEXPORTAL_BACKUP_SCRIPT_PATH": str(script)})
    done = flask_cli(server.env, "backups", "import")
    assert "40 run(s): 1 failed, 39 success" in done.stdout, done.stdout + done.stderr

    sign_in(page, server)
    page.goto(server.url + "/backups/")
    # the log ends last night: up, late or down depending on the hour the test runs
    expect(page.locator(".bk-state h2")).to_contain_text(re.compile("Up|Late|Down"))
    expect(page.locator(".bk-state")).to_contain_text("Last run: success")
    page.wait_for_function("window.Chart && Chart.getChart('bk-size') && Chart.getChart('bk-duration')")
    expect(page.locator(".bk-heatmap .bk-failed")).to_have_count(1)
    runs_text = page.locator("#history p.small").first.inner_text()      # 40, plus a missed row if past 04:00
    before = int(runs_text.split()[0])
    assert before in (40, 41)
    shot("backups")

    page.locator("#history").get_by_role("button", name="Log").first.click()
    expect(page.locator(".bk-detail pre").first).to_contain_text("night 39")
    page.get_by_label("Status").select_option("failed")
    expect(page.locator("#history")).to_contain_text("1 run match")
    expect(page.locator("#history")).to_contain_text("code 12")
    shot("history-failed")

    if viewport == "desktop":
        page.once("dialog", lambda d: d.accept())
        page.get_by_role("button", name="Run now").click()
        job = page.locator("#job")
        expect(job).to_contain_text("copying the Plex folder", timeout=20000)
        expect(job).to_contain_text("Metadata/file-1999.jpg", timeout=20000)
        expect(job.locator(".badge")).to_have_text("success", timeout=30000)
        expect(job).to_contain_text("speedup is 1.00")
        shot("run-now")
        page.reload()
        newest = page.locator("#history tbody tr").first         # recorded like a scheduled run
        expect(newest).to_contain_text("success")
        expect(newest).to_contain_text("1.0 KB")
