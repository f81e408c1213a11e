"""Which key the database was made with, and moving it to a new one (rotate-key).

The database keeps the fingerprint of its key (`meta`), never the key. A bot started with
another key stops at once instead of failing every send. A database written before
fingerprints existed has its values bound to their column only and unpadded: the first open
with the right key checks every supporter against it and upgrades them in one transaction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import aiosqlite
from cryptography.exceptions import InvalidTag

from bot.core.crypto import Vault
from bot.storage.database import Database
from bot.storage.inbox import COLUMN as INBOX_COLUMN

_FINGERPRINT = "key_fingerprint"
_WRONG_KEY = (
    "BOT_SECRET_KEY is not the key this database was made with; start the bot with that key, "
    "or move the database to a new key with: python -m bot rotate-key"
)
_WRONG_OLD_KEY = (
    "BOT_SECRET_KEY_OLD is not the key this database was made with; nothing was changed"
)
#: How organizers were recorded before they were keyed like supporters.
_PLAIN_ORGANIZER = re.compile(r"admin:(\d+)")


class KeyMismatch(Exception):
    """The key given is not the one the database was made with (the message says what to do)."""


class AlreadyRotated(Exception):
    """rotate-key found the database already on the new key."""


class RotationFailed(Exception):
    """Some supporters' data opened with neither key; nothing was changed."""

    def __init__(self, unreadable: int) -> None:
        super().__init__(unreadable)
        self.unreadable = unreadable


#: Tables whose rows belong to a supporter and move with their key.
_OWNED = ("actions", "subscriptions", "letter_choices", "outbox")


@dataclass(frozen=True)
class _Row:
    """A supporter's row, opened: the Telegram id (kept only with consent) and the rest."""

    key: str
    user_id: int | None
    name: str | None
    city: str | None
    pending: str | None


async def stored_fingerprint(db: aiosqlite.Connection) -> str | None:
    """The fingerprint of the database's key, or None (new, or written before fingerprints)."""
    rows = await db.execute_fetchall("SELECT value FROM meta WHERE name = ?", (_FINGERPRINT,))
    return next((str(row[0]) for row in rows), None)


async def verify_key(database: Database) -> None:
    """Check that the database was made with `database.vault`; raise KeyMismatch if not.

    A database without a fingerprint is checked supporter by supporter, then upgraded
    (values bound to their owner and padded) and given the fingerprint.
    """
    vault = database.vault
    stored = await stored_fingerprint(database.connection)
    if stored is not None:
        if stored != vault.fingerprint:
            raise KeyMismatch(_WRONG_KEY)
        return
    async with database.transaction() as db:
        rows = list(
            await db.execute_fetchall(
                "SELECT user_key, chat_id, sign_name, sign_city, pending FROM users"
            )
        )
        # A row with nothing sealed (no consent, no signature) cannot tell the key.
        rows = [r for r in rows if any(r[1:])]
        opened = [row for row in (_open_unbound(vault, *r) for r in rows) if row is not None]
        if rows and not opened:
            raise KeyMismatch(_WRONG_KEY)
        if len(opened) < len(rows):
            raise KeyMismatch(
                f"{len(rows) - len(opened)} of {len(rows)} supporters in the database were "
                "sealed with another key (the bot once ran with two keys): set "
                "BOT_SECRET_KEY_OLD to the other key and run: python -m bot rotate-key"
            )
        for row in opened:
            await _write_row(db, vault, row, row.key)
        await _move_organizers(db, None, vault, {}, bound=False)
        await _set_fingerprint(db, vault)
    await database.scrub()


async def rotate(database: Database, old: Vault, new: Vault, organizers: Iterable[int]) -> int:
    """Move every supporter and organizer record from `old` to `new`; how many supporters.

    One transaction: if anything fails, nothing changed and it can be run again. Supporters
    already under `new` (the bot ran with it before the rotation, possible only for databases
    from before fingerprints) are kept, and merged with their rows under `old`.
    """
    stored = await stored_fingerprint(database.connection)
    if stored == new.fingerprint:
        raise AlreadyRotated()
    if stored is not None and stored != old.fingerprint:
        raise KeyMismatch(_WRONG_OLD_KEY)
    bound = stored is not None
    async with database.transaction() as db:
        # Parent and child keys change in one transaction: check references at commit.
        await db.execute("PRAGMA defer_foreign_keys = ON")
        rows = list(
            await db.execute_fetchall(
                "SELECT user_key, chat_id, sign_name, sign_city, pending FROM users ORDER BY rowid"
            )
        )
        under_old: list[_Row] = []
        under_new: list[_Row] = []
        unreadable = 0
        for raw in rows:
            row = _open_bound(old, *raw) if bound else _open_unbound(old, *raw)
            if row is not None:
                under_old.append(row)
            elif not bound and (row := _open_unbound(new, *raw)) is not None:
                under_new.append(row)
            else:
                unreadable += 1
        if rows and not under_old and not bound and any(any(raw[1:]) for raw in rows):
            raise KeyMismatch(_WRONG_OLD_KEY)
        if unreadable:
            raise RotationFailed(unreadable)
        for row in under_new:
            await _write_row(db, new, row, row.key)
        existing = {row.key for row in under_new}
        keys: dict[str, str] = {}
        moved = 0
        for row in under_old:
            if row.user_id is None:
                # No chat id was kept (the supporter never agreed to be messaged), and the
                # key is a one-way hash: the row cannot follow the new key. It goes; the
                # anonymous counts stay, and the supporter starts afresh next time.
                await db.execute("DELETE FROM users WHERE user_key = ?", (row.key,))
                continue
            moved += 1
            new_key = new.user_key(row.user_id)
            keys[row.key] = new_key
            if new_key in existing:
                await _merge(db, row.key, new_key)
            else:
                await _write_row(db, new, row, row.key, new_key)
                for table in _OWNED:
                    await db.execute(
                        f"UPDATE {table} SET user_key = ? WHERE user_key = ?", (new_key, row.key)
                    )
        keys |= {old.user_key(user_id): new.user_key(user_id) for user_id in organizers}
        await _move_organizers(db, old, new, keys, bound=bound)
        await _move_inbox(db, old, new)
        await _set_fingerprint(db, new)
    await database.scrub()
    return moved


