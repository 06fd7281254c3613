"""The dashboard card: requests by state, messages today, what needs attention, last runs."""
from plexportal.health import service
from plexportal.health.models import IssueFix
from plexportal.media.models import MediaRequest
from plexportal.notify.models import Notification


def test_it_shows_attention_items_and_last_runs(admin_web, set_settings, fake_sonarr):
    set_settings(SONARR_URL=fake_sonarr.url, SONARR_API_KEY=fake_sonarr.api_key)
    MediaRequest.create(media_type="movie", tmdb_id=1, title="A", status="approved")
    MediaRequest.create(media_type="movie", tmdb_id=2, title="B", status="available")
    IssueFix.create(seerr_issue_id=4, title="Broken Film", state="review")
    Notification.create(kind="media.ready", destination="x@example.com", status="failed")
    fake_sonarr.fail_next(500, path="/api/v3/queue")
    service.run_monitor("stuck")
    page = admin_web.get("/").get_data(as_text=True)
    assert "Media health" in page
    text = page.replace("<strong>", "").replace("</strong>", "")
    assert "1 message could not be sent" in text            # one thing is not "message(s)"
    assert "1 reported issue needs you" in text
    assert "Stuck downloads</a>: found 0, acted on 0, 1 upstream error(s), retried next run" in page


def test_a_quiet_stack_says_so(admin_web):
    page = admin_web.get("/").get_data(as_text=True)
    assert "nothing needs your attention" in page
