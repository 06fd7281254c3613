"""The Backups pages, the API and the dashboard card, as the admin and a script see them."""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from plexportal.backups.models import BackupRun
from plexportal.lib import clock

NY = ZoneInfo("America/New_York")


def history(days=40, start=date(2026, 4, 1)):
    for i in range(days):
        d = start + timedelta(days=i)
        begin = datetime(d.year, d.month, d.day, 3, 0, tzinfo=NY).astimezone(UTC)
        status = "failed" if i == 5 else "partial" if i == 9 else "success"
        BackupRun.create(key=f"log:{i}", source="log", day=d, started_at=begin, finished_at=begin + timedelta(minutes=7),
                         duration_seconds=420, status=status, exit_code={"failed": 12, "partial": 24}.get(status, 0),
                         total_size_bytes=8_000_000_000 + i, sent_bytes=24_000_000, excerpt=f"night {i} rsync output")


def configure(set_settings):
    set_settings(BACKUP_SCHEDULE="0 3 * * *", BACKUP_TIMEZONE="America/New_York", TIMEZONE="America/New_York",
                 SERVER_NAME="Harbour Server")


def test_it_shows_state_countdown_charts_heatmap_and_history(logged_in, set_settings):
    configure(set_settings)
    history()
    clock.freeze(datetime(2026, 5, 10, 12, 0, tzinfo=NY))
    page = logged_in.get("/backups/").get_data(as_text=True)
    assert "Up" in page and "Backups are on schedule." in page
    assert 'data-countdown="2026-05-11T07:00:00Z"' in page
    assert "chart-4.5.1.umd.js" in page and 'id="bk-chart-data"' in page
    assert page.count('class="bk-cell bk-success"') >= 38 and 'bk-cell bk-failed' in page
    assert "2026-05" in page and "2026-04" in page         # the monthly text equivalent
    assert "38 success, 1 partial, 1 failed, 0 missed" in page
    assert page.count('<tr id="run-') == 25 and "Older" in page


def test_the_success_rate_counts_partial_runs_apart_as_the_calendar_does(logged_in, set_settings):
    configure(set_settings)
    history()                       # the last 30 days: 30 successes and one partial (rsync code 24)
    clock.freeze(datetime(2026, 5, 10, 12, 0, tzinfo=NY))
    page = logged_in.get("/backups/").get_data(as_text=True)
    rate = page.split("Success, 30 days", 1)[1].split("</div>", 2)[0]
    assert "97%" in rate and "100%" not in rate
    assert "30 ok · <span class=\"bk-partial-text\">1 partial</span> of 31 runs" in page
    assert 'title="2026-04: 28 of 30 succeeded, 1 partial"' in page
    assert 'data-label="Partial">1</td>' in page


def test_the_dashboard_without_backups_does_not_load_chart_js(logged_in):
    page = logged_in.get("/").get_data(as_text=True)
    assert "Backups" in page and "No backup has been seen yet." in page
    assert "chart-4.5.1" not in page


