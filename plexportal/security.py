"""Password hashing (argon2id) and secret encryption at rest (MultiFernet, DESIGN law 8)."""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

# argon2id with OWASP's first recommended profile (46 MiB, t=1, p=1): ~0.2 s on a 2-core NAS.
# argon2-cffi's default (64 MiB, t=3, p=4) took ~0.7 s there, and every sign-in attempt, even a
# throttled attacker's, pays it. Hashes made with other parameters are upgraded at the next sign-in.
_hasher = PasswordHasher(time_cost=1, memory_cost=47104, parallelism=1)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def password_problem(password: str) -> str | None:
    """A human reason the password is not acceptable, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    if password.lower() in _COMMON:
        return "That password is too common; pick another."
    return None


_COMMON = {
    "password", "password1", "12345678", "123456789", "1234567890", "qwertyuiop", "iloveyou",
    "11111111", "00000000", "abc12345", "sunshine", "princess", "football", "baseball",
    "welcome1", "trustno1", "letmein1", "passw0rd", "plexplex", "qwerty123", "admin123",
    "administrator", "changeme", "password123",
}


def _fernet_key(secret: str) -> bytes:
    # Derive a Fernet key from an arbitrary-length secret; the salt pins the purpose.
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), b"plexportal-settings-v1", 100_000)
    return base64.urlsafe_b64encode(digest)


class SecretBox:
    """Encrypts with the current key; decrypts with the current or the previous one.

    The keys are derived, and cryptography imported, on first use: a process that never reads a
    secret (a command, most of the worker's tasks) skips both (about 10 MB and two key stretchings)."""

    def __init__(self, current: str, previous: str | None = None):
        self._secrets = (current, previous)
        self._made: MultiFernet | None = None

    @property
    def _multi(self) -> MultiFernet:
        if self._made is None:
            from cryptography.fernet import Fernet, MultiFernet

            current, previous = self._secrets
            keys = [Fernet(_fernet_key(current))]
            if previous:
                keys.append(Fernet(_fernet_key(previous)))
            self._made = MultiFernet(keys)
        return self._made

    def encrypt(self, plaintext: str) -> str:
        return self._multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str | None:
        """The plaintext, or None when no key we hold can read it."""
        from cryptography.fernet import InvalidToken

        try:
            return self._multi.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            return None

    def rotate(self, token: str) -> str:
        return self._multi.rotate(token.encode()).decode()


def mask(value: str | None) -> str:
    """What a page shows for a stored secret: never more than the last 4 characters."""
    if not value:
        return ""
    if len(value) <= 8:
        return "••••••••"
    return "••••••••" + value[-4:]


def constant_time_equals(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return hmac.compare_digest(a.encode(), b.encode())
