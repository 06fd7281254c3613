"""A person's own language: chosen on their page, else the browser's on public pages, else the
server's default; every message kind written in every shipped language, nothing left in English,
no raw message id, and English where a catalogue lacks a message."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest

from plexportal import i18n
from plexportal.auth.models import User
from plexportal.health import issue_messages, maintenance, messages
from plexportal.health.monitors import issue_fix, quality
from plexportal.invites import messages as invite_messages
from plexportal.invites import service as invites
from plexportal.lib import clock
from plexportal.media import lifecycle, parsing
from plexportal.media.models import MediaRequest
from plexportal.notify import events, links, prefs, send
from plexportal.notify import service as outbox
from plexportal.notify.models import Notification
from tests.conftest import Browserless
from tests.fakes.seerr_issues import FakeSeerrIssues

SERVER = "Harbour Server"
SHIPPED = ["de", "fr", "es", "nl"]


# -- choosing the language --------------------------------------------------------------------------

@pytest.fixture
def invite(set_settings):
    set_settings(SERVER_NAME=SERVER)
    return invites.create_invite({"max_uses": 2})


def join(client, code, accept=None):
    headers = {"Accept-Language": accept} if accept else {}
    return client.get(f"/join/{code}", headers=headers, follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize("accept, heading, lang", [
    ("de-DE,de;q=0.9,en;q=0.8", "Du bist zu Harbour Server eingeladen", "de"),
    ("fr-CH, fr;q=0.9, en;q=0.8", "Tu es invité sur Harbour Server", "fr"),
    ("ja,es-MX;q=0.7,en;q=0.3", "Estás invitado a Harbour Server", "es"),       # the best shipped match
    ("nl-BE", "Je bent uitgenodigd voor Harbour Server", "nl"),
    ("en-GB,de;q=0.5", "You're invited to Harbour Server", "en"),
])
def test_the_join_page_speaks_the_browsers_language(client, invite, accept, heading, lang):
    page = join(client, invite.code, accept)
    assert heading in page
    assert f'<html lang="{lang}">' in page


def test_a_browser_asking_for_no_shipped_language_gets_the_servers_default(client, invite, set_settings):
    assert "You're invited to Harbour Server" in join(client, invite.code, "ja,zh;q=0.8")
    assert "You're invited to Harbour Server" in join(client, invite.code)
    set_settings(DEFAULT_LANGUAGE="fr")
    page = join(client, invite.code, "ja,zh;q=0.8")
    assert "Tu es invité sur Harbour Server" in page and "You're invited" not in page
    # A browser that asks for a shipped language still gets it.
    assert "Du bist zu Harbour Server eingeladen" in join(client, invite.code, "de")


def test_the_persons_choice_wins_over_the_browser_and_is_saved_from_their_page(client, make_user, set_settings):
    set_settings(SERVER_NAME=SERVER)
    ana = make_user("ana", display_name="Ana")
    path = "/notify/u/" + links.make_token(ana)
    web = Browserless(client)
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    assert "Salut Ana" in web.client.get(path, headers=french).get_data(as_text=True)   # nothing chosen: the browser's
    web.get(path)
    r = web.post(path + "/language", data={"language": "nl"}, htmx=True)
    assert r.status_code == 200 and r.headers["HX-Redirect"] == path
    assert User.get_by_id(ana.id).language == "nl"
    page = web.client.get(path, headers=french).get_data(as_text=True)
    assert "Hoi Ana" in page and "Salut Ana" not in page and '<html lang="nl">' in page
    assert '<option value="nl" lang="nl" selected>Nederlands</option>' in page
    # Their unsubscribe page too.
    unsubscribe = "/notify/unsubscribe/" + links.make_token(ana, links.UNSUBSCRIBE_SALT)
    assert "Geen e-mail meer van Harbour Server?" in web.client.get(unsubscribe, headers=french).get_data(as_text=True)
    # Back to automatic: the browser decides again.
    web.post(path + "/language", data={"language": ""}, htmx=True)
    assert User.get_by_id(ana.id).language == ""
    assert "Salut Ana" in web.client.get(path, headers=french).get_data(as_text=True)


def test_answers_on_the_persons_page_come_in_their_language(client, make_user):
    ana = make_user("ana", language="de")
    path = "/notify/u/" + links.make_token(ana)
    web = Browserless(client)
    web.get(path)
    r = web.post(path + "/channels", data={"url": "not a url"}, htmx=True)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Das sieht nicht nach einer URL aus" in body and "does not look like" not in body
    r = web.post(path + "/email", data={}, htmx=True)
    assert "E-Mail-Einstellungen gespeichert." in r.get_data(as_text=True) + r.headers.get("HX-Trigger", "")


class _PushScript(HTMLParser):
    """The data-say-* attributes of the tag that loads push.js (its live status lines)."""
    def __init__(self):
        super().__init__()
        self.say: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "script" and (found.get("src") or "").endswith("push.js"):
            self.say = {k.removeprefix("data-say-"): v for k, v in found.items() if k.startswith("data-say-")}


def push_lines(page: str) -> dict[str, str]:
    parser = _PushScript()
    parser.feed(page)
    return parser.say


def test_the_push_status_lines_come_in_the_persons_language(client, make_user):
    ana = make_user("ana", language="de")
    page = Browserless(client).get("/notify/u/" + links.make_token(ana)).get_data(as_text=True)
    say = push_lines(page)
    assert say["on"] == "Push ist auf diesem Gerät eingeschaltet."
    assert say["blocked"] == "Benachrichtigungen sind für diese Seite in den Einstellungen deines Browsers blockiert."
    # push.js puts the HTTP status where {status} stands.
    assert say["server"] == "Der Server konnte das nicht tun ({status})."
    assert len(say) == 10 and not any("push messages" in line or "Push is on" in line for line in say.values())
    bob = make_user("bob", language="fr")
    say = push_lines(Browserless(client).get("/notify/u/" + links.make_token(bob)).get_data(as_text=True))
    assert say["off-failed"] == "Les notifications push n’ont pas pu être désactivées."


def test_the_push_answers_come_in_the_persons_language(client, make_user):
    ana = make_user("ana", language="de")
    path = "/notify/u/" + links.make_token(ana)
    web = Browserless(client)
    web.get(path)
    r = web.post(path + "/push/events", data={}, htmx=True)
    assert "Push-Auswahl gespeichert." in r.get_data(as_text=True) + r.headers.get("HX-Trigger", "")
    r = web.post(path + "/push", data={}, htmx=True)        # no subscription in the body
    answer = r.get_data(as_text=True) + r.headers.get("HX-Trigger", "")
    assert r.status_code == 422 and "Push nicht eingeschaltet:" in answer and "Push not turned on" not in answer


def test_the_admins_push_status_lines_stay_english(admin_web):
    page = admin_web.client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    say = push_lines(page)
    assert say["on"] == "Push is on for this device."
    assert say["blocked"] == "Notifications are blocked for this page in the browser's settings."


def test_a_language_that_is_not_shipped_is_refused_and_nothing_changes(client, make_user):
    ana = make_user("ana", language="de")
    path = "/notify/u/" + links.make_token(ana)
    web = Browserless(client)
    web.get(path)
    for bad in ("xx", "de-DE-evil", "<script>", "e" * 300):
        assert web.post(path + "/language", data={"language": bad}, htmx=True).status_code == 400
    assert User.get_by_id(ana.id).language == "de"


def test_an_admin_looking_at_a_persons_page_keeps_the_admin_pages_english(admin_web, make_user):
    ana = make_user("ana", display_name="Ana", language="de")
    page = admin_web.client.get(f"/notify/users/{ana.id}", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "What Ana hears about, and where." in page and '<html lang="en">' in page


# -- every message kind in every language ----------------------------------------------------------

class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")
        for name, value in attrs:
            if name in ("alt", "title") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.parts)


def sentences(text: str) -> list[str]:
    out = []
    for line in text.splitlines():
        out += [s.strip() for s in re.split(r"(?<=[.!?:])\s+", line) if s.strip()]
    return out


def wording(sentence: str, names: list[str]) -> str:
    """What is left of a sentence without names, titles, addresses, episode codes and numbers."""
    for name in sorted(names, key=len, reverse=True):
        sentence = sentence.replace(name, " ")
    sentence = re.sub(r"https?://\S+|\S+@\S+|\bS\d+E\d+\b|\bE\d+\b|\d+", " ", sentence)
    return " ".join(w for w in re.findall(r"[^\W\d_]{2,}", sentence))


def untranslated(english: str, other: str, names: list[str]) -> list[str]:
    """English sentences (with words of their own, not just names) that the other rendering repeats."""
    return [s for s in sentences(english) if len(wording(s, names).split()) >= 2 and s in other]


def raw_ids(text: str) -> list[str]:
    """What must never reach a reader: placeholders, stored message lists, message kind keys."""
    found = re.findall(r"%\(\w+\)[sd]|\['[^']*',|\bmedia\.\w+|\bnotify\.\w+|\binvites\.\w+", text)
    return found


TITLE, SHOW, REASON = "Paper Lanterns", "The Example Show", "We already have it in 4K."


def _seerr_event(event_type, req, reason=""):
    parsed = parsing.Parsed(source="seerr", event_type=event_type, kind=parsing.REQUEST, media_type="movie",
                            title=TITLE, year=2026,
                            request=parsing.SeerrRequest(request_id=req.seerr_request_id, email="", username="",
                                                         avatar="", status="pending", reason=reason))
    return SimpleNamespace(id=abs(hash(event_type)) % 100000, received_at=clock.now()), parsed


def queue_every_kind(person) -> dict[str, list[int]]:
    """One message of every kind a person can receive, queued the way its area queues it."""
    queued: dict[str, list[int]] = {}

    def keep(kind, rows):
        queued.setdefault(kind, []).extend(r.id for r in rows)

    # Ready to watch: a film, whole seasons, and an episode run.
    for group, item, payload in [
        ("m", None, {"title": TITLE, "year": 2026, "media_type": "movie", "overview": "A quiet film.",
                     "watch_url": "https://app.plex.tv/desktop#!/x"}),
        ("s", [{"season": n, "episode": -1} for n in (1, 2, 3)], {"title": SHOW, "media_type": "tv"}),
        ("e", [{"season": 2, "episode": n, "title": f"Chapter {n}"} for n in (1, 2, 3, 4)],
         {"title": SHOW, "media_type": "tv"}),
    ]:
        keep("media.ready", outbox.notify_user(person, "media.ready", f"ready:{group}", item, payload))
    # A request's life, from Seerr's events.
    req = MediaRequest.create(media_type="movie", tmdb_id=5, seerr_request_id=41, status="pending", title=TITLE,
                              year=2026, requested_by=person)
    for event_type, (kind, _, _) in lifecycle.STEPS.items():
        MediaRequest.update(status="pending" if event_type == "MEDIA_PENDING" else "approved").execute()
        event, parsed = _seerr_event(event_type, req, REASON if event_type == "MEDIA_DECLINED" else "")
        assert lifecycle.tell(event, parsed).endswith("queued for " + person.name), event_type
        keep(kind, Notification.select().where(Notification.kind == kind))
    # A reported problem's life, from Seerr's issue webhooks.
    seerr = FakeSeerrIssues()
    issue = seerr.add_issue(9, issue_type=2, season=1, episode=3, reporter={"id": 3, "displayName": person.name,
                                                                           "email": person.email})
    for n, kind in enumerate(issue_messages.KINDS):
        body = seerr.webhook_for(issue, kind, "Which device do you watch on?" if kind == "ISSUE_COMMENT" else "")
        if kind == "ISSUE_COMMENT":
            body["comment"]["commentedBy_username"] = "admin"
            body["comment"]["commentedBy_email"] = "admin@example.com"
        outcome = issue_messages.tell(SimpleNamespace(id=900 + n, received_at=clock.now()), kind, body)
        assert outcome.endswith("queued for " + person.name), (kind, outcome)
        keep(issue_messages.KINDS[kind], Notification.select().where(Notification.kind == issue_messages.KINDS[kind]))
    # Coming soon, waiting for a good copy, fixed: what the monitors queue.
    movie = SimpleNamespace(digital_release=datetime(2026, 5, 20, tzinfo=UTC), physical_release=None,
                            in_cinemas=datetime(2026, 4, 10, tzinfo=UTC))
    said = {
        messages.COMING_SOON: quality.coming_soon_said(TITLE, quality._date_words(movie, date(2026, 1, 1))),
        messages.WAITING_QUALITY: quality.waiting_episodes_said(SHOW, "S01E01, S01E02"),
        messages.ISSUE_FIXED: issue_fix.fixed_said("AUDIO", SHOW + " S01E03"),
    }
    for kind, (subject, text) in said.items():
        keep(kind, outbox.notify_user(person, kind, f"{kind}:1", payload={
            "subject": i18n.english(subject), "text": i18n.english(text), "subject_say": subject, "text_say": text}))
    keep(messages.WAITING_QUALITY, outbox.notify_user(person, messages.WAITING_QUALITY, "wq:film", payload=dict(
        zip(("subject_say", "text_say"), quality.waiting_film_said(TITLE)))))
    # What an invitee gets: welcome (with a person), the answer to a join request and the reminder.
    joined = SimpleNamespace(id=1, email=person.email, plex_username="ana_plex", identifier="ana", state="invited",
                             via="form")
    invite_messages.send_welcome(joined, person)
    invite_messages.send_decision(SimpleNamespace(id=2, email="new@example.com", user=None), approved=True)
    invite_messages.send_decision(SimpleNamespace(id=3, email="other@example.com", user=None), approved=False)
    invite_messages.send_expiry_reminder(SimpleNamespace(id=4, email=person.email, user=person,
                                                         expires_at=datetime(2026, 8, 9, 10, tzinfo=UTC)))
    for kind in invite_messages.KINDS:
        keep(kind, Notification.select().where(Notification.kind == kind))
    # Maintenance notices, tests from the person's page, a new link after "Sign out everywhere".
    window = maintenance.create_window(clock.now() + timedelta(days=2), clock.now() + timedelta(days=2, hours=3),
                                "New disks.")
    for step in ("announce", "remind", "complete", "cancel"):
        maintenance._tell_everyone(window, step)
        keep(f"maintenance.{step}", Notification.select().where(Notification.kind == f"maintenance.{step}"))
    keep("notify.test", [outbox.queue_user_test(person, "email")])
    keep("notify.new_link", [outbox.queue_new_link(person)])
    return queued


def rendered(ids: list[int], language: str, set_settings):
    User.update(language=language).execute()
    set_settings(DEFAULT_LANGUAGE=language)          # what an invitee without an account reads
    out = []
    for nid in ids:
        n = Notification.get_by_id(nid)
        content = send.render(n)
        out.append((content.subject + "\n" + content.text, html_text(content.html) if content.html else "",
                    content.html))
    return out


def test_every_message_kind_is_written_in_every_shipped_language(app, db, make_user, set_settings):
    set_settings(SERVER_NAME=SERVER, BASE_URL="http://127.0.0.1")
    person = make_user("ana", display_name="Ana", email="ana@example.com")
    prefs.set_email_events(person, {e.key: True for e in events.all_events()})
    queued = queue_every_kind(person)
    # Every kind a person can switch on, and every kind written when sent, is covered: a new kind
    # must join this test.
    kinds = {e.key for e in events.all_events()} | set(send.RENDERERS)
    assert set(queued) >= kinds, kinds - set(queued)
    names = [TITLE, SHOW, SERVER, "Ana", "ana@example.com", "ana_plex", "admin", "Chapter", "Plex", "Seerr", REASON,
             "Which device do you watch on?", "A quiet film.", "New disks."]
    for kind, ids in sorted(queued.items()):
        with app.test_request_context():
            english = rendered(ids, "en", set_settings)
        for text, html_words, _ in english:
            assert not raw_ids(text + html_words), (kind, raw_ids(text + html_words))
        for language in SHIPPED:
            with app.test_request_context():
                other = rendered(ids, language, set_settings)
            for (en_text, en_html, _), (text, html_words, html) in zip(english, other):
                assert not raw_ids(text + html_words), (kind, language, raw_ids(text + html_words))
                left = untranslated(en_text, text, names) + untranslated(en_html, html_words, names)
                assert not left, f"{kind} in {language} still says in English: {left}"
                assert text != en_text
                if html:
                    assert f'<html lang="{language}">' in html


def test_ready_to_watch_in_german_reads_naturally_with_counts_and_dates(app, db, make_user, set_settings):
    set_settings(SERVER_NAME=SERVER, BASE_URL="http://127.0.0.1")
    person = make_user("ana", language="de")
    [row] = outbox.notify_user(person, "media.ready", "ready:x",
                               [{"season": 2, "episode": n} for n in (1, 2, 3, 4)], {"title": SHOW, "media_type": "tv"})
    with app.test_request_context():
        content = send.render(Notification.get_by_id(row.id))
    assert content.subject == f"Bereit zum Ansehen: {SHOW} S02E01–E04"
    assert f"Neu auf {SERVER}: {SHOW}, S02E01–E04 (4 Folgen) ist bereit zum Ansehen." in content.text
    assert "Benachrichtigungen verwalten: http://127.0.0.1/notify/u/" in content.text
    movie = SimpleNamespace(digital_release=datetime(2026, 5, 20, tzinfo=UTC), physical_release=None,
                            in_cinemas=None)
    _, text = quality.coming_soon_said(TITLE, quality._date_words(movie, date(2026, 1, 1)))
    with app.test_request_context(), i18n.in_language("de"):
        assert i18n.say(text) == (f"{TITLE} ist noch nicht erschienen und kann deshalb noch nicht heruntergeladen "
                                  "werden. Erwartet: digital am 20. Mai 2026. Sobald du ihn ansehen kannst, bekommst "
                                  "du eine Nachricht.")
    with app.test_request_context(), i18n.in_language("fr"):
        assert "Prévu : en numérique le 20 mai 2026." in i18n.say(text)
    assert i18n.english(text).startswith(f"{TITLE} is not out yet") and "digital 20 May 2026" in i18n.english(text)


def test_plurals_follow_each_languages_rules(app):
    from plexportal.notify.episodes import count_words, format_seasons

    one = [{"season": 1, "episode": 1}]
    two = [{"season": 1, "episode": 1}, {"season": 1, "episode": 2}]
    expected = {"en": ("1 episode", "2 episodes", "Season 2", "Seasons 1 and 2"),
                "de": ("1 Folge", "2 Folgen", "Staffel 2", "Staffeln 1 und 2"),
                "fr": ("1 épisode", "2 épisodes", "Saison 2", "Saisons 1 et 2"),
                "es": ("1 episodio", "2 episodios", "Temporada 2", "Temporadas 1 y 2"),
                "nl": ("1 aflevering", "2 afleveringen", "Seizoen 2", "Seizoenen 1 en 2")}
    for language, words in expected.items():
        with app.test_request_context(), i18n.in_language(language):
            assert (count_words(one), count_words(two), format_seasons([2]), format_seasons([1, 2])) == words
    # Numbers through Babel too: a big count is grouped the language's way.
    many = [{"season": s, "episode": e} for s in range(1, 14) for e in range(1, 100)][:1234]
    grouped = {"en": "1,234 episodes", "de": "1.234 Folgen", "fr": "1\u202f234 épisodes", "nl": "1.234 afleveringen"}
    for language, words in grouped.items():
        with app.test_request_context(), i18n.in_language(language):
            assert count_words(many) == words


# -- missing translations ----------------------------------------------------------------------------

def test_a_message_the_catalogue_lacks_falls_back_to_english_never_to_its_id(app):
    from flask_babel import gettext

    with app.test_request_context(), i18n.in_language("de"):
        assert gettext("A sentence no catalogue has yet.") == "A sentence no catalogue has yet."
        said = i18n.msg("Nobody translated %(name)s yet.", name="Ana")
        assert i18n.say(said) == "Nobody translated Ana yet."
        # A stored value that does not fit its message: the English kept with the row.
        assert i18n.say(["Hello %(name)s", {"other": 1}], "Hello Ana") == "Hello Ana"
        # Rows queued before messages carried their ids keep their English text.
        assert i18n.say(None, "Ready to watch: Paper Lanterns") == "Ready to watch: Paper Lanterns"
        assert i18n.say("not a stored message", "kept") == "kept"


def test_a_translation_whose_placeholders_do_not_match_falls_back_to_english(app, monkeypatch):
    import flask_babel

    # What a catalogue entry with a misspelt placeholder would give ("%(nom)s" for "%(name)s").
    monkeypatch.setattr(flask_babel, "gettext", lambda text, **values: "Hallo %(nom)s" % values)  # noqa: UP031
    with app.test_request_context(), i18n.in_language("de"):
        assert i18n.say(i18n.msg("Hello %(name)s", name="Ana")) == "Hello Ana"


def test_an_unknown_or_broken_language_falls_back_to_the_servers_default(app, set_settings):
    set_settings(DEFAULT_LANGUAGE="es")
    with app.test_request_context():
        assert i18n.language_for(SimpleNamespace(language="xx")) == "es"
        assert i18n.language_for(SimpleNamespace(language="")) == "es"
        assert i18n.language_for(None) == "es"
        assert i18n.language_for(SimpleNamespace(language="nl")) == "nl"
        with i18n.in_language("klingon") as code:
            assert code == "es"


def test_following_a_title_from_the_persons_page_is_answered_in_their_language(client, make_user):
    ana, bo = make_user("ana", language="de"), make_user("bo")
    req = MediaRequest.create(media_type="movie", title="Paper Lanterns", tmdb_id=77, requested_by=bo, status="approved")
    token = links.make_token(ana)
    web = Browserless(client)
    web.get("/notify/u/" + token, headers={"Accept-Language": "en"})

    def follow(action):
        r = web.post(f"/media/follow/{req.id}", data={"action": action, "token": token}, htmx=True)
        assert r.status_code == 200
        return r.get_data(as_text=True) + r.headers.get("HX-Trigger", "")

    said = follow("follow")
    assert "Du erfährst es, sobald Paper Lanterns bereitsteht." in said and "You'll hear" not in said
    assert "Keine Änderung." in follow("follow")
    assert "Du folgst nicht mehr." in follow("unfollow")


def test_the_code_request_form_and_the_offline_page_speak_the_browsers_language(client, set_settings):
    from tests.conftest import csrf_from

    set_settings(SERVER_NAME=SERVER, INVITE_CODE="HARBOUR-2026")
    german = {"Accept-Language": "de-DE,de;q=0.9"}
    form = client.get("/join", headers=german).get_data(as_text=True)
    assert '<html lang="de">' in form and "Frag, ob du Harbour Server beitreten kannst" in form
    assert "Einladungscode" in form and "Ask to join" not in form
    r = client.post("/join", data={"csrf_token": csrf_from(form), "code": "WRONG", "identifier": "ana@example.com"},
                    headers=german)
    assert r.status_code == 422 and "Dieser Einladungscode stimmt nicht." in r.get_data(as_text=True)
    offline = client.get("/notify/offline", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="fr">' in offline and "Tu es hors ligne" in offline and "You're offline" not in offline
    assert "<h1>You're offline</h1>" in client.get("/notify/offline").get_data(as_text=True)
