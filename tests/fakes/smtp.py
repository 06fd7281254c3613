"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, parsed back into
email.message objects. `stop()`/`start()` on the same port simulate an outage."""
from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, box: SmtpServer):
        self.box = box

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.box.mail_reply:
            return self.box.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        box = self.box
        with box.lock:
            box.rcpt_log.append(address)
            refusal = box.refuse.get(address.lower())
            triple = (envelope.mail_from, address.lower())
            if refusal is None and box.greylist:
                seen = box.greylisted.get(triple, 0)
                if seen < box.greylist:          # postgrey: the first tries of a new triple are deferred
                    box.greylisted[triple] = seen + 1
                    refusal = f"450 4.7.1 <{address}>: Recipient address rejected: Greylisted, see " \
                              "http://postgrey.schweikert.ch/help/example.com.html"
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.box.delay:
            await asyncio.sleep(self.box.delay)     # a slow server: keeps a sender mid-batch
        if self.box.reject_with:
            return self.box.reject_with
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        with self.box.lock:
            self.box.messages.append(msg)
            self.box.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        if self.box.stall_after_store:
            # Stored, but the reply to the end of DATA comes late (a server scanning the message).
            await asyncio.sleep(self.box.stall_after_store)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int | None = None, *, tls_context=None, ssl_context=None):
        self.port = port or free_port()
        self.tls_context = tls_context        # offer STARTTLS with this server context
        self.ssl_context = ssl_context        # implicit TLS (port 465 style)
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.connections = 0
        self.reject_with: str | None = None          # reply to the end of DATA instead of 250
        self.mail_reply: str | None = None           # reply to MAIL FROM instead of 250 (e.g. "451 4.3.0 …")
        self.refuse: dict[str, str] = {}             # recipient → reply to its RCPT (e.g. "550 5.1.1 …")
        self.greylist = 0                            # defer each new (sender, recipient) this many times
        self.greylisted: dict[tuple, int] = {}
        self.rcpt_log: list[str] = []                # every RCPT the server was sent
        self.delay = 0.0
        self.stall_after_store = 0.0                 # seconds between storing a message and saying 250
        self.lock = threading.Lock()
        self.controller: Controller | None = None

    def start(self) -> SmtpServer:
        box = self

        class Counting(Controller):
            def factory(self):
                server = super().factory()
                original = server.connection_made

                def made(transport):
                    with box.lock:
                        box.connections += 1
                    return original(transport)
                server.connection_made = made
                return server

        extra = {}
        if self.tls_context is not None:
            extra["tls_context"] = self.tls_context
        if self.ssl_context is not None:
            extra["ssl_context"] = self.ssl_context
        self.controller = Counting(_Handler(self), hostname="127.0.0.1", port=self.port, **extra)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 10.0) -> list:
        import time

        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")
