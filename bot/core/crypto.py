"""Supporters' identities at rest: keyed hashes for lookup, authenticated encryption for reading.

If the database file leaks or is seized, it must not reveal who wrote to the President:
users are keyed by HMAC(secret, Telegram id), and what must be read back (the chat id to send
a reminder, the name and city to sign a letter) is sealed with AES-GCM. The secret comes from
settings and is never written to the database; only its fingerprint is, to tell a wrong key.

A sealed value is bound to its owner and its column (the associated data), so that someone
who can write the database but has no key cannot move a victim's sealed name into their own
row and have the bot read it to them. Before sealing, a value is padded to one of a few fixed
sizes, so that the length of a sealed name or city does not tell how long the name is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12
#: Padded plaintext sizes: a chat id, any name or city; long typed text; anything longer
#: grows in steps of the last size.
PADDED_SIZES: Final = (64, 256, 1024)
#: Every column the bot seals (the associated data names one of them).
SEALED_COLUMNS: Final = ("chat_id", "sign_name", "sign_city", "pending", "report_to", "inbox")


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret)


def _pad(data: bytes) -> bytes:
    """ISO/IEC 7816-4 padding (0x80, then zeros) up to the next fixed size."""
    size = next((s for s in PADDED_SIZES if len(data) < s), None)
    if size is None:
        step = PADDED_SIZES[-1]
        size = (len(data) // step + 1) * step
    return data + b"\x80" + b"\x00" * (size - len(data) - 1)


def _unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise ValueError("sealed value is not padded")
    return stripped[:-1]


class Vault:
    """Keys derived from BOT_SECRET_KEY: one for user keys, one for sealing data, a fingerprint."""

    def __init__(self, secret: str) -> None:
        raw = secret.encode()
        self._hmac_key = _derive(raw, b"ua-bot user key v1")
        self._aead = AESGCM(_derive(raw, b"ua-bot data key v1"))
        #: Tells whether a database was made with this key; reveals nothing of the key.
        self.fingerprint = _derive(raw, b"ua-bot key fingerprint v1").hex()

    def user_key(self, user_id: int) -> str:
        """A stable pseudonym for a Telegram user: useless without the secret."""
        return hmac.new(self._hmac_key, str(user_id).encode(), hashlib.sha256).hexdigest()

    def seal(self, text: str, column: str, owner: str) -> str:
        """Encrypt `text`, padded, bound to its `column` and its `owner` (a user key)."""
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, _pad(text.encode()), _bound(column, owner))
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str, column: str, owner: str) -> str:
        """Decrypt what `seal` made; InvalidTag for a wrong key, owner, column or tampering."""
        data = base64.urlsafe_b64decode(token.encode())
        return _unpad(
            self._aead.decrypt(data[:_NONCE], data[_NONCE:], _bound(column, owner))
        ).decode()

    def seal_optional(self, text: str | None, column: str, owner: str) -> str | None:
        """`seal`, passing None through (an unset name or city)."""
        return None if text is None else self.seal(text, column, owner)

    def open_optional(self, token: str | None, column: str, owner: str) -> str | None:
        """`open`, passing None through."""
        return None if token is None else self.open(token, column, owner)

    def open_unbound(self, token: str, column: str) -> str:
        """Decrypt a value sealed before values were bound to owners and padded (upgrades)."""
        data = base64.urlsafe_b64decode(token.encode())
        return self._aead.decrypt(data[:_NONCE], data[_NONCE:], column.encode()).decode()


def _bound(column: str, owner: str) -> bytes:
    """The associated data: which row's which column the value belongs to."""
    return f"{owner}\x1f{column}".encode()


def generate_secret() -> str:
    """A new random secret (256 bits, URL-safe text): BOT_SECRET_KEY or BOT_WEBHOOK_SECRET."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
