"""Someone who joins from a page in their own language hears back in it: the person the join page
finds or creates keeps the language their browser asked for (never over one they chose), and the
emails about their request and their welcome are written in it."""
from plexportal.auth.models import User
from plexportal.invites import service
from plexportal.invites.models import Redemption
from tests.conftest import Browserless
from tests.invites.test_provisioning import plex_claimant


def _join(app, invite, accept_language=None):
    """A visitor with their own browser fills in the join form."""
    headers = {"Accept-Language": accept_language} if accept_language else {}
    with app.app_context():
        visitor = Browserless(app.test_client())
        visitor.get(f"/join/{invite.code}", headers=headers)
        r = visitor.post(f"/join/{invite.code}", data={"identifier": "freund@example.com"}, headers=headers)
    assert r.status_code == 303, r.get_data(as_text=True)
    return Redemption.get(Redemption.identifier == "freund@example.com")


def test_a_request_made_in_german_is_answered_in_german(app, logged_in, plex, mail):
    invite = service.create_invite({"requires_approval": True, "max_uses": None})
    redemption = _join(app, invite, "de-DE,de;q=0.9,en;q=0.5")
    assert User.get_by_id(redemption.user_id).language == "de"
    r = logged_in.post(f"/invites/redemptions/{redemption.id}/approve", htmx=True)
    assert "Approved" in r.get_data(as_text=True)                  # the admin's page stays English
    got = {m["To"]: m for m in mail.wait_for(2)}
    answer = got["freund@example.com"]
    assert answer["Subject"] == "Deine Anfrage für Harbour Server wurde angenommen"
    assert "approved" not in answer.get_body(("plain",)).get_content()


def test_a_browser_that_asks_for_no_shipped_language_leaves_the_choice_open(app, plex):
    invite = service.create_invite({"max_uses": None})
    redemption = _join(app, invite, "ja-JP,ja;q=0.9")
    assert User.get_by_id(redemption.user_id).language == ""     # the server's default, as it changes


def test_a_language_the_person_chose_is_kept_whatever_the_browser_asks(app, plex):
    chosen = User.create(username="freund", email="freund@example.com", language="fr")
    invite = service.create_invite({"max_uses": None})
    redemption = _join(app, invite, "de")
    assert redemption.user_id == chosen.id and User.get_by_id(chosen.id).language == "fr"


def test_someone_who_signed_in_with_plex_in_dutch_is_welcomed_in_dutch(db, plex, mail):
    invite = service.create_invite({"libraries": [1002]})
    claimant = plex_claimant()
    claimant.language = "nl"
    r = service.redeem_invite(invite.id, claimant)
    assert Redemption.get_by_id(r.id).state == "active"
    welcome = {m["To"]: m for m in mail.wait_for(2)}["friend@example.com"]
    assert welcome["Subject"] == "Welkom bij Harbour Server"
