"""Who gets a broadcast, a reminder or a case update (never a supporter who said /stop)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.content.models import LANGS, Lang
from bot.storage.database import Database, first

Audience = Literal["subscribers", "not_acted", "acted", "reminder", "update", "alert", "digest"]
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
    # Reminders go to followers of the case who keep reminders on; whether anything is left
    # to do is decided per supporter.
    "reminder": "u.reminders = 1 AND EXISTS (SELECT 1 FROM subscriptions s"
    " WHERE s.user_key = u.user_key AND s.case_id = :case)",
    # Case news closes the loop with the case's followers who keep news on: only those who
    # agreed to be messaged are (their chat id is stored for nobody else).
    "update": "u.news = 1 AND EXISTS (SELECT 1 FROM subscriptions s"
    " WHERE s.user_key = u.user_key AND s.case_id = :case)",
    # A new case: everyone who asked for each new case, except who already acted on it.
    "alert": "u.alerts = 'each' AND NOT EXISTS (SELECT 1 FROM actions a"
    " WHERE a.user_key = u.user_key AND a.case_id = :case)",
    # The weekly digest: everyone who asked for it (what to list is decided per supporter).
    "digest": "u.alerts = 'weekly'",
}


def audience_where(audience: Audience) -> str:
    """The SQL condition (on `users u`, parameter :case) of who is in an audience."""
    return f"{_REACHABLE} AND {_QUERIES[audience]}"


#: The interface language of `users u` in SQL, as the bot uses it (Russian, else English).
LANG_OF_USER = "CASE WHEN coalesce(u.lang, u.seen_lang) = 'ru' THEN 'ru' ELSE 'en' END"


@dataclass(frozen=True)
class Recipient:
    """One supporter to write to: an opaque key, their language, the officials they wrote to."""

    user_key: str
    lang: Lang
    officials_done: frozenset[str]
    #: Every case the supporter acted on (filled for the digest only).
    acted: frozenset[str] = frozenset()


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

    async def digest_recipients(self) -> list[Recipient]:
        """Supporters who asked for the weekly digest, with every case they acted on."""
        query = (
            "SELECT u.user_key, coalesce(u.lang, u.seen_lang),"
            " (SELECT group_concat(DISTINCT a.case_id) FROM actions a"
            "  WHERE a.user_key = u.user_key)"
            f" FROM users u WHERE {_REACHABLE} AND {_QUERIES['digest']} ORDER BY u.rowid"
        )
        rows = await self._db.execute_fetchall(query)
        return [
            Recipient(
                user_key=row[0],
                lang="ru" if row[1] == "ru" else "en",
                officials_done=frozenset(),
                acted=frozenset(row[2].split(",")) if row[2] else frozenset(),
            )
            for row in rows
        ]

    async def alerts_counts(self) -> dict[str, int]:
        """How many reachable supporters get each kind of alert about new cases."""
        rows = await self._db.execute_fetchall(
            f"SELECT u.alerts, count(*) FROM users u WHERE {_REACHABLE}"
            " AND u.alerts IS NOT NULL GROUP BY u.alerts"
        )
        return {str(mode): int(count) for mode, count in rows}

    async def size(self, audience: Audience, case_id: str) -> int:
        """How many supporters a delivery to this audience would reach."""
        query = f"SELECT count(*) FROM users u WHERE {_REACHABLE} AND {_QUERIES[audience]}"
        rows = await self._db.execute_fetchall(query, {"case": case_id})
        row = first(rows)
        return int(row[0]) if row else 0


assert set(LANGS) == {"en", "ru"}  # the language mapping above assumes these two
