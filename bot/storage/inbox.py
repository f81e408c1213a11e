"""The inbox: each update Telegram sent, sealed, from before it is confirmed until it is handled.

Telegram forgets an update as soon as the bot confirms it (polling: the next getUpdates'
offset; webhook: the 200), and both happen before the update is handled.  So each update is
written here first; `HandledUpdates.mark_many` deletes it in the transaction that records it
as handled; and at start-up the ones still here (a process was killed while handling them)
are handed back.  The raw update holds the sender's id, names and typed text: it is sealed,
bound to its update id, and its row is deleted (secure_delete) as soon as it is done.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag

from bot.storage.database import Database

log = logging.getLogger(__name__)

#: The sealed column's name (the associated data of every payload).
COLUMN = "inbox"


@dataclass(frozen=True)
class Kept:
    """What start-up found in the inbox: updates to handle again, and ones given up."""

    updates: list[tuple[int, str]] = field(default_factory=list)  # (update id, raw JSON)
    given_up: list[int] = field(default_factory=list)  # taken by too many processes
    unreadable: list[int] = field(default_factory=list)  # would not open with the key


class Inbox:
    """Updates received and not yet handled."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._vault = database.vault
        self._write = database.write

    async def keep(self, updates: Sequence[tuple[int, str]]) -> None:
        """Store updates (id, raw JSON) in one statement, sealed; returns once committed.

        An update kept already (a webhook retry, a re-delivery) keeps its row; one handled
        already (Telegram sending it again after a crash) is not stored again.
        """
        if not updates:
            return
        rows = [
            [int(update_id), self._vault.seal(raw, COLUMN, str(int(update_id)))]
            for update_id, raw in updates
        ]
        await self._write(
            "INSERT INTO inbox (update_id, payload, starts)"
            " SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), 1"
            " FROM json_each(?)"
            " WHERE json_extract(value, '$[0]') NOT IN (SELECT update_id FROM handled_updates)"
            " ON CONFLICT (update_id) DO NOTHING",
            (json.dumps(rows),),
        )

    async def take_over(self, max_starts: int) -> Kept:
        """At start-up: the updates a previous process left, in update id order.

        Each counts one more start; one that `max_starts` processes took already (it may be
        what killed them) is deleted and reported as given up, as is one that does not open.
        """
        async with self._database.transaction() as db:
            given_up = [
                int(row[0])
                for row in await db.execute_fetchall(
                    "SELECT update_id FROM inbox WHERE starts >= ?", (max_starts,)
                )
            ]
            await db.execute("DELETE FROM inbox WHERE starts >= ?", (max_starts,))
            await db.execute("UPDATE inbox SET starts = starts + 1")
            rows = await db.execute_fetchall("SELECT update_id, payload FROM inbox")
            updates: list[tuple[int, str]] = []
            unreadable: list[int] = []
            for update_id, payload in rows:
                try:
                    raw = self._vault.open(payload, COLUMN, str(update_id))
                except (InvalidTag, ValueError):
                    unreadable.append(int(update_id))
                else:
                    updates.append((int(update_id), raw))
            if unreadable:
                await db.execute(
                    "DELETE FROM inbox WHERE update_id IN (SELECT value FROM json_each(?))",
                    (json.dumps(unreadable),),
                )
        updates.sort()
        return Kept(updates, sorted(given_up), sorted(unreadable))

    async def size(self) -> int:
        """How many updates are kept (received and not yet handled)."""
        rows = await self._database.connection.execute_fetchall("SELECT count(*) FROM inbox")
        return int(next(iter(rows))[0])
