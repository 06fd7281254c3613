"""The Jobs page (schedules, last runs, Run now) and GET /metrics (off by default, protected)."""
from __future__ import annotations

from datetime import UTC, datetime

from plexportal.lib import clock
from plexportal.ops import jobs, metrics
from plexportal.ops.models import JobState
from tests.ops.conftest import SONARR_KEY


def test_the_jobs_page_lists_every_periodic_task_with_its_schedule(logged_in):
    clock.freeze(datetime(2026, 5, 10, 12, 0, 30, tzinfo=UTC))
    JobState.create(name="plexportal.notify.tasks.send_due_notifications_task", last_started_at=clock.now(),
                    last_finished_at=clock.now(), last_duration_ms=42, last_outcome="ok", runs=7)
    JobState.create(name="plexportal.invites.tasks.sync_users_task", last_started_at=clock.now(),
                    last_finished_at=clock.now(), last_duration_ms=2300, last_outcome="error", runs=3, failures=1,
                    last_error="GatewayError: plex.tv did not answer in time")
    page = logged_in.get("/ops/jobs").get_data(as_text=True)
    listed = {j.name: j for j in jobs.jobs()}
    assert "plexportal.backups.tasks.watch_backups_task" in listed and "plexportal.ops.tasks.watch_self_backup_task" in listed
    assert listed["plexportal.invites.tasks.sync_users_task"].schedule == "every 10 minutes"
    assert listed["plexportal.invites.tasks.sync_users_task"].next_run == datetime(2026, 5, 10, 12, 10, tzinfo=UTC)
    assert listed["plexportal.invites.tasks.check_plex_token_task"].schedule == "hourly at :07 and :37"
    assert listed["plexportal.notify.tasks.send_due_notifications_task"].schedule == "every minute"
    assert "Send due messages" in page and "42 ms" in page and "2 s" in page
    assert "plex.tv did not answer in time" in page and "1 of 3 runs failed" in page
    assert page.count("Run now") >= len(listed)
    assert "The worker last ran a task" in page


def test_run_now_queues_a_safe_task_once(logged_in, caplog):
    r = logged_in.post("/ops/jobs/run", data={"name": "plexportal.settings.tasks.check_services_task"}, htmx=True)
    assert "Queued: Test the connections." in r.get_data(as_text=True)
    state = JobState.get(JobState.name == "plexportal.settings.tasks.check_services_task")
    assert state.run_requested_at is not None
    r = logged_in.post("/ops/jobs/run", data={"name": "plexportal.media.tasks.process_webhook_task"}, htmx=True)
    assert "That task cannot be run by hand." in r.get_data(as_text=True)
    r = logged_in.post("/ops/jobs/run", data={"name": "os.system"}, htmx=True)
    assert "That task cannot be run by hand." in r.get_data(as_text=True)


def test_the_worker_records_each_run(db):
    from plexportal.queue import app_task, huey

    jobs.install(huey.instance)

    @app_task()
    def tidy_something_task():
        return 1

    tidy_something_task()
    state = JobState.get(JobState.name == "tests.ops.test_jobs_and_metrics.tidy_something_task")
    assert state.last_outcome == "ok" and state.runs == 1 and state.last_duration_ms is not None
    tidy_something_task()
    assert JobState.get_by_id(state.id).runs == 2


def scrape(client, token=None, api_key=None):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if api_key:
        headers["X-Api-Key"] = api_key
    return client.get("/metrics", headers=headers)


def test_metrics_are_off_by_default_and_protected(client, set_settings):
    assert scrape(client).status_code == 404
    set_settings(METRICS_ENABLED="true")
    r = scrape(client)
    assert r.status_code == 403 and "no METRICS_TOKEN" in r.get_data(as_text=True)
    set_settings(METRICS_TOKEN="metrics-token-0123456789", API_KEY="api-key-0123456789abcdef")
    assert scrape(client).status_code == 401
    assert scrape(client, token="wrong-token").status_code == 401
    assert scrape(client, token="metrics-token-0123456789").status_code == 200
    assert scrape(client, token="api-key-0123456789abcdef").status_code == 200
    assert scrape(client, api_key="api-key-0123456789abcdef").status_code == 200


def test_metrics_report_what_the_database_holds_and_nothing_secret(client, filled, set_settings):
    from plexportal.notify.models import Notification

    set_settings(METRICS_ENABLED="true", METRICS_TOKEN="metrics-token-0123456789")
    Notification.update(status="sent").execute()
    client.get("/auth/login")
    metrics.reset_cache()
    text = scrape(client, token="metrics-token-0123456789").get_data(as_text=True)
    assert 'plexportal_webhooks_received_total{outcome="received",source="sonarr"} 3.0' in text
    assert 'plexportal_messages_total{channel="email",status="sent"} 1.0' in text
    assert "plexportal_outbox_depth 0.0" in text
    assert 'plexportal_backup_state{state="unknown"} 1.0' in text or 'plexportal_backup_state{state="up"}' in text
    assert "plexportal_backup_age_seconds" in text and "plexportal_queue_depth" in text
    assert 'plexportal_http_request_duration_seconds_bucket{endpoint="auth.login"' in text
    assert 'plexportal_metrics_collector_up{area="media"} 1.0' in text
    for secret in (SONARR_KEY, "metrics-token-0123456789"):
        assert secret not in text


def test_the_grafana_dashboard_only_uses_metrics_that_exist(client, filled, set_settings):
    import json
    import re
    from pathlib import Path

    set_settings(METRICS_ENABLED="true", METRICS_TOKEN="metrics-token-0123456789")
    client.get("/auth/login")
    metrics.reset_cache()
    text = scrape(client, token="metrics-token-0123456789").get_data(as_text=True)
    served = set()
    for name, kind in re.findall(r"^# TYPE (plexportal_\w+) (\w+)$", text, re.MULTILINE):
        served |= {name, name + "_total"} if kind == "counter" else {name}
        if kind == "histogram":
            served |= {name + "_bucket", name + "_count", name + "_sum"}
    dashboard = json.loads((Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "plexportal.json").read_text())
    used = {name for panel in dashboard["panels"] for target in panel["targets"]
            for name in re.findall(r"plexportal_\w+", target["expr"])}
    assert used and used <= served, used - served


def test_guessing_the_metrics_token_is_throttled_like_the_api_key(client, set_settings):
    set_settings(METRICS_ENABLED="true", METRICS_TOKEN="metrics-token-0123456789")
    codes = [scrape(client, token=f"guess-{i}").status_code for i in range(31)]
    assert codes[:30] == [401] * 30 and codes[-1] == 429
    # the address has used its allowance: even the right token waits now
    assert scrape(client, token="metrics-token-0123456789").status_code == 429


def test_prometheus_can_scrape_by_container_name(client, set_settings):
    """Prometheus in a Docker network asks for http://plexportal:8000/metrics: a name the Host
    check does not know, but the bearer token authenticates the request."""
    set_settings(METRICS_ENABLED="true", METRICS_TOKEN="metrics-token-0123456789")
    r = client.get("/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"},
                   base_url="http://plexportal:8000")
    assert r.status_code == 200 and "plexportal_" in r.get_data(as_text=True)
    assert client.get("/settings/", base_url="http://plexportal:8000").status_code == 400
