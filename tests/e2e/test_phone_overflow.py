"""Every page at 360 px (the narrowest common phone) and at desktop size: nothing scrolls sideways.

The walk is built from the app's URL map, so a new page is walked as soon as it exists; a page
that needs an id gets one of the rows seeded below (with the long names and addresses real people
have), and a route that is not a page says why in NOT_PAGES."""
from __future__ import annotations

from datetime import date

import pytest

from plexportal.lib import clock
from tests.e2e.inprocess import DESKTOP, save_shot, signed_in_page

pytestmark = pytest.mark.e2e

PHONE_360 = {"width": 360, "height": 740}
LONG_EMAIL = "margaretha.van.der.westhuizen-oppenheimer.family.account@very-long-family-domain.example.com"
LONG_NAME = "Margaretha_van_der_Westhuizen-Oppenheimer_the_family_account"

# Routes that answer something other than a page a person reads, or that only redirect.
NOT_PAGES = {
    "static", "health.healthz", "metrics.prometheus", "ops.download",
    "api_reference.document",
    "auth.oidc_start", "auth.oidc_callback", "auth.plex_check", "auth.plex_return",          # redirects
    "invites.join_pin_check", "invites.join_plex_return", "invites.join_status",             # sign-in steps
    "invites.request_status", "invites.join_unverified",
    "media.inbox_event_status", "media.sync_progress", "media.on_behalf_search",             # htmx fragments
    "decisions.status",
    "notify.test_status", "notify.test_email_status", "notify.attempts", "ops.backup_progress",
    "backups.job_output",
    "auth.second_factor",                                                                    # needs a half sign-in
    "settings.wizard", "settings.wizard_step", "settings.wizard_done",                       # walked in test_wizard_login
}


# Pages that are an explanation with an error status on purpose.
ERROR_PAGES = {"/notify/link-gone"}


def seed(set_settings):
    """One of everything a page can show, with long names where people type them."""
    from plexportal.auth.models import User
    from plexportal.backups.models import BackupRun
    from plexportal.invites import service as invites
    from plexportal.invites.models import Access, Batch
    from plexportal.media.models import Follower, MediaRequest, WebhookEvent
    from plexportal.notify import links
    from plexportal.notify.models import Notification

    set_settings(API_KEY="k" * 32, BASE_URL="http://127.0.0.1", INVITE_CODE="FAMILY2026")
    person = User.create(username=LONG_NAME, email=LONG_EMAIL)
    invite = invites.create_invite({"label": "For " + LONG_NAME, "max_uses": 2})
    access = Access.create(plex_user_id=4242, username=LONG_NAME, email=LONG_EMAIL, title=LONG_NAME,
                           user=person, pending=False)
    batch = Batch.create(filename="family-and-friends-of-the-household-2026.csv",
                         rows=[{"line": 1, "email": LONG_EMAIL, "preset": "", "label": "", "error": ""}])
    event = WebhookEvent.create(source="sonarr", dedup_key="long", event_type="Download", status="processed",
                                outcome="told " + LONG_EMAIL, body='{"eventType": "Download"}')
    request = MediaRequest.create(media_type="tv", tvdb_id=1, title="The Extraordinarily Long-Named Documentary "
                                  "Series About Everything", status="approved", seasons=[1], requested_by=person)
    Follower.create(request=request, user=person, role="requester")
    note = Notification.create(kind="media.ready", user=person, destination=LONG_EMAIL, subject="Ready to watch: "
                               + request.title, status="failed", last_error="550 " + LONG_EMAIL + " mailbox unavailable")
    run = BackupRun.create(key="r1", source="log", day=date(2026, 3, 1), status="partial", exit_code=23,
                           started_at=clock.now(), excerpt="rsync: opendir \"/var/lib/plexmediaserver/Library/"
                           "Application Support/Plex Media Server/Cache/PhotoTranscoder\" failed: Permission denied (13)")
    return {"invite_id": invite.id, "access_id": access.id, "batch_id": batch.id, "event_id": event.id,
            "request_id": request.id, "nid": note.id, "notification_id": note.id, "user_id": person.id,
            "run_id": run.id, "code": invite.code, "token": links.make_token(person), "name": "import-fix"}


def pending_decision_token(user_id: int) -> str:
    from plexportal.media import decisions
    from plexportal.media.models import MediaRequest

    waiting = MediaRequest.create(media_type="movie", tmdb_id=2, seerr_request_id=77, status="pending",
                                  title="A Film Waiting For Approval With A Rather Long Title",
                                  requested_by=user_id)
    link, _ = decisions.make_links(waiting)["approve"]
    return decisions.token_for(link)


def pages(app, ids: dict) -> list[str]:
    from flask import url_for

    out, missing = [], []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.rule.startswith("/api/v1") \
                    or rule.rule.endswith((".ics", ".svg", ".json", ".txt")):      # files, not pages
                continue
            if rule.endpoint == "notify.unsubscribe":
                out.append(rule.rule.replace("<token>", ids["unsubscribe"]))
                continue
            if rule.endpoint == "decisions.confirm":                # a live Approve link of a pending request
                out.append(rule.rule.replace("<token>", ids["decide"]))
                continue
            if not set(rule.arguments) <= set(ids):
                missing.append(rule.rule)
                continue
            out.append(url_for(rule.endpoint, **{a: ids[a] for a in rule.arguments}))
    assert not missing, f"pages the walk cannot reach (seed a row or list them in NOT_PAGES): {missing}"
    return sorted(set(out))


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const culprits = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1) {
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const s = getComputedStyle(p);
        if (s.overflowX !== 'visible' && p.getBoundingClientRect().right <= width + 1) { clipped = true; break; }
      }
      if (!clipped) culprits.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + ' "' + (el.textContent || '').trim().slice(0, 40) + '"');
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 4)};
}"""


@pytest.mark.parametrize("size", ["phone360", "desktop"])
def test_no_page_scrolls_sideways(app, admin, set_settings, browser, serve, size):
    from plexportal.auth.models import User
    from plexportal.notify import links

    ids = seed(set_settings)
    ids["unsubscribe"] = links.make_token(User.get_by_id(ids["user_id"]), links.UNSUBSCRIBE_SALT)
    ids["decide"] = pending_decision_token(ids["user_id"])
    urls = pages(app, ids)
    assert len(urls) >= 40
    base = serve(app)
    page, _ = signed_in_page(browser, base, PHONE_360 if size == "phone360" else DESKTOP)
    wide = {}
    for url in urls:
        response = page.goto(base + url)
        assert response is not None and (response.status < 400 or url in ERROR_PAGES), (url, response.status)
        page.wait_for_load_state("load")
        got = page.evaluate(OVERFLOW)
        if got["scroll"] > got["width"]:
            wide[url] = got
            save_shot(page, f"overflow-{size}-{url.strip('/').replace('/', '_') or 'dashboard'}")
    assert not wide, "pages that scroll sideways:\n" + "\n".join(
        f"{u}: {g['scroll']} px in {g['width']} px: {g['culprits']}" for u, g in wide.items())
    page.goto(base + f"/users/{ids['access_id']}")
    save_shot(page, f"person-page-{size}")
