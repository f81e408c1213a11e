"""Organizers' work on cases: the history of changes, and work staged for confirmation."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot.storage.database import Database, first, iso

StagedKind = Literal["paste", "update", "news"]
STAGED_KINDS: tuple[StagedKind, ...] = ("paste", "update", "news")


@dataclass(frozen=True)
class HistoryEntry:
    """One change to a case: who (a keyed hash), which event, about what, when."""

    organizer: str
    event: str
    detail: str | None
    at: datetime


@dataclass(frozen=True)
class Staged:
    """Work an organizer started: a pasted document, an update or news waiting to be confirmed."""

    id: int
    kind: StagedKind
    case_id: str | None
    organizer: str
    data: dict[str, Any]
    state: str


class Authoring:
    """SQL of organizers' tools; organizers are named by the keyed hash of their Telegram id."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._db = database.connection

    def organizer(self, user_id: int) -> str:
        """How an organizer is recorded: the same keyed hash as any supporter, never the id."""
        return self._database.vault.user_key(user_id)

    async def record(
        self, case_id: str, user_id: int, event: str, detail: str | None, now: datetime
    ) -> None:
        """Add a line to the case's history."""
        await self._database.write(
            "INSERT INTO case_history (case_id, organizer, event, detail, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (case_id, self.organizer(user_id), event, detail, iso(now)),
        )

    async def history(self, case_id: str, limit: int = 15) -> list[HistoryEntry]:
        """The latest changes to a case, newest first."""
        rows = await self._db.execute_fetchall(
            "SELECT organizer, event, detail, created_at FROM case_history WHERE case_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (case_id, limit),
        )
        return [
            HistoryEntry(row[0], row[1], row[2], datetime.fromisoformat(row[3])) for row in rows
        ]

    async def stage(
        self,
        kind: StagedKind,
        case_id: str | None,
        user_id: int,
        data: dict[str, Any],
        now: datetime,
    ) -> int:
        """Keep work to confirm later; its id goes into the confirming buttons."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "INSERT INTO staged_work (kind, case_id, organizer, data, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (kind, case_id, self.organizer(user_id), json.dumps(data), iso(now)),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    async def staged(self, staged_id: int) -> Staged | None:
        """Staged work by id, whatever its state."""
        rows = await self._db.execute_fetchall(
            "SELECT id, kind, case_id, organizer, data, state FROM staged_work WHERE id = ?",
            (staged_id,),
        )
        row = first(rows)
        if row is None or row[1] not in STAGED_KINDS:
            return None
        return Staged(int(row[0]), row[1], row[2], row[3], json.loads(row[4]), row[5])

    async def update_staged(self, staged_id: int, data: dict[str, Any]) -> None:
        """Replace the data of open staged work (a pasted document's next part)."""
        await self._database.write(
            "UPDATE staged_work SET data = ? WHERE id = ? AND state = 'open'",
            (json.dumps(data), staged_id),
        )

    async def close_staged(self, staged_id: int, state: Literal["done", "cancelled"]) -> bool:
        """Mark staged work done or cancelled; False if it was not open (a second tap)."""
        changed = await self._database.write(
            "UPDATE staged_work SET state = ? WHERE id = ? AND state = 'open'",
            (state, staged_id),
        )
        return changed > 0
