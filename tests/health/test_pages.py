"""The monitors' pages: last run and outcome, Run now, and the maintenance page with its banner."""
from datetime import UTC, timedelta

from plexportal.health import maintenance
from plexportal.health.models import MaintenanceWindow, MonitorRun
from plexportal.lib import clock


def test_it_lists_every_monitor_with_its_last_outcome(admin_web, set_settings, fake_sonarr):
    fresh = admin_web.get("/monitors/").get_data(as_text=True)
    assert "Sonarr and Radarr are not connected yet, so the monitors have nothing to watch" in fresh
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)
    page = admin_web.get("/monitors/").get_data(as_text=True)
    assert "Stuck downloads" in page and "Failed imports" in page and "not run yet" in page
    assert "nothing to watch" not in page
    r = admin_web.post("/monitors/stuck/run", htmx=True)
    assert r.status_code == 200
    assert "Stuck downloads: run started." in r.get_data(as_text=True)
    [run] = MonitorRun.select()
    assert run.monitor == "stuck" and run.trigger == "manual" and run.status == "ok"
    page = admin_web.get("/monitors/").get_data(as_text=True)
    assert "found 0, acted on 0" in page


def test_a_monitor_page_shows_its_runs_and_errors(admin_web, set_settings, fake_sonarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)
    fake_sonarr.fail_next(500, path="/api/v3/queue")
    admin_web.post("/monitors/import-fix/run", htmx=True)
    page = admin_web.get("/monitors/import-fix").get_data(as_text=True)
    assert "Sonarr had an internal error (500)." in page
    assert "flask --app wsgi monitors run import-fix" in page
    assert admin_web.get("/monitors/nope").status_code == 404


def test_run_now_is_refused_during_maintenance(admin_web, db):
    maintenance.create_window(clock.now() - timedelta(minutes=20), clock.now() + timedelta(hours=1), "")
    r = admin_web.post("/monitors/stuck/run", htmx=True)
    assert "Not started: paused for maintenance" in r.get_data(as_text=True)
    assert MonitorRun.select().count() == 0


def test_the_health_pages_need_an_admin(client, db):
    assert client.get("/monitors/").status_code in (302, 303)
    assert client.get("/maintenance/").status_code in (302, 303)


