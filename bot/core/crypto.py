"""Supporters' identities at rest: keyed hashes for lookup, authenticated encryption for reading.

If the database file leaks or is seized, it must not reveal who wrote to the President:
users are keyed by HMAC(secret, Telegram id), and what must be read back (the chat id to send
a reminder, the name and city to sign a letter) is sealed with AES-GCM. The secret comes from
settings and is never written to the database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


class Vault:
    """Keys derived from BOT_SECRET_KEY: one for user keys, one for sealing data."""

    def __init__(self, secret: str) -> None:
        raw = secret.encode()
        self._hmac_key = _derive(raw, b"ua-bot user key v1")
        self._aead = AESGCM(_derive(raw, b"ua-bot data key v1"))

    def user_key(self, user_id: int) -> str:
        """A stable pseudonym for a Telegram user: useless without the secret."""
        return hmac.new(self._hmac_key, str(user_id).encode(), hashlib.sha256).hexdigest()

    def seal(self, text: str, purpose: str) -> str:
        """Encrypt `text`; `purpose` binds it to its column, so values cannot be swapped."""
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, text.encode(), purpose.encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str, purpose: str) -> str:
        """Decrypt what `seal` made; raises InvalidTag for a wrong key or a tampered value."""
        data = base64.urlsafe_b64decode(token.encode())
        return self._aead.decrypt(data[:_NONCE], data[_NONCE:], purpose.encode()).decode()

    def seal_optional(self, text: str | None, purpose: str) -> str | None:
        """`seal`, passing None through (an unset name or city)."""
        return None if text is None else self.seal(text, purpose)

    def open_optional(self, token: str | None, purpose: str) -> str | None:
        """`open`, passing None through."""
        return None if token is None else self.open(token, purpose)


def generate_secret() -> str:
    """A new BOT_SECRET_KEY (256 bits, URL-safe text)."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
