"""Secrets never reach a log line: token paths, query values, secret headers and Referer URLs."""
from __future__ import annotations

import pytest

from plexportal.lib import redact

M = redact.MARK


@pytest.mark.parametrize("target,logged", [
    ("/backups/ping/abc123", f"/backups/ping/{M}"),
    ("/backups/ping/abc123?status=ok", f"/backups/ping/{M}?status={M}"),
    ("/notify/u/tok/channels?x=1", f"/notify/u/{M}/channels?x={M}"),
    ("/notify/unsubscribe/tok", f"/notify/unsubscribe/{M}"),
    ("/monitors/ical/tok.ics", f"/monitors/ical/{M}.ics"),
    ("/monitors/ical/tok.ics?v=2", f"/monitors/ical/{M}.ics?v={M}"),
    ("/monitors/ical/tok", f"/monitors/ical/{M}"),
    ("/media/webhooks/sonarr?token=s3cret", f"/media/webhooks/sonarr?token={M}"),
    ("/invites", "/invites"),                             # nothing secret: unchanged
    ("/invites?", "/invites?"),
    ("", ""),
])
def test_it_keeps_the_shape_of_an_address_and_drops_its_secrets(target, logged):
    assert redact.request_target(target) == logged


def test_it_keeps_query_names_and_bare_flags_but_no_values():
    assert redact.query("token=a&page=2&flag") == f"token={M}&page={M}&flag"
    assert redact.query("") == ""
    long_name = "n" * 100
    assert redact.query(f"{long_name}=v") == "n" * 40 + f"={M}"     # a huge name cannot flood the log


def test_it_redacts_a_request_line_and_anything_that_is_not_one():
    assert redact.request_line("GET /notify/u/tok?token=x HTTP/1.1") == f"GET /notify/u/{M}?token={M} HTTP/1.1"
    assert redact.request_line("/backups/ping/tok") == f"/backups/ping/{M}"
    assert redact.request_line("") == ""
    assert redact.request_line(None) == ""


def test_it_redacts_whole_urls_such_as_a_referer():
    assert redact.url("https://portal.example.com/notify/u/tok?token=x") == \
        f"https://portal.example.com/notify/u/{M}?token={M}"
    assert redact.url("https://portal.example.com/invites") == "https://portal.example.com/invites"
    assert redact.url("/notify/u/tok") == f"/notify/u/{M}"             # a relative one
    assert redact.url("-") == "-" and redact.url("") == ""
    assert redact.url("http://[::1") == M                              # unreadable: dropped whole


@pytest.mark.parametrize("name", ["Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "X-Plex-Token",
                                  "HTTP_X_API_KEY", "http_cookie", "X-CSRFToken", "X-Emby-Token"])
def test_it_hides_secret_headers_whatever_their_spelling(name):
    assert redact.header(name, "s3cret") == M


def test_it_redacts_url_and_path_headers_and_leaves_others_alone():
    assert redact.header("Referer", "https://x.example/notify/u/tok") == f"https://x.example/notify/u/{M}"
    assert redact.header("HX-Current-URL", "https://x.example/a?token=1") == f"https://x.example/a?token={M}"
    assert redact.header("RAW_URI", "/backups/ping/tok?a=b") == f"/backups/ping/{M}?a={M}"
    assert redact.header("QUERY_STRING", "token=t") == f"token={M}"
    assert redact.header("User-Agent", "curl/8") == "curl/8"
    assert redact.header("Authorization", None) is None
