"""Timed access on a fresh install: when it runs out the Plex share stays and the Health page lists
"end their share" with Do it; a Do it that no longer applies (extended meanwhile) says so and
sends nothing to plex.tv."""
from __future__ import annotations

from datetime import timedelta

import pytest

from plexportal.health import service
from plexportal.health.models import HealthAction
from plexportal.invites import access
from plexportal.invites.models import Access
from plexportal.lib import clock
from plexportal.settings import service as settings
from plexportal.settings.models import Setting
from tests.invites.test_access import joined


@pytest.fixture
def ended(db, plex):                                            
    Setting.delete().where(Setting.key == "ACCESS_EXPIRY_MODE").execute()     # as a fresh install has it
    settings.invalidate()
    a = joined(plex, days=1)
    clock.freeze(a.expires_at + timedelta(minutes=5))
    return a


def share_calls(plex) -> list:                                  
    return [c for c in plex.calls if c.method != "GET"]


def test_timed_access_that_ran_out_is_listed_and_the_share_stays(ended, plex): 
    assert settings.get("ACCESS_EXPIRY_MODE") == "report"
    assert access.expire_due()["expired"] == 0
    service.run_due()
    service.run_due()
    assert share_calls(plex) == [] and Access.get_by_id(ended.id).status == "active"
    [suggestion] = service.suggestions()
    assert suggestion.subject == "friend" and suggestion.details["would"].startswith("end friend's Plex share")


def test_do_it_ends_that_share_on_plex_tv(ended, plex, logged_in):             
    service.run_due()
    page = logged_in.get("/monitors/").get_data(as_text=True)
    assert "no Plex share is ended by the clock" in page
    [suggestion] = service.suggestions()
    body = logged_in.post(f"/monitors/suggestions/{suggestion.id}/do", htmx=True).get_data(as_text=True)
    assert "Done: ended friend&#39;s Plex share" in body
    assert [(c.method, c.path) for c in share_calls(plex)] == [("DELETE", "/api/v2/sharings/42")]
    assert Access.get_by_id(ended.id).status == "expired" and service.suggestions() == []


def test_do_it_after_the_access_was_extended_says_so_and_sends_nothing(ended, plex, logged_in):
    service.run_due()
    [suggestion] = service.suggestions()
    access.extend(Access.get_by_id(ended.id), 30)
    body = logged_in.post(f"/monitors/suggestions/{suggestion.id}/do", htmx=True).get_data(as_text=True)
    assert "no longer due to end" in body and "nothing was done" in body
    assert share_calls(plex) == [] and Access.get_by_id(ended.id).status == "active"
    assert HealthAction.get_by_id(suggestion.id).status == "stale"


def test_an_extended_access_is_no_longer_offered(ended, plex):                 
    service.run_due()
    access.extend(Access.get_by_id(ended.id), 30)
    service.run_due()
    assert service.suggestions() == []


def test_do_it_when_plex_tv_fails_keeps_it_listed(ended, plex, logged_in):     
    service.run_due()
    [suggestion] = service.suggestions()
    plex.fail_next(500, path="/api/v2/sharings/42", times=3)
    body = logged_in.post(f"/monitors/suggestions/{suggestion.id}/do", htmx=True).get_data(as_text=True)
    assert "plex.tv did not take the change" in body and "still has access" in body
    assert Access.get_by_id(ended.id).status == "active" and len(service.suggestions()) == 1


def test_switching_timed_access_to_automatic_ends_it_on_time(ended, plex, logged_in):
    logged_in.post("/monitors/suggestions/automatic", data={"setting": "ACCESS_EXPIRY_MODE"}, htmx=True)
    assert settings.get("ACCESS_EXPIRY_MODE") == "auto"
    assert access.expire_due()["expired"] == 1 and Access.get_by_id(ended.id).status == "expired"