def _open_unbound(
    vault: Vault,
    key: str,
    chat: str | None,
    name: str | None,
    city: str | None,
    pending: str | None,
) -> _Row | None:
    """A row sealed before values were bound to their owner, if `vault` opens it as its own."""
    try:
        user_id = None if chat is None else int(vault.open_unbound(chat, "chat_id"))
        if user_id is not None and vault.user_key(user_id) != key:
            return None
        return _Row(
            key,
            user_id,
            None if name is None else vault.open_unbound(name, "sign_name"),
            None if city is None else vault.open_unbound(city, "sign_city"),
            None if pending is None else vault.open_unbound(pending, "pending"),
        )
    except (InvalidTag, ValueError):
        return None


def _open_bound(
    vault: Vault,
    key: str,
    chat: str | None,
    name: str | None,
    city: str | None,
    pending: str | None,
) -> _Row | None:
    """A row as the bot seals them now, if `vault` opens it."""
    try:
        chat_id = vault.open_optional(chat, "chat_id", key)
        return _Row(
            key,
            None if chat_id is None else int(chat_id),
            vault.open_optional(name, "sign_name", key),
            vault.open_optional(city, "sign_city", key),
            vault.open_optional(pending, "pending", key),
        )
    except (InvalidTag, ValueError):
        return None


async def _write_row(
    db: aiosqlite.Connection, vault: Vault, row: _Row, key: str, new_key: str | None = None
) -> None:
    """Seal the row's values with `vault` for its (new) key."""
    owner = new_key or key
    await db.execute(
        "UPDATE users SET user_key = ?, chat_id = ?, sign_name = ?, sign_city = ?, pending = ?"
        " WHERE user_key = ?",
        (
            owner,
            None if row.user_id is None else vault.seal(str(row.user_id), "chat_id", owner),
            vault.seal_optional(row.name, "sign_name", owner),
            vault.seal_optional(row.city, "sign_city", owner),
            vault.seal_optional(row.pending, "pending", owner),
            key,
        ),
    )


async def _merge(db: aiosqlite.Connection, old_key: str, new_key: str) -> None:
    """Give the supporter's rows under the old key to their row under the new one.

    The new row's settings are the newer ones and stay. Moving actions is an UPDATE, which
    the counting trigger (on INSERT) does not see: the totals do not change.
    """
    for table in _OWNED:
        await db.execute(
            f"UPDATE OR IGNORE {table} SET user_key = ? WHERE user_key = ?", (new_key, old_key)
        )
    for table in ("actions", "subscriptions", "letter_choices"):
        await db.execute(f"DELETE FROM {table} WHERE user_key = ?", (old_key,))
    await db.execute("UPDATE outbox SET user_key = NULL WHERE user_key = ?", (old_key,))
    await db.execute("DELETE FROM users WHERE user_key = ?", (old_key,))


async def _move_organizers(
    db: aiosqlite.Connection,
    old: Vault | None,
    new: Vault,
    keys: dict[str, str],
    *,
    bound: bool,
) -> None:
    """Re-key who created each delivery and re-seal where its progress is shown.

    Before fingerprints, organizers were stored as 'admin:<Telegram id>' and the progress
    target as plain JSON; both are now keyed and sealed like a supporter's data.
    """
    rows = await db.execute_fetchall(
        "SELECT id, created_by, report_to FROM deliveries"
        " WHERE created_by IS NOT NULL OR report_to IS NOT NULL"
    )
    for delivery_id, created_by, report_to in rows:
        owner: str | None = None
        target: str | None = None
        if bound:
            owner = keys.get(created_by) if created_by else None
            if owner is not None and report_to is not None and old is not None:
                try:
                    target = old.open(report_to, "report_to", created_by)
                except (InvalidTag, ValueError):
                    target = None
        else:
            plain = _PLAIN_ORGANIZER.fullmatch(created_by or "")
            owner = new.user_key(int(plain.group(1))) if plain else None
            target = report_to if owner is not None and _is_json(report_to) else None
        await db.execute(
            "UPDATE deliveries SET created_by = ?, report_to = ? WHERE id = ?",
            (owner, new.seal_optional(target, "report_to", owner) if owner else None, delivery_id),
        )


async def _move_inbox(db: aiosqlite.Connection, old: Vault, new: Vault) -> None:
    """Re-seal the updates a stopped bot left unhandled; one that does not open is dropped.

    The inbox is newer than fingerprints, so its values are always bound to their update id.
    """
    rows = await db.execute_fetchall("SELECT update_id, payload FROM inbox")
    for update_id, payload in rows:
        owner = str(update_id)
        try:
            raw = old.open(payload, INBOX_COLUMN, owner)
        except (InvalidTag, ValueError):
            await db.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))
            continue
        await db.execute(
            "UPDATE inbox SET payload = ? WHERE update_id = ?",
            (new.seal(raw, INBOX_COLUMN, owner), update_id),
        )


def _is_json(text: str | None) -> bool:
    try:
        return text is not None and isinstance(json.loads(text), dict)
    except ValueError:
        return False


async def _set_fingerprint(db: aiosqlite.Connection, vault: Vault) -> None:
    await db.execute(
        "INSERT INTO meta (name, value) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (_FINGERPRINT, vault.fingerprint),
    )
