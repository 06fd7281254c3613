"""The "ready to watch" email as a person receives it: subject, HTML, plain text, headers."""
from datetime import timedelta

import pytest

from plexportal.lib import clock
from plexportal.notify import links, prefs, send, service
from plexportal.notify.models import Notification


@pytest.fixture
def smtp(set_settings, smtp_server):
    set_settings(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port), SMTP_SECURITY="none",
                 SMTP_FROM="portal@example.com", BASE_URL="https://portal.example.com", SERVER_NAME="Harbour Server")
    return smtp_server


def tv(items, **extra):
    return {"media_type": "tv", "title": "The Quiet Harbour", "year": 2024,
            "poster_url": "https://image.tmdb.org/t/p/w500/harbour.jpg",
            "overview": "A lighthouse keeper finds a boat.", "ids": {"tvdb": 81189}, "request_id": 7,
            "items": items, **extra}


def deliver(user, payload, group="tv:81189"):
    service.notify_user(user, "media.ready", group, None, payload)
    clock.freeze(clock.now() + timedelta(minutes=21))
    assert send.send_due()["sent"] >= 1


def test_it_sends_a_season_run_with_the_range_in_the_subject_and_a_watch_button(db, make_user, smtp):
    user = make_user("ana")
    watch = "https://app.plex.tv/desktop#!/server/abc/details?key=%2Flibrary%2Fmetadata%2F42"
    deliver(user, tv([{"season": 1, "episode": n, "title": f"Part {n}"} for n in (1, 2, 3, 4)], watch_url=watch))
    [msg] = smtp.wait_for(1)
    assert msg["Subject"] == "Ready to watch: The Quiet Harbour S01E01–E04"
    assert msg["To"] == "ana@example.com"
    html = msg.get_body(("html",)).get_content()
    assert 'href="https://app.plex.tv/desktop#!/server/abc/details?key=%2Flibrary%2Fmetadata%2F42"' in html
    assert "Watch on Plex" in html
    assert 'src="https://image.tmdb.org/t/p/w500/harbour.jpg"' in html
    assert "S01E01–E04" in html and "Part 3" in html
    assert "<script" not in html.lower() and "<link" not in html.lower()
    text = msg.get_body(("plain",)).get_content()
    assert "The Quiet Harbour (2024), S01E01–E04 (4 episodes)" in text
    assert f"Watch on Plex: {watch}" in text
    assert "Manage notifications: https://portal.example.com/notify/u/" in text
    assert "<" not in text


def test_it_words_whole_seasons_without_episode_numbers(db, make_user, smtp):
    user = make_user("ana")
    deliver(user, tv([{"season": s, "episode": -1, "title": ""} for s in (1, 2, 3)]))
    [msg] = smtp.wait_for(1)
    assert msg["Subject"] == "Ready to watch: The Quiet Harbour Seasons 1–3"
    text = msg.get_body(("plain",)).get_content()
    assert "New on Harbour Server: The Quiet Harbour (2024), Seasons 1–3 are ready to watch." in text
    html = msg.get_body(("html",)).get_content()
    assert "<strong>Seasons 1–3</strong></p>" in html and "Seasons 1–3 of The Quiet Harbour are ready" in html
    for wrong in ("E00", "E-1", "episode"):
        assert wrong not in msg["Subject"] + text


def test_it_words_one_season_next_to_episodes_of_another(db, make_user, smtp):
    user = make_user("ana")
    deliver(user, tv([{"season": 2, "episode": -1, "title": ""}, {"season": 3, "episode": 1, "title": "Return"}]))
    [msg] = smtp.wait_for(1)
    assert msg["Subject"] == "Ready to watch: The Quiet Harbour Season 2, S03E01"
    text = msg.get_body(("plain",)).get_content()
    assert "The Quiet Harbour (2024), Season 2, S03E01 (1 episode) is ready to watch." in text
    assert "S03E01  Return" in text and "S02E" not in text


