"""Coming soon / waiting for quality decided the moment Seerr approves a request (its webhook built
by the fake Seerr), against the fake Radarr and Sonarr, delivered to the real SMTP server."""
from datetime import UTC, datetime, timedelta

import pytest

from plexportal.health import tasks
from plexportal.health.monitors import quality
from plexportal.lib import clock
from plexportal.media.models import MediaRequest
from plexportal.notify import send
from plexportal.notify.models import Notification

TODAY = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def seerr(fake_seerr, db):
    clock.freeze(TODAY)
    fake_seerr.add_user(3, "alice", "alice@example.com")
    fake_seerr.add_title("movie", 550123, "Paper Lanterns", 2026)
    fake_seerr.add_title("tv", 98765, "The Example Show", 2023, tvdb_id=371234)
    return fake_seerr


def approve(seerr, hooks, rid=17, kind="movie", tmdb=550123, **kw):
    row = seerr.add_request(rid, kind, tmdb, 3, status=2, **kw)
    return hooks("seerr", seerr.request_webhook(row, "MEDIA_AUTO_APPROVED"))


def quality_rows(kind):
    return list(Notification.select().where(Notification.kind == kind))


def test_an_approved_unreleased_film_hears_coming_soon_without_waiting_for_a_run(stack, seerr, hooks):
    stack["radarr"].add_movie(77, "Paper Lanterns", 550123, has_file=False, in_cinemas="2026-04-10",
                              digital="2026-05-20", physical=None)
    approve(seerr, hooks)
    [n] = quality_rows("media.coming_soon")
    assert n.destination == "alice@example.com"
    clock.freeze(TODAY + timedelta(minutes=21))
    assert send.send_due()["sent"] == 1
    [msg] = stack["smtp"].wait_for(1)
    assert msg["Subject"] == "Coming soon: Paper Lanterns"
    assert "Expected: digital 20 May 2026, in cinemas 10 April 2026." in msg.get_body(("plain",)).get_content()


def test_waiting_for_quality_is_held_for_the_setting_and_a_grab_cancels_it(stack, seerr, hooks, set_settings,
                                                                             deliver):
    set_settings(QUALITY_WAIT_HOURS="24")
    stack["radarr"].add_movie(77, "Paper Lanterns", 550123, has_file=False, digital="2025-01-10")
    approve(seerr, hooks)
    [n] = quality_rows("media.waiting_quality")
    assert n.send_after == TODAY + timedelta(hours=24)
    clock.freeze(TODAY + timedelta(hours=23))
    send.send_due()
    assert stack["smtp"].messages == []
    deliver("radarr", {"eventType": "Grab", "movie": {"id": 77, "tmdbId": 550123, "title": "Paper Lanterns"},
                       "downloadId": "ABC"})
    assert Notification.get_by_id(n.id).status == "cancelled"
    clock.freeze(TODAY + timedelta(hours=25))
    send.send_due()
    assert stack["smtp"].messages == []
    assert quality.run(quality_ctx()) is None and len(quality_rows("media.waiting_quality")) == 1   # decided once


def test_waiting_for_quality_goes_out_after_the_wait_when_nothing_was_found(stack, seerr, hooks, set_settings):
    set_settings(QUALITY_WAIT_HOURS="6")
    stack["radarr"].add_movie(77, "Paper Lanterns", 550123, has_file=False, digital="2025-01-10")
    approve(seerr, hooks)
    clock.freeze(TODAY + timedelta(hours=6, minutes=1))
    assert send.send_due()["sent"] == 1
    [msg] = stack["smtp"].wait_for(1)
    assert msg["Subject"] == "Waiting for a good copy: Paper Lanterns"


def test_a_series_with_aired_episodes_missing_is_decided_at_approval(stack, seerr, hooks):
    sonarr = stack["sonarr"]
    sonarr.add_series(42, "The Example Show", 371234, per_season=2, with_files=False)
    approve(seerr, hooks, rid=21, kind="tv", tmdb=98765, tvdb_id=371234, seasons=(1,))
    [n] = quality_rows("media.waiting_quality")
    assert n.payload["text"].startswith("S01E01, S01E02 of The Example Show aired")
    assert n.send_after == TODAY + timedelta(hours=48)          # the default wait


def test_a_title_the_arr_does_not_know_yet_is_asked_about_again(stack, seerr, hooks, monkeypatch):
    again = []
    monkeypatch.setattr(tasks.decide_release_task, "schedule", lambda args, delay: again.append((args, delay)))
    approve(seerr, hooks)
    assert quality_rows("media.coming_soon") == []
    request = MediaRequest.get(MediaRequest.seerr_request_id == 17)
    assert again == [((request.id, 1), 60)]
    stack["radarr"].add_movie(77, "Paper Lanterns", 550123, has_file=False, digital="2026-06-01", physical=None)
    tasks.decide_release_task.call_local(request.id, 1)
    assert len(quality_rows("media.coming_soon")) == 1
    tasks.decide_release_task.call_local(request.id, 3)       # a late retry decides nothing twice
    assert len(quality_rows("media.coming_soon")) == 1 and len(again) == 1


def test_a_radarr_outage_at_approval_is_retried_and_changes_nothing(stack, seerr, hooks, monkeypatch):
    again = []
    monkeypatch.setattr(tasks.decide_release_task, "schedule", lambda args, delay: again.append((args, delay)))
    stack["radarr"].add_movie(77, "Paper Lanterns", 550123, has_file=False, digital="2026-06-01", physical=None)
    stack["radarr"].fail_next(500, path="/api/v3/queue")
    event = approve(seerr, hooks)
    assert event.status == "processed"
    assert quality_rows("media.coming_soon") == [] and len(again) == 1


def test_the_wait_is_a_setting_with_limits(db):
    from plexportal.settings import service as settings

    with pytest.raises(settings.SettingsInvalid) as err:
        settings.set_many({"QUALITY_WAIT_HOURS": "0"})
    assert set(err.value.errors) == {"QUALITY_WAIT_HOURS"}
    assert settings.get_int("QUALITY_WAIT_HOURS") == 48
    settings.set_many({"QUALITY_WAIT_HOURS": "12"})
    assert quality.wait() == timedelta(hours=12)


def quality_ctx():
    from plexportal.health.monitors import base

    return base.Context(monitor="quality")