def test_it_filters_searches_and_pages_the_history(logged_in, set_settings):
    configure(set_settings)
    history()
    r = logged_in.get("/backups/history?status=failed", headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert "<html" not in body and "1 run match" in body and "code 12" in body
    body = logged_in.get("/backups/history?since=2026-04-10&until=2026-04-12", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "3 runs match" in body
    body = logged_in.get("/backups/history?q=night 7", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "1 run match" in body and "2026-04-08" in body
    body = logged_in.get("/backups/history?page=2", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert body.count('<tr id="run-') == 15 and "Newer" in body
    body = logged_in.get("/backups/history?status=missed", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "No run matches" in body


def month_rows(html):
    return [cell.split("</td>", 1)[0] for cell in html.split('<td data-label="Month">')[1:]]


def test_the_by_month_table_shows_two_years_and_fetches_older_ones_on_request(logged_in, set_settings):
    configure(set_settings)
    history(days=1200, start=date(2023, 1, 5))          # three years and three months of nights
    clock.freeze(datetime(2026, 4, 20, 12, 0, tzinfo=NY))
    page = logged_in.get("/backups/").get_data(as_text=True)
    shown = month_rows(page)
    assert shown[0] == "2026-04" and shown[-1] == "2024-05" and len(shown) == 24
    assert "Months before 2024-05" in page and "/backups/months?before=2024-05" in page
    older = logged_in.get("/backups/months?before=2024-05", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert month_rows(older) == [f"{y}-{m:02d}" for y, m in
                                 [(2024, m) for m in range(4, 0, -1)] + [(2023, m) for m in range(12, 0, -1)]]
    assert "<html" not in older and "Months before" not in older      # the first month: nothing older
    january = older.split('<td data-label="Month">2023-01</td>', 1)[1]
    assert '<td class="num" data-label="Runs">27</td>' in january       # 5 to 31 January
    whole = logged_in.get("/backups/months?before=2024-05").get_data(as_text=True)
    assert "<html" in whole and "Backups by month" in whole and month_rows(whole) == month_rows(older)


def test_the_by_month_table_answers_a_month_past_the_end_and_refuses_nonsense(logged_in, set_settings):
    configure(set_settings)
    history(days=40)
    assert "No run before that month." in logged_in.get("/backups/months?before=1999-01").get_data(as_text=True)
    assert logged_in.get("/backups/months?before=soon").status_code == 400
    page = logged_in.get("/backups/").get_data(as_text=True)
    assert month_rows(page) == ["2026-05", "2026-04"] and "Months before" not in page
    assert month_rows(logged_in.get("/backups/months").get_data(as_text=True)) == ["2026-05", "2026-04"]


def test_it_expands_a_run_to_show_its_log_excerpt(logged_in, set_settings):
    configure(set_settings)
    history(3)
    run = BackupRun.get(BackupRun.key == "log:1")
    body = logged_in.get(f"/backups/runs/{run.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "night 1 rsync output" in body and "<html" not in body
    assert logged_in.get("/backups/runs/99999").status_code == 404


def test_the_empty_page_says_how_to_get_history(logged_in):
    page = logged_in.get("/backups/").get_data(as_text=True)
    assert "No backups recorded yet" in page and "backups import" in page
    assert "chart-4.5.1" not in page


def test_the_api_lists_runs_and_status_with_the_api_key(client, set_settings):
    configure(set_settings)
    set_settings(API_KEY="k" * 32)
    history(3)
    clock.freeze(datetime(2026, 4, 3, 12, 0, tzinfo=NY))
    assert client.get("/api/v1/backups/runs").status_code == 401
    data = client.get("/api/v1/backups/runs?limit=2", headers={"X-Api-Key": "k" * 32}).get_json()
    assert len(data["items"]) == 2
    newest = data["items"][0]
    assert newest["date"] == "2026-04-03" and newest["started_at"] == "2026-04-03T07:00:00Z"
    assert newest["finished_at"] == "2026-04-03T07:07:00Z" and newest["duration_seconds"] == 420
    assert newest["status"] == "success" and newest["exit_code"] == 0 and newest["total_size_bytes"] == 8_000_000_002
    assert set(newest) >= {"sent_bytes", "received_bytes"}
    status = client.get("/api/v1/backups/status", headers={"X-Api-Key": "k" * 32}).get_json()
    assert status["state"] == "up" and status["last_success_at"] == "2026-04-03T07:07:00Z"
    assert status["next_expected_at"] == "2026-04-04T07:00:00Z"


def test_the_restore_guide_covers_the_steps(logged_in, set_settings):
    set_settings(BACKUP_DEST_PATH="/mnt/nas/plex")
    page = logged_in.get("/backups/restore").get_data(as_text=True)
    for words in ("Stop Plex", "-wal", "-shm", "chown -R plex:plex", "Preferences.xml", "/mnt/nas/plex", "verify"):
        assert words in page


def test_the_schedule_page_explains_the_cron_expression(logged_in, set_settings):
    configure(set_settings)
    clock.freeze(datetime(2026, 5, 10, 12, 0, tzinfo=NY))
    page = logged_in.get("/backups/schedule").get_data(as_text=True)
    assert "At 03:00 every day" in page and "Mon 11 May 2026, 03:00 EDT" in page
    assert "Editing the crontab is off" in page
    bad = logged_in.get("/backups/explain?expr=61+3+*+*+*", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Not a valid cron expression" in bad
    # Opened as a page (a bookmark, no JavaScript): the schedule page, not an error.
    direct = logged_in.get("/backups/explain?expr=0+4+*+*+*")
    assert direct.status_code == 200 and "Backup schedule" in direct.get_data(as_text=True)


def test_the_schedule_page_shows_the_next_runs_in_the_backups_zone_not_the_general_one(logged_in, set_settings):
    configure(set_settings)
    set_settings(TIMEZONE="Europe/London")          # the admin lives elsewhere than the server
    clock.freeze(datetime(2026, 5, 10, 12, 0, tzinfo=NY))
    page = logged_in.get("/backups/schedule").get_data(as_text=True)
    assert "in America/New_York" in page
    assert "Mon 11 May 2026, 03:00 EDT" in page and "08:00 BST" not in page


def test_pages_need_an_admin(client):
    assert client.get("/backups/").status_code in (302, 303)
    assert client.get("/backups/history").status_code in (302, 303)


def test_the_dashboard_card_shows_state_last_run_and_what_is_overdue(logged_in, set_settings):
    configure(set_settings)
    history(3)
    clock.freeze(datetime(2026, 4, 3, 12, 0, tzinfo=NY))
    page = logged_in.get("/").get_data(as_text=True)
    assert "Backups are on schedule." in page and 'data-countdown="2026-04-04T07:00:00Z"' in page
    clock.freeze(datetime(2026, 4, 4, 9, 0, tzinfo=NY))
    page = logged_in.get("/").get_data(as_text=True)
    assert "Down" in page and "Overdue since Sat 04 Apr 03:00" in page
