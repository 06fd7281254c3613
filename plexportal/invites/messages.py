"""Emails to the people invited: welcome, approval decisions, access ending. All through the outbox,
written when sent in the reader's language (the person's, else the server's default): each stores
its subject, paragraphs and button as message ids with their values (plexportal.i18n.msg), and the
English text beside them for the Notifications page."""
from __future__ import annotations

from flask import render_template

from plexportal.i18n import N_, english, joined, moment, msg, say
from plexportal.notify.send import Rendered
from plexportal.notify.service import queue_email
from plexportal.settings import service as settings

APP_LINKS = [(N_("Plex on the web"), "https://app.plex.tv/desktop"),
             (N_("Plex for iPhone and iPad"), "https://apps.apple.com/app/plex/id383457673"),
             (N_("Plex for Android"), "https://play.google.com/store/apps/details?id=com.plexapp.android"),
             (N_("TVs and other devices"), "https://www.plex.tv/apps-devices/")]
KINDS = ("invites.welcome", "invites.decision", "invites.expiring")


def _write(subject: str, paragraphs: list[str], button: tuple[str, str] | None, server: str) -> Rendered:
    html = render_template("invites/email/message.html", subject=subject, paragraphs=paragraphs, button=button,
                           server_name=server)
    return Rendered(subject, as_text(paragraphs, button, server), html)


def _email(to: str, subject: list, paragraphs: list[list], *, kind: str, dedup_key: str, user=None,
           button: tuple[list, str] | None = None, reader=None) -> None:
    """`user`: the person the message is theirs (their preferences apply); `reader`: the person it
    is written for when it is not theirs yet (a decision on their request), for their language."""
    if not to:
        return
    server = settings.get("SERVER_NAME")
    content = _write(english(subject), [english(p) for p in paragraphs],
                     (english(button[0]), button[1]) if button else None, server)
    payload = {"subject_say": subject, "paragraphs_say": paragraphs, "button_say": list(button) if button else None,
               "server": server, "language": getattr(reader or user, "language", "") or ""}
    queue_email(to, content.subject, content.text, content.html, kind=kind, user=user, dedup_key=dedup_key,
                payload=payload)


def render_message(n) -> Rendered:
    """The email in its reader's language (send.render sets it); rows without ids keep their text."""
    payload = n.payload or {}
    paragraphs = payload.get("paragraphs_say")
    if not isinstance(paragraphs, list) or not paragraphs:
        return Rendered(n.subject, n.text_body, n.html_body)
    button = payload.get("button_say")
    button = (say(button[0], "Open Plex"), str(button[1])) if isinstance(button, list) and len(button) == 2 else None
    return _write(say(payload.get("subject_say"), n.subject), [say(p) for p in paragraphs], button,
                  str(payload.get("server") or settings.get("SERVER_NAME")))


def welcome_said(account: str, *, accept_first: bool) -> tuple[list, list[list], tuple[list, str]]:
    """The welcome email as message ids: subject, paragraphs and button."""
    server = settings.get("SERVER_NAME")
    request_url = settings.get("INVITES_REQUEST_URL")
    apps = joined(*(msg(N_("%(name)s: %(url)s"), name=msg(name), url=url) for name, url in APP_LINKS), sep="; ")
    paragraphs = [msg(N_("You're in! %(server)s is now shared with your Plex account (%(account)s)."),
                      server=server, account=account),
                  msg(N_("Open Plex on your TV, phone or computer, sign in with that account and look for "
                         "“%(server)s” in the sidebar. The apps: %(apps)s."), server=server, apps=apps)]
    if accept_first:
        paragraphs.insert(1, msg(N_("Plex has sent you an email to accept the invitation: accept it first.")))
    if request_url:
        paragraphs.append(msg(N_("Missing something? Ask for it at %(url)s and you'll get a message when it is "
                                 "ready."), url=request_url))
    return msg(N_("Welcome to %(server)s"), server=server), paragraphs, (msg(N_("Open Plex")),
                                                                        "https://app.plex.tv/desktop")


def welcome(account: str, *, accept_first: bool) -> tuple[str, list[str], tuple[str, str]]:
    """The welcome email in English: subject, paragraphs and button (the CSV batch's preview)."""
    subject, paragraphs, button = welcome_said(account, accept_first=accept_first)
    return english(subject), [english(p) for p in paragraphs], (english(button[0]), button[1])


def as_text(paragraphs: list[str], button: tuple[str, str] | None = None, server: str | None = None) -> str:
    """The plain-text part exactly as _email writes it."""
    text = "\n\n".join(paragraphs)
    if button:
        text += f"\n\n{button[0]}: {button[1]}"
    return text + f"\n\n— {server if server is not None else settings.get('SERVER_NAME')}"


def send_welcome(redemption, user=None) -> None:
    subject, paragraphs, button = welcome_said(redemption.plex_username or redemption.identifier,
                                               accept_first=redemption.state != "active" and redemption.via != "plex")
    _email(redemption.email, subject, paragraphs, kind="invites.welcome", user=user,
           dedup_key=f"invites.welcome.{redemption.id}", button=button)


def send_decision(redemption, *, approved: bool) -> None:
    server = settings.get("SERVER_NAME")
    if approved:
        subject = msg(N_("Your request to join %(server)s was approved"), server=server)
        paragraphs = [msg(N_("Good news: your request to join %(server)s was approved."), server=server),
                      msg(N_("Plex will share the server with your account in a moment; you'll get a welcome email "
                             "when it's done."))]
    else:
        subject = msg(N_("Your request to join %(server)s"), server=server)
        paragraphs = [msg(N_("Sorry, your request to join %(server)s was not approved."), server=server),
                      msg(N_("If you think this is a mistake, ask the person who sent you the link."))]
    _email(redemption.email, subject, paragraphs, kind="invites.decision",
           dedup_key=f"invites.decision.{redemption.id}", reader=redemption.user)


def send_expiry_reminder(access) -> None:
    server = settings.get("SERVER_NAME")
    _email(access.email, msg(N_("Your access to %(server)s ends soon"), server=server),
           [msg(N_("Your access to %(server)s ends on %(date)s."), server=server,
                date=moment(access.expires_at, "date_time")),
            msg(N_("If you'd like to keep watching, reply to the person who invited you."))],
           kind="invites.expiring", user=access.user,
           dedup_key=f"invites.reminder.{access.id}.{access.expires_at:%Y%m%d%H%M}")
