"""Emails to the people invited: welcome, approval decisions, access ending. All through the outbox."""
from __future__ import annotations

from flask import render_template

from plexportal.lib import fmt
from plexportal.notify.service import queue_email
from plexportal.settings import service as settings

APP_LINKS = [("Plex on the web", "https://app.plex.tv/desktop"),
             ("Plex for iPhone and iPad", "https://apps.apple.com/app/plex/id383457673"),
             ("Plex for Android", "https://play.google.com/store/apps/details?id=com.plexapp.android"),
             ("TVs and other devices", "https://www.plex.tv/apps-devices/")]


def _email(to: str, subject: str, paragraphs: list[str], *, kind: str, dedup_key: str, user=None,
           button: tuple[str, str] | None = None) -> None:
    if not to:
        return
    html = render_template("invites/email/message.html", subject=subject, paragraphs=paragraphs, button=button,
                           server_name=settings.get("SERVER_NAME"))
    queue_email(to, subject, as_text(paragraphs, button), html, kind=kind, user=user, dedup_key=dedup_key)


def welcome(account: str, *, accept_first: bool) -> tuple[str, list[str], tuple[str, str]]:
    """The welcome email: subject, paragraphs and button (for sending, and for the CSV batch's preview)."""
    server = settings.get("SERVER_NAME")
    request_url = settings.get("INVITES_REQUEST_URL")
    paragraphs = [(f"You're in! {server} is now shared with your Plex account ({account})."),
                  "Open Plex on your TV, phone or computer, sign in with that account and look for "
                  f"“{server}” in the sidebar. The apps: " + "; ".join(f"{n}: {u}" for n, u in APP_LINKS) + "."]
    if accept_first:
        paragraphs.insert(1, "Plex has sent you an email to accept the invitation: accept it first.")
    if request_url:
        paragraphs.append(f"Missing something? Ask for it at {request_url} and you'll get a message when it is ready.")
    return f"Welcome to {server}", paragraphs, ("Open Plex", "https://app.plex.tv/desktop")


def as_text(paragraphs: list[str], button: tuple[str, str] | None = None) -> str:
    """The plain-text part exactly as _email writes it."""
    text = "\n\n".join(paragraphs)
    if button:
        text += f"\n\n{button[0]}: {button[1]}"
    return text + f"\n\n— {settings.get('SERVER_NAME')}"


def send_welcome(redemption, user=None) -> None:
    subject, paragraphs, button = welcome(redemption.plex_username or redemption.identifier,
                                          accept_first=redemption.state != "active" and redemption.via != "plex")
    _email(redemption.email, subject, paragraphs, kind="invites.welcome", user=user,
           dedup_key=f"invites.welcome.{redemption.id}", button=button)


def send_decision(redemption, *, approved: bool) -> None:
    server = settings.get("SERVER_NAME")
    if approved:
        subject = f"Your request to join {server} was approved"
        paragraphs = [f"Good news: your request to join {server} was approved.",
                      "Plex will share the server with your account in a moment; you'll get a welcome email when it's done."]
    else:
        subject = f"Your request to join {server}"
        paragraphs = [f"Sorry, your request to join {server} was not approved.",
                      "If you think this is a mistake, ask the person who sent you the link."]
    _email(redemption.email, subject, paragraphs, kind="invites.decision",
           dedup_key=f"invites.decision.{redemption.id}")


def send_expiry_reminder(access) -> None:
    server = settings.get("SERVER_NAME")
    _email(access.email, f"Your access to {server} ends soon",
           [f"Your access to {server} ends on {fmt.zoned(access.expires_at)}.",
            "If you'd like to keep watching, reply to the person who invited you."],
           kind="invites.expiring", user=access.user,
           dedup_key=f"invites.reminder.{access.id}.{access.expires_at:%Y%m%d%H%M}")
