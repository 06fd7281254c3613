"""Sealing the key file with a passphrase: scrypt derives a key, AES-GCM encrypts and authenticates,
so a wrong passphrase and a tampered file are both refused. cryptography is imported when a key file
is sealed or opened, not by every process that loads the ops area."""
from __future__ import annotations

import base64
import json
import os

# ~64 MiB and a fraction of a second per try: slow to guess, quick for the one person who knows it.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 16, 8, 1


class WrongPassphrase(Exception):
    pass


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def seal(secret: bytes, passphrase: str) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    sealed = AESGCM(key).encrypt(nonce, secret, b"plexportal secret.key")
    b64 = lambda b: base64.b64encode(b).decode() 
    return json.dumps({"kdf": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": b64(salt),
                       "cipher": "aes-256-gcm", "nonce": b64(nonce), "data": b64(sealed)}, indent=1).encode()


def open_sealed(blob: bytes, passphrase: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        doc = json.loads(blob)
        salt, nonce, data = (base64.b64decode(doc[k]) for k in ("salt", "nonce", "data"))
        n, r, p = int(doc["n"]), int(doc["r"]), int(doc["p"])
        if doc.get("kdf") != "scrypt" or doc.get("cipher") != "aes-256-gcm" or n > 2 ** 20 or r > 16 or p > 4:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise WrongPassphrase("The sealed key file in the archive is damaged.") from None
    try:
        return AESGCM(_derive(passphrase, salt, n, r, p)).decrypt(nonce, data, b"plexportal secret.key")
    except InvalidTag:
        raise WrongPassphrase("The passphrase is wrong: the key file in the archive could not be decrypted.") from None
