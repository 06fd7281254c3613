"""Languages: which one a page or a message is written in, and Babel's formatting in it.

Public pages (the join page and its status pages, a person's own page, unsubscribe and decision
pages, the sign-in page) speak the person's saved language when the page knows who they are (`use_person()`), else
the browser's best `Accept-Language` match among the shipped languages, else the DEFAULT_LANGUAGE
setting. Admin pages stay English for now (their strings go through the same gettext calls).
Messages are rendered inside `in_language(language_for(user))`: the person's language, else the
server's default. A message id a catalogue lacks falls back to the English text (gettext's rule).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask import current_app, has_request_context, request
from flask_babel import force_locale, get_locale, to_user_timezone

# The shipped languages, in the order the person's page lists them, each named in itself.
LANGUAGES = {"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "nl": "Nederlands"}
FALLBACK = "en"


def supported(code: str | None) -> str | None:
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def server_default() -> str:
    from plexportal.settings import service as settings

    try:
        return supported(settings.get("DEFAULT_LANGUAGE")) or FALLBACK
    except Exception:  # noqa: BLE001 - the error page must render even when the database is down
        return FALLBACK


def language_for(user, hint: object = None) -> str:
    """The language of a message to `user` (None: an address without a person): theirs, else the
    `hint` the message carries (the language of the person it was written for), else the server's."""
    return (supported(getattr(user, "language", None)) or supported(hint if isinstance(hint, str) else None)
            or server_default())


# Kept on the request (not on g, which may outlive it): whose page this is.
_PERSON, _ADMIN = "plexportal.person_language", "plexportal.admin_page"


def use_person(user) -> None:
    """This request's page is about `user` (their own page, their unsubscribe link): their saved
    language wins over the browser's."""
    request.environ[_PERSON] = supported(getattr(user, "language", None))
    _refresh()


def use_admin() -> None:
    """A signed-in admin looks at a person's page: the admin's pages stay English."""
    request.environ[_ADMIN] = True
    _refresh()


def _refresh() -> None:
    from flask_babel import refresh

    refresh()


def _public_view() -> bool:
    if request.endpoint is None:
        # No page at this address (a mistyped link): its error page speaks the visitor's
        # language, an admin's stays English like their other pages.
        from flask_login import current_user

        return not (current_user.is_authenticated and current_user.is_admin)
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(view, "is_public", False))


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context():
        return server_default()
    if request.environ.get(_ADMIN) or not _public_view():
        return FALLBACK
    person = request.environ.get(_PERSON)
    if person:
        return person
    return browser_language() or server_default()


def browser_language() -> str | None:
    """The shipped language the browser prefers most, by its primary tag ("es-MX" is Spanish),
    in the Accept-Language order of preference."""
    for value, quality in request.accept_languages:     # werkzeug sorts them, most wanted first
        code = supported(value)
        if code and quality > 0:
            return code
    return None


def asked_language() -> str:
    """What the browser of this request asked for, if a shipped language ("" outside a request)."""
    from flask import has_request_context

    return (browser_language() or "") if has_request_context() else ""


@contextmanager
def in_language(code: str | None) -> Iterator[str]:
    """Render a message in `code` (a shipped language; anything else: the server's default)."""
    code = supported(code) or server_default()
    with force_locale(code):
        yield code


def current() -> str:
    locale = get_locale()
    return str(locale.language) if locale else FALLBACK


def _babel_locale() -> str:
    """The current language for Babel's formats; English is written the British way ("20 May 2026")."""
    code = current()
    return "en_GB" if code == "en" else code


