"""Aggregate numbers for organizers: no personal data leaves these queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.storage.database import Database, first


@dataclass(frozen=True)
class CaseStats:
    """The numbers /stats shows for one case."""

    total: int
    by_official: dict[str, int]
    by_channel: dict[str, int]
    supporters: int
    today: int
    last_7_days: int
    subscribers: int
    per_day: list[tuple[date, int]]


class Stats:
    """Counts over the anonymous tables (action_counts, supporter_counts)."""

    def __init__(self, database: Database) -> None:
        self._db = database.connection

    async def _pairs(self, sql: str, params: tuple[object, ...]) -> list[tuple[str, int]]:
        rows = await self._db.execute_fetchall(sql, params)
        return [(str(row[0]), int(row[1])) for row in rows]

    async def case_stats(self, case_id: str, today: date) -> CaseStats:
        """Totals per official and channel, unique supporters, recent activity, subscribers."""
        by_official = dict(
            await self._pairs(
                "SELECT official_id, sum(count) FROM action_counts WHERE case_id = ?"
                " GROUP BY official_id",
                (case_id,),
            )
        )
        by_channel = dict(
            await self._pairs(
                "SELECT channel, sum(count) FROM action_counts WHERE case_id = ? GROUP BY channel",
                (case_id,),
            )
        )
        per_day = [
            (date.fromisoformat(day), count)
            for day, count in await self._pairs(
                "SELECT day, sum(count) FROM action_counts WHERE case_id = ?"
                " GROUP BY day ORDER BY day",
                (case_id,),
            )
        ]
        week_start = today - timedelta(days=6)
        supporters = dict(
            await self._pairs(
                "SELECT case_id, count FROM supporter_counts WHERE case_id = ?", (case_id,)
            )
        )
        subscribers = dict(
            await self._pairs(
                "SELECT s.case_id, count(*) FROM subscriptions s JOIN users u USING (user_key)"
                " WHERE s.case_id = ? AND u.stopped_at IS NULL AND u.blocked_at IS NULL",
                (case_id,),
            )
        )
        return CaseStats(
            total=sum(by_official.values()),
            by_official=by_official,
            by_channel=by_channel,
            supporters=supporters.get(case_id, 0),
            today=sum(count for day, count in per_day if day == today),
            last_7_days=sum(count for day, count in per_day if day >= week_start),
            subscribers=subscribers.get(case_id, 0),
            per_day=per_day,
        )

    async def totals(self) -> dict[str, tuple[int, int]]:
        """Per case: actions and supporters who acted (two small anonymous tables)."""
        rows = await self._db.execute_fetchall(
            "SELECT c.case_id, c.total, coalesce(s.count, 0) FROM"
            " (SELECT case_id, sum(count) AS total FROM action_counts GROUP BY case_id) c"
            " LEFT JOIN supporter_counts s USING (case_id)"
        )
        return {str(row[0]): (int(row[1]), int(row[2])) for row in rows}

    async def blocked(self) -> int:
        """Supporters who blocked the bot (Telegram answered 403)."""
        rows = await self._db.execute_fetchall(
            "SELECT count(*) FROM users WHERE blocked_at IS NOT NULL"
        )
        row = first(rows)
        return int(row[0]) if row else 0