def test_it_words_a_film_subject_and_falls_back_to_plex_without_a_watch_link(db, make_user, smtp):
    user = make_user("ana")
    deliver(user, {"media_type": "movie", "title": "Paper Lanterns", "year": 2023, "items": []}, "movie:550")
    [msg] = smtp.wait_for(1)
    assert msg["Subject"] == "Paper Lanterns is ready to watch"
    html = msg.get_body(("html",)).get_content()
    assert 'href="https://app.plex.tv/desktop"' in html and "Open Plex" in html
    assert "Paper Lanterns (2023) is ready to watch on Harbour Server." in msg.get_body(("plain",)).get_content()


def test_it_shortens_a_long_scattered_range_in_the_subject(db, make_user, smtp):
    user = make_user("ana")
    deliver(user, tv([{"season": s, "episode": e} for s in (1, 2, 3) for e in (1, 3, 5, 7)]))
    [msg] = smtp.wait_for(1)
    assert msg["Subject"] == "Ready to watch: The Quiet Harbour, 12 episodes"
    assert "S01E01, E03, E05, E07, S02E01" in msg.get_body(("plain",)).get_content()


def test_it_escapes_titles_and_refuses_unsafe_links(db, make_user, smtp):
    user = make_user("ana")
    evil = '<img src=x onerror=alert(1)> "Harbour" & Co'
    deliver(user, tv([{"season": 1, "episode": 1, "title": "<b>bold</b>"}], title=evil,
                     watch_url="javascript:alert(1)", poster_url="javascript:alert(2)"))
    [msg] = smtp.wait_for(1)
    html = msg.get_body(("html",)).get_content()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "javascript:" not in html
    assert msg["Subject"] == f"Ready to watch: {evil} S01E01"     # a header is text, not HTML


def test_it_adds_one_click_unsubscribe_headers_that_work(db, make_user, smtp, client):
    user = make_user("ana")
    deliver(user, tv([{"season": 1, "episode": 1}]))
    [msg] = smtp.wait_for(1)
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https, mailto = [p.strip().strip("<>") for p in msg["List-Unsubscribe"].split(",")]
    assert https.startswith("https://portal.example.com/notify/unsubscribe/")
    assert mailto == "mailto:portal@example.com?subject=unsubscribe"
    # RFC 8058: a bare POST with that body, no cookie, no CSRF token
    path = https.removeprefix("https://portal.example.com")
    r = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 200
    assert prefs.get(user).email_enabled is False
    assert service.notify_user(user, "media.ready", "tv:2", {"season": 1, "episode": 1}, tv([])) == []


def test_it_asks_before_unsubscribing_on_a_plain_visit(db, make_user, client):
    user = make_user("ana")
    r = client.get(links.unsubscribe_url(user).split("localhost", 1)[1])
    assert r.status_code == 200 and "Stop emails from" in r.get_data(as_text=True)
    assert prefs.get(user).email_enabled is True


def test_it_refuses_a_forged_or_revoked_unsubscribe_link(db, make_user, client):
    user = make_user("ana")
    assert client.post("/notify/unsubscribe/not-a-token").status_code == 404
    page_token = links.make_token(user)                       # right signature, wrong purpose
    assert client.post(f"/notify/unsubscribe/{page_token}").status_code == 404
    assert prefs.get(user).email_enabled is True


def test_it_leaves_admin_alerts_without_unsubscribe_headers(db, smtp, set_settings):
    set_settings(ADMIN_EMAIL="owner@example.com")
    service.queue_admin_alert("Backup failed on Harbour Server (rsync code 23)", "details")
    [msg] = smtp.wait_for(1)
    assert "List-Unsubscribe" not in msg


def test_it_builds_a_message_that_a_renderer_bug_cannot_lose_silently(db, make_user, smtp, monkeypatch):
    from plexportal.notify import render

    user = make_user("ana")
    service.notify_user(user, "media.ready", "tv:1", {"season": 1, "episode": 1}, tv([]))
    monkeypatch.setitem(send.RENDERERS, "media.ready", lambda n: 1 / 0)
    clock.freeze(clock.now() + timedelta(minutes=21))
    send.send_due()
    row = Notification.get()
    assert row.status == "failed" and "ZeroDivisionError" in row.last_error
    monkeypatch.setitem(send.RENDERERS, "media.ready", render.render_media_ready)
    assert service.resend(row.id)
    assert smtp.wait_for(1)[0]["Subject"] == "Ready to watch: The Quiet Harbour S01E01"