def test_planning_a_window_shows_a_banner_on_every_page(admin_web, db):
    start = (clock.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    end = (clock.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    r = admin_web.post("/maintenance/", data={"starts_at": start, "ends_at": end, "message": "Disk <swap>"},
                       htmx=True)
    assert r.status_code == 200 and "HX-Redirect" not in r.headers          # a preview first
    assert MaintenanceWindow.select().count() == 0
    r = admin_web.post("/maintenance/", data={"starts_at": start, "ends_at": end, "message": "Disk <swap>",
                                              "confirmed": "1", "expected": "1"}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/maintenance/"
    page = admin_web.get("/monitors/").get_data(as_text=True)
    assert "Planned maintenance" in page and "Disk &lt;swap&gt;" in page
    assert MaintenanceWindow.select().count() == 1


def test_a_bad_window_comes_back_with_the_reason_and_the_values_kept(admin_web, db):
    start = (clock.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    end = (clock.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    r = admin_web.post("/maintenance/", data={"starts_at": start, "ends_at": end, "message": "kept"}, htmx=True)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "The end must be after the start." in body and "kept" in body and start in body
    assert MaintenanceWindow.select().count() == 0
    r = admin_web.post("/maintenance/", data={"starts_at": "", "ends_at": end}, htmx=True)
    assert r.status_code == 422 and "Pick when it starts." in r.get_data(as_text=True)


def test_ending_and_cancelling_from_the_page(admin_web, db):
    from plexportal.notify.models import Notification

    active = maintenance.create_window(clock.now() - timedelta(minutes=5), clock.now() + timedelta(hours=1), "")
    later = maintenance.create_window(clock.now() + timedelta(days=2), clock.now() + timedelta(days=2, hours=1), "")
    told = Notification.select().count()
    r = admin_web.post(f"/maintenance/{active.id}/end", htmx=True)          # first the message and the count
    page = r.get_data(as_text=True)
    assert "the message, as it will go out" in page and "1 person" in page and " is back" in page
    assert "Maintenance on " in page and "is finished. Everything is running again" in page and "%(" not in page
    assert "End it and tell 1 person" in page
    assert MaintenanceWindow.get_by_id(active.id).status != "completed" and Notification.select().count() == told
    r = admin_web.post(f"/maintenance/{active.id}/end", data={"confirmed": "1", "expected": "1"}, htmx=True)
    assert "Maintenance ended" in r.get_data(as_text=True)
    assert MaintenanceWindow.get_by_id(active.id).status == "completed"
    assert Notification.select().where(Notification.kind == "maintenance.complete").count() == 1
    r = admin_web.post(f"/maintenance/{later.id}/cancel", htmx=True)
    page = r.get_data(as_text=True)
    assert "is cancelled" in page and MaintenanceWindow.get_by_id(later.id).status == "scheduled"
    assert "will not happen. Nothing changes for you." in page and "Cancel it and tell 1 person" in page
    r = admin_web.post(f"/maintenance/{later.id}/cancel", data={"confirmed": "1", "expected": "1"}, htmx=True)
    assert "Maintenance cancelled." in r.get_data(as_text=True)
    assert Notification.select().where(Notification.kind == "maintenance.cancel").count() == 1
    r = admin_web.post(f"/maintenance/{later.id}/cancel", htmx=True)
    assert "already ended or been cancelled" in r.get_data(as_text=True)
    assert admin_web.post("/maintenance/999/end", htmx=True).status_code == 404


def test_ending_confirmed_for_another_count_shows_the_notice_again_and_tells_nobody(admin_web, db):
    from plexportal.notify.models import Notification

    active = maintenance.create_window(clock.now() - timedelta(minutes=5), clock.now() + timedelta(hours=1), "")
    r = admin_web.post(f"/maintenance/{active.id}/end", data={"confirmed": "1", "expected": "5"}, htmx=True)
    assert "changed since the preview" in r.get_data(as_text=True)
    assert MaintenanceWindow.get_by_id(active.id).status != "completed"
    assert Notification.select().where(Notification.kind == "maintenance.complete").count() == 0


def test_cancelling_a_window_nobody_was_told_about_needs_no_notice(admin_web, db):
    later = MaintenanceWindow.create(starts_at=clock.now() + timedelta(days=2),
                                     ends_at=clock.now() + timedelta(days=2, hours=1), created_at=clock.now())
    r = admin_web.post(f"/maintenance/{later.id}/cancel", htmx=True)
    assert "Maintenance cancelled." in r.get_data(as_text=True)


def test_runs_older_than_thirty_days_are_pruned(db):
    from plexportal.health import service

    old = MonitorRun.create(monitor="stuck", started_at=clock.now() - timedelta(days=31), status="ok")
    recent = MonitorRun.create(monitor="stuck", started_at=clock.now() - timedelta(days=2), status="ok")
    service.prune_runs()
    assert [r.id for r in MonitorRun.select()] == [recent.id] and old.id != recent.id


def test_a_window_within_one_day_names_the_day_once(admin_web, set_settings, db):
    from datetime import datetime

    set_settings(TIMEZONE="UTC")
    clock.freeze(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    maintenance.create_window(datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
                              datetime(2026, 11, 23, 18, 0, tzinfo=UTC), "Disks")
    maintenance.create_window(datetime(2026, 11, 24, 22, 0, tzinfo=UTC),
                              datetime(2026, 11, 25, 2, 0, tzinfo=UTC), "Overnight")
    page = admin_web.get("/maintenance/").get_data(as_text=True)
    assert "Mon 23 Nov 15:00 → 18:00" in page
    assert "Tue 24 Nov 22:00 → Wed 25 Nov 02:00" in page


def _window_times():
    return ((clock.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            (clock.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"))


def test_an_announcement_shows_its_message_and_exact_count_and_includes_invited_people(admin_web, db):
    from plexportal.invites import service as invites
    from plexportal.invites.models import Redemption
    from plexportal.notify.models import Notification

    invite = invites.create_invite({})
    Redemption.create(invite=invite, account_key="name:newcomer", identifier="newcomer", via="form",
                      email="newcomer@example.com", state="invited")          # invited, no account here yet
    start, end = _window_times()
    r = admin_web.post("/maintenance/", data={"starts_at": start, "ends_at": end, "message": "New disks"}, htmx=True)
    page = r.get_data(as_text=True)
    assert "The announcement, as it will go out" in page and "2 people" in page
    assert "Planned maintenance on" in page and "New disks" in page and Notification.select().count() == 0
    # Written out as the email will be, not as the stored message id and values.
    assert "%(" not in page and "will be down for maintenance from" in page and "Written in English" in page
    r = admin_web.post("/maintenance/", data={"starts_at": start, "ends_at": end, "message": "New disks",
                                              "confirmed": "1", "expected": "2"}, htmx=True)
    assert r.headers.get("HX-Redirect") == "/maintenance/"
    told = sorted(n.destination for n in Notification.select().where(Notification.kind == "maintenance.announce"))
    assert told == ["admin@example.com", "newcomer@example.com"]


def test_a_confirmation_for_another_count_shows_the_preview_again(admin_web, db):
    start, end = _window_times()
    r = admin_web.post("/maintenance/", data={"starts_at": start, "ends_at": end, "confirmed": "1", "expected": "7"},
                       htmx=True)
    assert "changed since the preview" in r.get_data(as_text=True) and MaintenanceWindow.select().count() == 0


def test_an_announcement_nobody_would_receive_is_refused_with_a_sentence(admin_web, db):
    from plexportal.auth.models import User

    User.update(email="").execute()
    start, end = _window_times()
    r = admin_web.post("/maintenance/", data={"starts_at": start, "ends_at": end, "confirmed": "1", "expected": "0"},
                       htmx=True)
    assert r.status_code == 422 and "Nobody would be told" in r.get_data(as_text=True)
    assert MaintenanceWindow.select().count() == 0
