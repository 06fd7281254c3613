"""A doorbell between processes on one host: whoever adds work rings, whoever waits for work wakes
at once instead of polling.

Each waiting process binds a Unix datagram socket in a shared directory (the data dir, so the web
and the worker meet there even in two containers sharing the volume); ringing sends one byte to
every socket found there. Nothing depends on a ring arriving: a waiter never waits longer than
the timeout it is given, so a lost ring (a full buffer, a process that cannot write to the
directory) costs at most that timeout. A socket whose process has died refuses the ring and is
removed by the ringer.
"""
from __future__ import annotations

import atexit
import errno
import logging
import os
import select
import socket
import threading
from pathlib import Path

log = logging.getLogger(__name__)

_SUN_PATH_MAX = 100                      # sockaddr_un holds 108 bytes; keep a margin


class Doorbell:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._listener: socket.socket | None = None
        self._name = ""
        self._lock = threading.Lock()
        self._dirfd: int | None = None
        self._sender: socket.socket | None = None
        self._disabled = False

    # -- paths ------------------------------------------------------------------------------------

    def _address(self, name: str) -> str:
        """The socket's path, short enough for sockaddr_un even under a long data dir (through
        an open descriptor of the directory)."""
        full = str(self.directory / name)
        if len(full.encode()) <= _SUN_PATH_MAX:
            return full
        if self._dirfd is None:
            self._dirfd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        return f"/proc/self/fd/{self._dirfd}/{name}"

    # -- waiting side -------------------------------------------------------------------------------

    def _listen(self) -> socket.socket | None:
        if self._listener is not None or self._disabled:
            return self._listener
        with self._lock:
            if self._listener is not None or self._disabled:
                return self._listener
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                name = f"{socket.gethostname()[:40]}-{os.getpid()}.sock"
                address = self._address(name)
                try:
                    os.unlink(address)            # left by an earlier process with our pid: dead
                except FileNotFoundError:
                    pass
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                sock.bind(address)
                sock.setblocking(False)
            except OSError as err:
                # Waiting still works, on the timeout alone.
                log.warning("queue wake-up socket unavailable in %s (%s); polling instead", self.directory, err)
                self._disabled = True
                return None
            self._name = name
            self._listener = sock
            atexit.register(self.close)
            return sock

    def wait(self, timeout: float) -> bool:
        """Sleep until a ring or `timeout` seconds. True when rung."""
        sock = self._listen()
        if sock is None:
            threading.Event().wait(min(timeout, 0.1))
            return False
        try:
            ready, _, _ = select.select([sock], [], [], max(timeout, 0))
        except (OSError, ValueError):
            return False
        rung = False
        while True:                               # one wake-up for every ring so far
            try:
                sock.recv(64)
                rung = True
            except (BlockingIOError, InterruptedError):
                return rung or bool(ready)
            except OSError:
                return rung

    def close(self) -> None:
        with self._lock:
            if self._listener is not None:
                try:
                    self._listener.close()
                    os.unlink(self._address(self._name))
                except OSError:
                    pass
                self._listener = None

    # -- ringing side -------------------------------------------------------------------------------

    def ring(self) -> None:
        """Wake every waiting process (never raises, never blocks)."""
        try:
            names = [e.name for e in os.scandir(self.directory) if e.name.endswith(".sock")]
        except OSError:
            return                               # nobody has ever waited here
        if not names:
            return
        if self._sender is None:
            sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sender.setblocking(False)
            self._sender = sender
        for name in names:
            address = self._address(name)
            try:
                self._sender.sendto(b"!", address)
            except (BlockingIOError, InterruptedError):
                pass                              # its buffer is full of rings: it is awake anyway
            except OSError as err:
                if err.errno in (errno.ECONNREFUSED, errno.ENOENT) and name != self._name:
                    try:
                        os.unlink(address)       # nobody listens: a process that died
                    except OSError:
                        pass
