"""Sign in with Plex for the join pages: the pin the browser created is kept in the server-side
session (never in a URL), read from plex.tv by the server, and turned into a redemption."""
from __future__ import annotations

from flask import session, url_for

from plexportal import i18n
from plexportal.gateways import plextv
from plexportal.gateways.base import GatewayError
from plexportal.invites import service
from plexportal.invites.models import Invite, Redemption
from plexportal.settings import service as settings

SESSION_KEY = "invites"


def _bag() -> dict:
    return dict(session.get(SESSION_KEY) or {})


def _save(bag: dict) -> None:
    session[SESSION_KEY] = bag
    session.modified = True


def client_id() -> str:
    return plextv.client_identifier()


def remember_pin(code: str, pin_id: int, pin_code: str) -> dict:
    """Keep the pin for this invite; answer the two plex.tv auth URLs (popup and same-tab)."""
    bag = _bag()
    bag["pin"] = {"id": int(pin_id), "invite": code}
    _save(bag)
    forward = url_for("invites.join_plex_return", code=code, _external=True)
    return plextv.auth_urls(settings.get("PLEX_APP_URL"), client_id(), pin_code, forward)


def pin_for(code: str) -> int | None:
    pin = _bag().get("pin") or {}
    return pin.get("id") if pin.get("invite") == code else None


def forget_pin() -> None:
    bag = _bag()
    bag.pop("pin", None)
    _save(bag)


def remember_redemption(key: str, redemption_id: int) -> None:
    bag = _bag()
    mine = dict(bag.get("mine") or {})
    mine[key] = redemption_id
    bag["mine"] = mine
    _save(bag)


def my_redemption(key: str) -> Redemption | None:
    rid = (_bag().get("mine") or {}).get(key)
    return Redemption.get_or_none(Redemption.id == rid) if rid else None


class SignInResult:
    def __init__(self, status: str, redemption: Redemption | None = None):
        self.status = status          # waiting | done | unverified | unavailable | error
        self.redemption = redemption


def check_pin(invite: Invite) -> SignInResult:
    """Has the person approved the pin yet? If so, redeem the invite for their Plex account."""
    pin_id = pin_for(invite.code)
    if pin_id is None:
        return SignInResult("error")
    gw = plextv.from_store(timeout=(3, 8))
    try:
        approved = gw.approved_account(pin_id)
    except GatewayError as err:
        return SignInResult("waiting" if not err.permanent else "error")
    if approved is None:
        return SignInResult("waiting")
    token, account = approved
    forget_pin()
    if account.confirmed is False:
        return SignInResult("unverified")
    who = service.Claimant(account_key=f"plex:{account.id}", identifier=account.email or account.username, via="plex",
                           plex_user_id=account.id, plex_username=account.username, email=account.email,
                           user_token=token, language=i18n.asked_language())
    try:
        redemption = service.redeem_invite(invite.id, who)
    except service.AlreadyRedeemed as err:
        redemption = err.redemption
    except service.NotRedeemable:
        return SignInResult("unavailable")
    remember_redemption(invite.code, redemption.id)
    return SignInResult("done", redemption)