def date_text(value: date | datetime | None, fmt: str = "long") -> str:
    """A date in the current language ("20 May 2026", "20. Mai 2026"); a datetime is read in the
    configured time zone first."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value).date()
    return babel_dates.format_date(value, fmt, locale=_babel_locale())


def datetime_text(value: datetime | None, fmt: str = "medium") -> str:
    """A moment in the current language and the configured time zone: "day" ("Mi., 9. Dez."),
    "day_time" ("Mi., 9. Dez., 12:46"), or a Babel format ("medium", "EEE d MMM")."""
    if value is None:
        return ""
    zone, locale = babel_dates.get_timezone(timezone_name()), _babel_locale()
    if fmt == "date_time":
        return (f"{babel_dates.format_date(to_user_timezone(value), 'long', locale=locale)}, "
                f"{babel_dates.format_time(value, 'short', tzinfo=zone, locale=locale)}")
    if fmt in ("day", "day_time"):
        day = babel_dates.format_skeleton("MMMEd", value, tzinfo=zone, locale=locale)
        if fmt == "day":
            return day
        return f"{day}, {babel_dates.format_time(value, 'short', tzinfo=zone, locale=locale)}"
    return babel_dates.format_datetime(value, fmt, tzinfo=zone, locale=locale)


def number_text(value) -> str:
    return babel_numbers.format_decimal(value, locale=_babel_locale())


def timezone_name() -> str:
    from plexportal.settings import service as settings

    try:
        return settings.get("TIMEZONE") or "UTC"
    except Exception:  # noqa: BLE001 - formatting must work when the database is down
        return "UTC"


def install(app) -> None:
    from plexportal.extensions import babel

    app.config.setdefault("BABEL_DEFAULT_LOCALE", FALLBACK)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=timezone_name)
    app.jinja_env.globals.update(languages=LANGUAGES, current_language=current)
    app.jinja_env.filters.update(date_text=date_text, datetime_text=datetime_text, number=number_text)


# -- messages decided now, written later ---------------------------------------------------------
# A message queued now is rendered when it is sent, in its reader's language: the area stores the
# English sentence's message id and its values (`msg("Your request for %(name)s was declined.",
# name=…)`) and the renderer translates it then (`say`). A value may itself be such a pair (a
# word that needs translating too).

def N_(text: str) -> str:
    """Mark `text` for the catalogue without translating it now (pybabel's -k N_)."""
    return text


def msg(text: str, **values) -> list:
    return [text, values]


class Refused(ValueError):
    """A refusal worded for a page: str() is the English sentence (logs, the CLI), `say` its
    message id and values, which said() writes in the page's language."""

    def __init__(self, text: str, **values) -> None:
        self.say = msg(text, **values)
        super().__init__(english(self.say))


def said(err: Exception) -> str:
    """A Refused in the current language; any other error as it reads."""
    return say(getattr(err, "say", None), str(err))


def day(value: date) -> dict:
    """A date among a msg()'s values: written in the reader's language ("1. Dezember 2026")."""
    return {"date": value.isoformat()}


def moment(value: datetime, style: str = "day_time") -> dict:
    """A moment among a msg()'s values, in the reader's language and the configured time zone:
    "day_time" ("Sa., 14. März, 22:00") or "date_time" ("14. März 2026, 22:00")."""
    return {"at": value.isoformat(), "style": style}


def joined(*parts, sep: str = ", ") -> dict:
    """Several msg() values as one, separated by commas ("digital 1 May, in cinemas 3 April")."""
    return {"join": list(parts), "sep": sep}


def _value(value, write) -> object:
    if isinstance(value, list):
        return write(value)
    if isinstance(value, dict) and isinstance(value.get("join"), list):
        return str(value.get("sep") or ", ").join(str(_value(v, write)) for v in value["join"])
    if isinstance(value, dict) and isinstance(value.get("at"), str):
        try:
            at = datetime.fromisoformat(value["at"])
        except ValueError:
            return value["at"]
        style = "date_time" if value.get("style") == "date_time" else "day_time"
        if write is english:
            from plexportal.lib import fmt

            return fmt.zoned(at) if style == "date_time" else fmt.localtime(at, "%a %d %b, %H:%M %Z")
        return datetime_text(at, style)
    if isinstance(value, dict) and isinstance(value.get("date"), str):
        try:
            when = date.fromisoformat(value["date"])
        except ValueError:
            return value["date"]
        return date_text(when) if write is not english else f"{when:%-d %B %Y}"
    return value


def say(value, fallback: str = "") -> str:
    """A stored msg() in the current language; anything else: `fallback` (rows queued before)."""
    from flask_babel import gettext

    if not (isinstance(value, list) and value and isinstance(value[0], str)):
        return fallback
    values = value[1] if len(value) > 1 and isinstance(value[1], dict) else {}
    values = {k: _value(v, say) for k, v in values.items()}
    try:
        return gettext(value[0], **values) if values else gettext(value[0])
    except (KeyError, ValueError, TypeError):     # a translation whose placeholders do not match
        return fallback or english(value)


def english(value) -> str:
    """A stored msg() in English, without a catalogue (the admin's outbox, logs)."""
    if not (isinstance(value, list) and value and isinstance(value[0], str)):
        return str(value or "")
    values = value[1] if len(value) > 1 and isinstance(value[1], dict) else {}
    values = {k: _value(v, english) for k, v in values.items()}
    try:
        return value[0] % values if values else value[0]
    except (KeyError, ValueError, TypeError):
        return value[0]
