"""SMTP through smtplib: one connection for a batch of messages, SMTP_SECURITY honoured."""
from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import TYPE_CHECKING, Literal, Self

from plexportal.gateways.base import CheckResult, GatewayError

if TYPE_CHECKING:
    from typing_extensions import Buffer

SERVICE = "SMTP server"


@dataclass
class SmtpSettings:
    host: str
    port: int
    user: str = ""
    password: str = ""
    security: str = "starttls"      # none | starttls | tls
    sender: str = ""
    timeout: float = 60.0           # TCP connect and the server's greeting
    # RFC 5321 §4.5.3.2: a client waits at least 5 minutes for a command reply and 10 for the reply
    # to the end of DATA (the server may be scanning the message). Waiting less is how a slow
    # server that stores the message ends up receiving it again.
    command_timeout: float = 300.0
    data_timeout: float = 600.0


class TransportDown(GatewayError):
    """The mail server cannot be reached or talked to (refused, timed out, closed, 421, TLS or
    sign-in trouble). Not the message's fault: sending pauses and no message spends an attempt."""


class DeliveryUncertain(GatewayError):
    """The message was handed over but the reply to the end of DATA never came: the server may
    have stored it. Retrying at once would likely deliver it twice."""


def settings_from_store() -> SmtpSettings:
    from plexportal.settings import service as settings

    return SmtpSettings(host=settings.get("SMTP_HOST"), port=settings.get_int("SMTP_PORT"),
                        user=settings.get("SMTP_USER"), password=settings.get("SMTP_PASSWORD"),
                        security=settings.get("SMTP_SECURITY"), sender=settings.get("SMTP_FROM"),
                        command_timeout=float(settings.get_int("SMTP_TIMEOUT")),
                        data_timeout=float(settings.get_int("SMTP_DATA_TIMEOUT")))


def _code_text(code: int, what: str) -> str:
    if code == -1:
        return f"The SMTP server answered {what} with something that is not SMTP."
    return f"The SMTP server answered {code} to {what}."


def _by_code(code: int, message: str) -> GatewayError:
    """A reply to one message: 4xx try again later, 5xx never for this recipient, 421 the server
    is closing (its problem), anything unreadable temporary."""
    if code == 421:
        return TransportDown(message + " (it is closing the connection)")
    return GatewayError(message, permanent=500 <= code < 600)


def _translate(err: Exception, phase: str = "") -> GatewayError:
    """Any failure of an SMTP step as a GatewayError: one message refused (retry or not), the
    session unusable (TransportDown), or a reply lost after DATA (DeliveryUncertain)."""
    if isinstance(err, GatewayError):
        return err
    return _refusal(err) or _session_refusal(err) or _transport_failure(err, phase)


