"""Who gets a broadcast, a reminder or a case update (never a supporter who said /stop)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.content.models import LANGS, Lang
from bot.storage.database import Database, first

Audience = Literal["subscribers", "not_acted", "acted", "reminder", "update"]
BROADCAST_AUDIENCES: tuple[Audience, ...] = ("subscribers", "not_acted", "acted")

# Reachable: not blocked, not stopped. Every audience starts from this.
_REACHABLE = "u.blocked_at IS NULL AND u.stopped_at IS NULL AND u.chat_id IS NOT NULL"

_QUERIES: dict[Audience, str] = {
    "subscribers": "EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_key = u.user_key"
    " AND s.case_id = :case)",
    "not_acted": "EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_key = u.user_key"
    " AND s.case_id = :case) AND NOT EXISTS (SELECT 1 FROM actions a"
    " WHERE a.user_key = u.user_key AND a.case_id = :case)",
    "acted": "EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_key = u.user_key"
    " AND s.case_id = :case) AND EXISTS (SELECT 1 FROM actions a"
    " WHERE a.user_key = u.user_key AND a.case_id = :case)",
    # Reminders go to subscribers; whether anything is left to do is decided per supporter.
    "reminder": "EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_key = u.user_key"
    " AND s.case_id = :case)",
    # Case updates close the loop with everyone who acted, subscribed or not.
    "update": "EXISTS (SELECT 1 FROM actions a WHERE a.user_key = u.user_key"
    " AND a.case_id = :case)",
}


@dataclass(frozen=True)
class Recipient:
    """One supporter to write to: an opaque key, their language, the officials they wrote to."""

    user_key: str
    lang: Lang
    officials_done: frozenset[str]


class Audiences:
    """Audience queries for deliveries."""

    def __init__(self, database: Database) -> None:
        self._db = database.connection

    async def recipients(self, audience: Audience, case_id: str) -> list[Recipient]:
        """Everyone reachable in this audience, with what each still has to do."""
        query = (
            "SELECT u.user_key, coalesce(u.lang, u.seen_lang),"
            " (SELECT group_concat(DISTINCT a.official_id) FROM actions a"
            "  WHERE a.user_key = u.user_key AND a.case_id = :case)"
            f" FROM users u WHERE {_REACHABLE} AND {_QUERIES[audience]} ORDER BY u.rowid"
        )
        rows = await self._db.execute_fetchall(query, {"case": case_id})
        rows = rows
        return [
            Recipient(
                user_key=row[0],
                lang="ru" if row[1] == "ru" else "en",
                officials_done=frozenset(row[2].split(",")) if row[2] else frozenset(),
            )
            for row in rows
        ]

    async def size(self, audience: Audience, case_id: str) -> int:
        """How many supporters a delivery to this audience would reach."""
        query = f"SELECT count(*) FROM users u WHERE {_REACHABLE} AND {_QUERIES[audience]}"
        rows = await self._db.execute_fetchall(query, {"case": case_id})
        row = first(rows)
        return int(row[0]) if row else 0


assert set(LANGS) == {"en", "ru"}  # the language mapping above assumes these two
