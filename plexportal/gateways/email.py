"""SMTP through smtplib: one connection for a batch of messages, SMTP_SECURITY honoured."""
from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from plexportal.gateways.base import CheckResult, GatewayError

SERVICE = "SMTP server"


@dataclass
class SmtpSettings:
    host: str
    port: int
    user: str = ""
    password: str = ""
    security: str = "starttls"      # none | starttls | tls
    sender: str = ""
    timeout: float = 15.0


def settings_from_store() -> SmtpSettings:
    from plexportal.settings import service as settings

    return SmtpSettings(host=settings.get("SMTP_HOST"), port=settings.get_int("SMTP_PORT"),
                        user=settings.get("SMTP_USER"), password=settings.get("SMTP_PASSWORD"),
                        security=settings.get("SMTP_SECURITY"), sender=settings.get("SMTP_FROM"))


def _translate(err: Exception) -> GatewayError:
    if isinstance(err, GatewayError):
        return err
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return GatewayError("The SMTP server rejected the user name or password.", permanent=True)
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return GatewayError("The SMTP server refused the recipient address.", permanent=True)
    if isinstance(err, smtplib.SMTPSenderRefused):
        return GatewayError("The SMTP server refused the From address.", permanent=True)
    if isinstance(err, smtplib.SMTPNotSupportedError):
        return GatewayError("The SMTP server does not support that security mode; try another.", permanent=True)
    if isinstance(err, ssl.SSLCertVerificationError):
        return GatewayError("The SMTP server's TLS certificate is not trusted (self-signed, expired or for "
                            "another host name); use the server's real name or a trusted certificate.",
                            permanent=True)
    if isinstance(err, ssl.SSLError):
        return GatewayError("TLS failed: check the port and the connection security setting.", permanent=True)
    if isinstance(err, socket.timeout | TimeoutError) or (
            isinstance(err, smtplib.SMTPServerDisconnected) and "timed out" in str(err)):
        return GatewayError("The SMTP server did not answer in time.")
    if isinstance(err, ConnectionRefusedError):
        return GatewayError("The SMTP server refused the connection: check host and port.")
    if isinstance(err, socket.gaierror):
        return GatewayError("The SMTP host name could not be found.", permanent=True)
    if isinstance(err, smtplib.SMTPResponseException):
        permanent = 500 <= err.smtp_code < 600
        return GatewayError(f"The SMTP server answered {err.smtp_code}.", permanent=permanent)
    if isinstance(err, smtplib.SMTPException | OSError):
        return GatewayError(f"Could not talk to the SMTP server ({type(err).__name__}).")
    return GatewayError("Unexpected SMTP error.")


class SmtpConnection:
    """`with SmtpConnection(settings) as conn: conn.send(msg)` — one login, many messages."""

    def __init__(self, settings: SmtpSettings):
        if not settings.host:
            raise GatewayError("Email is not configured (no SMTP host): set it in Settings → Email.")
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self):
        s = self.settings
        try:
            if s.security == "tls":
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                             context=ssl.create_default_context())
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            self.smtp.ehlo()
            if s.security == "starttls":
                self.smtp.starttls(context=ssl.create_default_context())
                self.smtp.ehlo()
            if s.user:
                self.smtp.login(s.user, s.password or "")
        except Exception as err:  # noqa: BLE001
            self._abort()
            raise _translate(err) from None
        return self

    def send(self, message: EmailMessage) -> None:
        if "From" not in message:
            message["From"] = self.settings.sender
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPServerDisconnected as err:
            self._abort()
            raise _translate(err) from None
        except Exception as err:  # noqa: BLE001
            raise _translate(err) from None

    def _abort(self):
        if self.smtp is not None:
            try:
                self.smtp.close()
            except Exception:  # noqa: BLE001  # nosec B110 # closing a broken connection: nothing left to do
                pass
            self.smtp = None

    def __exit__(self, *exc):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except Exception:  # noqa: BLE001
                self._abort()
        return False


def check(settings: SmtpSettings) -> CheckResult:
    settings.timeout = 5.0
    try:
        with SmtpConnection(settings):
            pass
    except GatewayError as err:
        return CheckResult(False, err.message)
    auth = " and signed in" if settings.user else ""
    return CheckResult(True, f"Connected to {settings.host}:{settings.port}{auth}.")
