"""Update ids already handled: Telegram re-delivers updates after a crash or a timeout."""

from __future__ import annotations

from datetime import datetime

from bot.storage.database import Database, first, iso


class HandledUpdates:
    """A record of handled update ids, pruned after a day (Telegram keeps updates 24 h)."""

    def __init__(self, database: Database) -> None:
        self._db = database.connection
        self._transaction = database.transaction

    async def seen(self, update_id: int) -> bool:
        """Whether this update was already handled."""
        rows = await self._db.execute_fetchall(
            "SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,)
        )
        return first(rows) is not None

    async def mark(self, update_id: int, now: datetime) -> None:
        """Record an update as handled (after its handlers finished)."""
        async with self._transaction() as db:
            await db.execute(
                "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?)"
                " ON CONFLICT DO NOTHING",
                (update_id, iso(now)),
            )

    async def prune(self, before: datetime) -> int:
        """Forget ids handled before `before`."""
        async with self._transaction() as db:
            cursor = await db.execute(
                "DELETE FROM handled_updates WHERE handled_at < ?", (iso(before),)
            )
            return cursor.rowcount