def _refusal(err: Exception) -> GatewayError | None:
    """The server refused one message: its recipient, its sender or its content."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return _recipient_refused(err)
    if isinstance(err, smtplib.SMTPSenderRefused):
        if 400 <= err.smtp_code < 500 and err.smtp_code != 421:
            return GatewayError(f"The SMTP server deferred the From address ({err.smtp_code}); will try again.")
        return _by_code(err.smtp_code, _code_text(err.smtp_code, "the From address"))
    if isinstance(err, smtplib.SMTPDataError):
        return _by_code(err.smtp_code, _code_text(err.smtp_code, "the message"))
    return None


def _recipient_refused(err: smtplib.SMTPRecipientsRefused) -> GatewayError:
    codes = [code for code, _ in err.recipients.values()] or [-1]
    worst = min(codes)            # one recipient per message; a 4xx anywhere means "later"
    if worst == 421:
        return TransportDown("The SMTP server closed the connection (421) at the recipient.")
    if 400 <= worst < 500:
        return GatewayError(f"The SMTP server deferred the recipient ({worst}, e.g. greylisting); "
                            "will try again.")
    if 500 <= worst < 600:
        return GatewayError(f"The SMTP server refused the recipient address ({worst}).", permanent=True)
    return GatewayError(_code_text(worst, "the recipient"))


def _session_refusal(err: Exception) -> GatewayError | None:
    """The server will not have us as configured: credentials, security mode, certificate."""
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return TransportDown("The SMTP server rejected the user name or password.", permanent=True)
    if isinstance(err, smtplib.SMTPNotSupportedError):
        return TransportDown("The SMTP server does not support that security mode; try another.", permanent=True)
    if isinstance(err, ssl.SSLCertVerificationError):
        return TransportDown("The SMTP server's TLS certificate is not trusted (self-signed, expired or for "
                             "another host name); use the server's real name or a trusted certificate.",
                             permanent=True)
    if isinstance(err, ssl.SSLError):
        return TransportDown("TLS failed: check the port and the connection security setting.", permanent=True)
    return None


def _transport_failure(err: Exception, phase: str) -> GatewayError:
    """The connection failed: not there, too slow, closed, or gone after the message was sent."""
    timed_out = isinstance(err, socket.timeout | TimeoutError) or (
        isinstance(err, smtplib.SMTPServerDisconnected) and "timed out" in str(err))
    if phase == "data-end" and (timed_out or isinstance(err, smtplib.SMTPServerDisconnected | OSError)):
        return DeliveryUncertain("The message was sent but the SMTP server did not confirm it "
                                 "(no reply to the end of DATA): it may have been delivered.")
    if timed_out:
        return TransportDown("The SMTP server did not answer in time.")
    if isinstance(err, ConnectionRefusedError):
        return TransportDown("The SMTP server refused the connection: check host and port.")
    if isinstance(err, socket.gaierror):
        return TransportDown("The SMTP host name could not be found.", permanent=True)
    if isinstance(err, smtplib.SMTPConnectError):
        return TransportDown(_code_text(err.smtp_code, "the connection") + " Is it busy or refusing us?")
    if isinstance(err, smtplib.SMTPServerDisconnected):
        return TransportDown("The SMTP server closed the connection.")
    if isinstance(err, smtplib.SMTPResponseException):
        if phase == "connect" or err.smtp_code == 421:
            return TransportDown(_code_text(err.smtp_code, "the greeting or EHLO"))
        return _by_code(err.smtp_code, _code_text(err.smtp_code, "a command"))
    if isinstance(err, smtplib.SMTPException | OSError):
        return TransportDown(f"Could not talk to the SMTP server ({type(err).__name__}).")
    return GatewayError("Unexpected SMTP error.")


class _Phased(smtplib.SMTP):
    """smtplib with RFC 5321 timeouts per step, and knowing when it waits for the reply to the end
    of DATA (the only wait after which the server may already have the message)."""
    command_timeout = 300.0
    data_timeout = 600.0
    phase = "connect"
    _data_replies = 0

    def data(self, msg: Buffer | str) -> tuple[int, bytes]:
        self.phase, self._data_replies = "data", 0
        result = super().data(msg)          # on an exception the phase stays where it failed
        self.phase = "command"
        if self.sock is not None:
            self.sock.settimeout(self.command_timeout)
        return result

    def getreply(self) -> tuple[int, bytes]:
        if self.phase == "data":
            self._data_replies += 1
            if self._data_replies == 2:          # the first was 354, this one answers the message
                self.phase = "data-end"
                if self.sock is not None:
                    self.sock.settimeout(self.data_timeout)
        return super().getreply()


class _SMTP(_Phased):
    pass


class _SMTP_SSL(_Phased, smtplib.SMTP_SSL):
    pass


class SmtpConnection:
    """`with SmtpConnection(settings) as conn: conn.send(msg)` — one login, many messages.
    Raises TransportDown when the server cannot be used at all, GatewayError (permanent or not)
    for one message's refusal, DeliveryUncertain after a lost reply to the end of DATA."""

    def __init__(self, settings: SmtpSettings):
        if not settings.host:
            raise GatewayError("Email is not configured (no SMTP host): set it in Settings → Email.", permanent=True)
        self.settings = settings
        self.smtp: _Phased | None = None

    def __enter__(self) -> Self:
        s = self.settings
        try:
            smtp: _Phased = (_SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
                             if s.security == "tls" else _SMTP(s.host, s.port, timeout=s.timeout))
            self.smtp = smtp
            smtp.command_timeout, smtp.data_timeout = s.command_timeout, s.data_timeout
            if smtp.sock is not None:
                smtp.sock.settimeout(min(s.timeout, s.command_timeout))
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password or "")
            if smtp.sock is not None:
                smtp.sock.settimeout(s.command_timeout)
            smtp.phase = "command"
        except Exception as err:  # noqa: BLE001
            self._abort()
            raise _translate(err, "connect") from None
        return self

    def send(self, message: EmailMessage) -> None:
        if "From" not in message:
            message["From"] = self.settings.sender
        if self.smtp is None:
            raise TransportDown("The connection to the SMTP server was lost.")
        self.smtp.phase = "command"
        try:
            self.smtp.send_message(message)
        except Exception as err:  # noqa: BLE001
            error = _translate(err, self.smtp.phase if self.smtp is not None else "")
            if isinstance(error, TransportDown | DeliveryUncertain):
                self._abort()         # the session is in an unknown state: never reuse it
            elif self.smtp is not None:
                self.smtp.phase = "command"
            raise error from None

    def _abort(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            except Exception:  # noqa: BLE001  # nosec B110 # closing a broken connection: nothing left to do
                pass
            self.smtp = None

    def __exit__(self, *exc: object) -> Literal[False]:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:  # noqa: BLE001
                self._abort()
        return False


def check(settings: SmtpSettings) -> CheckResult:
    settings.timeout = settings.command_timeout = 5.0
    try:
        with SmtpConnection(settings):
            pass
    except GatewayError as err:
        return CheckResult(False, err.message)
    auth = " and signed in" if settings.user else ""
    return CheckResult(True, f"Connected to {settings.host}:{settings.port}{auth}.")


def send_test(settings: SmtpSettings, to: str, subject: str, text: str) -> CheckResult:
    """Connect with these settings and send one real message to `to` (the wizard's Email test)."""
    settings.timeout = settings.command_timeout = settings.data_timeout = 10.0
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = subject
    message.set_content(text)
    try:
        with SmtpConnection(settings) as connection:
            connection.send(message)
    except GatewayError as err:
        return CheckResult(False, err.message)
    return CheckResult(True, f"Sent a test message to {to} through {settings.host}:{settings.port}: check its inbox.")
