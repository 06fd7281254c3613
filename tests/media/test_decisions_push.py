"""A request waiting for approval reaches an admin's phone by push, and a tap opens the request's
page (where Approve and Decline are). Seerr is the fake; the push service is the fake Web Push
service on 127.0.0.1, which verifies and decrypts what it receives."""
import pytest

from plexportal.auth.models import User
from plexportal.media.models import MediaRequest
from plexportal.notify import push, send


@pytest.fixture
def webpush():
    from tests.fakes.webpush import FakeWebPush

    fake = FakeWebPush().start()
    yield fake
    fake.stop()


def test_a_pending_request_reaches_the_admins_push_and_opens_the_request(set_settings, fake_seerr, hooks, admin,
                                                                         webpush):
    set_settings(BASE_URL="https://portal.example.com", SERVER_NAME="Harbour Server",
                 SEERR_URL=fake_seerr.url, SEERR_API_KEY=fake_seerr.api_key, PUSH_PRIVATE_ENDPOINTS="127.0.0.1")
    push.subscribe(User.get_by_id(admin.id), webpush.new_subscription(), admin_alerts=True, device="Phone")
    fake_seerr.add_user(3, "alice", "alice@example.com")
    fake_seerr.add_title("movie", 550123, "Paper Lanterns", 2024)
    row = fake_seerr.add_request(17, "movie", 550123, 3, status=1, media_status=2)

    hooks("seerr", fake_seerr.request_webhook(row, "MEDIA_PENDING"))
    send.send_due()

    req = MediaRequest.get(MediaRequest.seerr_request_id == 17)
    [message] = webpush.messages()
    assert message["title"] == "Waiting for your approval: Paper Lanterns (2024), asked for by alice"
    assert message["url"] == f"https://portal.example.com/media/requests/{req.id}"
    assert webpush.rejected == []
    assert message["body"] == "alice asked for the film Paper Lanterns (2024). It waits for your approval. About Paper Lanterns."
    assert "http" not in message["body"]          # the single-use links stay in the email
