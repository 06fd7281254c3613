"""Webhook ingest: every accepted way to pass the secret, persist-then-acknowledge, replays, junk."""
import json
import logging

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from plexportal.media.models import WebhookEvent
from tests.media.conftest import WEBHOOK_SECRET, basic, raw


def events():
    return list(WebhookEvent.select().order_by(WebhookEvent.id))


@pytest.mark.parametrize("headers,query", [
    (basic(user="anything"), ""),
    ({"Authorization": f"Bearer {WEBHOOK_SECRET}"}, ""),
    ({"Authorization": WEBHOOK_SECRET}, ""),
    ({}, f"?token={WEBHOOK_SECRET}"),
])
def test_it_accepts_the_secret_every_way_the_tools_send_it(client, hook_secret, headers, query):
    r = client.post(f"/webhooks/sonarr{query}", data=raw("sonarr_v4_test"), headers=headers,
                    content_type="application/json")
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["status"] == "accepted"
    [event] = events()
    assert (event.source, event.event_type, event.status) == ("sonarr", "Test", "processed")
    assert "connection works" in event.outcome


@pytest.mark.parametrize("headers,query", [
    ({}, ""), (basic("wrong"), ""), ({"Authorization": "Bearer nope"}, ""), ({}, "?token=nope"),
    ({"Authorization": "Basic %%%notbase64"}, ""),
])
def test_it_refuses_a_wrong_or_missing_secret_and_stores_nothing(client, hook_secret, headers, query):
    r = client.post(f"/webhooks/radarr{query}", data=raw("radarr_v5_test"), headers=headers,
                    content_type="application/json")
    assert r.status_code == 401
    assert events() == []


def test_it_refuses_everything_while_no_secret_is_set(client, db):
    r = client.post("/webhooks/seerr", data=raw("seerr_test_notification"), headers={"Authorization": ""},
                    content_type="application/json")
    assert r.status_code == 401 and events() == []


@pytest.mark.parametrize("path", ["seerr", "jellyseerr", "overseerr"])
def test_it_answers_at_every_seerr_alias(post_hook, path):
    r = post_hook(path, raw("seerr_test_notification"), headers={"Authorization": WEBHOOK_SECRET})
    assert r.status_code == 200
    assert events()[0].source == "seerr"


def test_it_records_events_nothing_acts_on_as_ignored_and_the_others_as_processed(post_hook):
    for name in ("sonarr_v4_grab", "sonarr_v4_health", "sonarr_v4_manual_interaction", "sonarr_v4_series_add"):
        assert post_hook("sonarr", raw(name)).status_code == 200
    assert [(e.event_type, e.status) for e in events()] == [
        ("Grab", "processed"), ("Health", "ignored"), ("ManualInteractionRequired", "processed"),
        ("SeriesAdd", "ignored")]
    assert events()[2].outcome == "ManualInteractionRequired passed to the media health checks."


@pytest.mark.parametrize("body,reason", [(b"<xml/>", "not valid JSON"), (b'["a"]', "not an object"),
                                         (b"", "not valid JSON")])
def test_it_answers_400_for_non_objects_and_keeps_them_for_inspection(post_hook, body, reason):
    r = post_hook("sonarr", body)
    assert r.status_code == 400 and reason in r.json["error"]
    [event] = events()
    assert event.status == "invalid" and event.body == body.decode() and reason in event.outcome


def test_it_stores_a_replayed_webhook_once(post_hook):
    ids = {post_hook("radarr", raw("radarr_v5_grab")).json["id"] for _ in range(5)}
    assert len(ids) == 1 and len(events()) == 1


def test_it_refuses_oversized_bodies(post_hook):
    body = json.dumps({"eventType": "Test", "pad": "x" * 1_100_000})
    assert post_hook("sonarr", body).status_code == 413
    assert events() == []


def test_it_marks_a_json_object_it_cannot_understand_as_failed_with_a_reason(post_hook):
    r = post_hook("sonarr", {"eventType": "Download", "series": {"tvdbId": 1}})
    assert r.status_code == 200
    [event] = events()
    assert event.status == "failed" and "episodeFile" in event.outcome


def test_it_answers_404_for_an_unknown_source(post_hook):
    assert post_hook("sickrage", raw("sonarr_v4_test")).status_code == 404


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                           max_leaves=15)
keys = st.sampled_from(["eventType", "series", "episodes", "episodeFile", "movie", "movieFile", "notification_type",
                        "media", "request", "extra", "subject"])
values = json_values | st.sampled_from(["Download", "MEDIA_APPROVED", "MEDIA_AVAILABLE", "Test", "Grab", "tv", "movie"])


@hsettings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(source=st.sampled_from(["sonarr", "radarr", "seerr"]),
       body=st.binary(max_size=200) | st.dictionaries(keys, values, max_size=6).map(lambda d: json.dumps(d).encode()))
def test_it_never_answers_500_or_logs_an_exception_for_fuzzed_bodies(post_hook, caplog, source, body):
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        r = post_hook(source, body)
    assert r.status_code in (200, 400), (r.status_code, body)
    assert not [rec for rec in caplog.records if rec.exc_info], [rec.getMessage() for rec in caplog.records]


def test_it_keeps_a_body_with_nul_bytes_for_inspection_on_every_database(post_hook):
    # PostgreSQL text cannot hold NUL: the body must still be stored and answered 400, not 503.
    r = post_hook("sonarr", b'{"eventType": "Grab"\x00}')
    assert r.status_code == 400
    [event] = events()
    assert event.status == "invalid" and "\x00" not in event.body
    escaped = post_hook("sonarr", json.dumps({"eventType": "Gr\u0000ab"}).encode())
    assert escaped.status_code == 200
    assert "\x00" not in events()[-1].event_type
