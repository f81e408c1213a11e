"""The storage layer: every SQL statement of the bot lives in this package.

May import: `bot.content` (languages, signatures), `bot.core` (clock, crypto).

Supporters' identities (Telegram ids, names, cities) are read and written only here, so that
protecting them at rest is a change to this package alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bot.core.crypto import Vault
from bot.storage.audiences import Audiences
from bot.storage.authoring import Authoring
from bot.storage.database import Database
from bot.storage.inbox import Inbox, Kept
from bot.storage.keys import AlreadyRotated, KeyMismatch, RotationFailed, rotate, verify_key
from bot.storage.outbox import Outbox
from bot.storage.stats import Stats
from bot.storage.supporters import (
    ActionRecord,
    Pending,
    PendingStep,
    StoredData,
    Supporter,
    Supporters,
)
from bot.storage.updates import HandledUpdates

__all__ = [
    "ActionRecord",
    "AlreadyRotated",
    "Inbox",
    "Kept",
    "KeyMismatch",
    "Pending",
    "PendingStep",
    "RotationFailed",
    "Storage",
    "StoredData",
    "Supporter",
]


class Storage(Supporters):
    """The bot's database: one connection, and the query groups built on it."""

    def __init__(self, database: Database) -> None:
        super().__init__(database)
        self.audiences = Audiences(database)
        self.authoring = Authoring(database)
        self.stats = Stats(database)
        self.outbox = Outbox(database)
        self.handled_updates = HandledUpdates(database)
        self.inbox = Inbox(database)

    @classmethod
    async def open(cls, path: Path, vault: Vault, *, check_key: bool = True) -> Storage:
        """Open the database file and migrate it; `vault` protects identities in it.

        Raises KeyMismatch if the database was made with another key (`check_key=False`
        only for rotate-key, which checks the keys itself).
        """
        database = await Database.open(path, vault)
        if check_key:
            try:
                await verify_key(database)
            except BaseException:
                await database.close()
                raise
        return cls(database)

    async def close(self) -> None:
        """Close the database."""
        await self._database.close()

    async def rotate_key(self, old: Vault, new: Vault, organizers: Iterable[int] = ()) -> int:
        """Move every record from `old` to `new` in one transaction; how many supporters.

        Raises AlreadyRotated, KeyMismatch (a wrong `old`) or RotationFailed; after any of
        them nothing has changed. Close and reopen with `new` afterwards.
        """
        return await rotate(self._database, old, new, organizers)

    async def schema_version(self) -> int:
        """The highest migration applied."""
        return await self._database.schema_version()
