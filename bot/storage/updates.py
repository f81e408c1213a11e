"""Update ids already handled: Telegram re-delivers updates after a crash or a timeout, and the
inbox hands back, at start-up, the updates a killed process was handling."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from bot.storage.database import Database, first, iso


class HandledUpdates:
    """A record of handled update ids, pruned after a day (Telegram keeps updates 24 h)."""

    def __init__(self, database: Database) -> None:
        self._db = database.connection
        self._database = database

    async def seen(self, update_id: int) -> bool:
        """Whether this update was already handled."""
        rows = await self._db.execute_fetchall(
            "SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,)
        )
        return first(rows) is not None

    async def latest(self) -> int | None:
        """The highest id recorded (ids above it cannot have been handled yet)."""
        row = first(await self._db.execute_fetchall("SELECT max(update_id) FROM handled_updates"))
        return None if row is None or row[0] is None else int(row[0])

    async def mark(self, update_id: int, now: datetime) -> None:
        """Record an update as handled (after its handlers finished)."""
        await self.mark_many([update_id], now)

    async def mark_many(self, update_ids: Sequence[int], now: datetime) -> None:
        """Record several updates as handled and delete them from the inbox: one commit.

        One transaction, so that an update is in the inbox or recorded as handled, never
        neither (lost after a crash) nor both (handled again at start-up).
        """
        ids = json.dumps([int(update_id) for update_id in update_ids])
        async with self._database.transaction() as db:
            await db.execute(
                "INSERT INTO handled_updates (update_id, handled_at)"
                " SELECT value, ? FROM json_each(?) WHERE true ON CONFLICT DO NOTHING",
                (iso(now), ids),
            )
            await db.execute(
                "DELETE FROM inbox WHERE update_id IN (SELECT value FROM json_each(?))", (ids,)
            )

    async def prune(self, before: datetime) -> int:
        """Forget ids handled before `before`."""
        return await self._database.write(
            "DELETE FROM handled_updates WHERE handled_at < ?", (iso(before),)
        )
