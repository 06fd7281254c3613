"""Show older on the Requests and Webhooks pages: every row appears exactly once across the pages,
with the filters kept."""
from __future__ import annotations

import re

from plexportal.media.models import MediaRequest, WebhookEvent
from plexportal.media.pages import PAGE_SIZE


def walk(web, url: str, pattern: str) -> list[str]:
    """Every match of `pattern` on the first page and each page behind Show older."""
    seen = []
    page = web.get(url).get_data(as_text=True)
    while True:
        seen += re.findall(pattern, page)
        more = re.search(r'hx-get="([^"]+)"[^>]*>Show older', page)
        if not more:
            return seen
        page = web.client.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(as_text=True)


def test_every_request_is_listed_once_across_the_pages(logged_in):
    total = PAGE_SIZE * 2 + 3
    for i in range(total):
        MediaRequest.create(media_type="movie", tmdb_id=1000 + i, title=f"Film {i:03d}", status="approved")
    MediaRequest.create(media_type="tv", tvdb_id=5, title="Show 000", status="approved")
    titles = walk(logged_in, "/media/requests?type=movie", r"<strong>(Film \d{3})</strong>")
    assert sorted(titles) == [f"Film {i:03d}" for i in range(total)]
    assert len(titles) == len(set(titles))


def test_every_webhook_is_listed_once_across_the_pages(logged_in):
    total = PAGE_SIZE + 7
    for i in range(total):
        WebhookEvent.create(source="sonarr", dedup_key=f"k{i}", body="{}", event_type=f"Event{i:03d}",
                            status="processed")
    WebhookEvent.create(source="radarr", dedup_key="r", body="{}", event_type="Event999", status="processed")
    kinds = walk(logged_in, "/media/inbox?source=sonarr", r"<code>(Event\d{3})</code>")
    assert sorted(kinds) == [f"Event{i:03d}" for i in range(total)]
