"""The durable outbox: deliveries, their rendered payloads and one row per recipient.

A row's life: ``pending`` → ``sending`` (committed before the request leaves) → ``sent``,
``blocked``, ``failed`` or ``unknown``; or ``pending`` → ``cancelled``.  A row found in
``sending`` at start-up was in flight when the process died: Telegram may or may not have
delivered it, so it becomes ``unknown`` and is never sent again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

import aiosqlite

from bot.core.clock import Clock, system_clock
from bot.storage.audiences import LANG_OF_USER, Audience, audience_where
from bot.storage.database import Database, iso

RowState = Literal["pending", "sending", "sent", "blocked", "failed", "unknown", "cancelled"]
DeliveryState = Literal["draft", "sending", "cancelled", "done"]

#: Every state a row can be in, in the order a progress report lists them.
ROW_STATES: Final[tuple[RowState, ...]] = (
    "pending",
    "sending",
    "sent",
    "blocked",
    "failed",
    "unknown",
    "cancelled",
)
#: States a row ends in; `finish` accepts only these.
FINAL_STATES: Final = frozenset({"sent", "blocked", "failed", "unknown", "cancelled"})

_ERROR_LIMIT: Final = 200


@dataclass(frozen=True)
class Payload:
    """A rendered message: HTML text and, optionally, its reply markup as JSON."""

    text_html: str
    markup_json: str | None = None

    @property
    def digest(self) -> str:
        """Identical messages share one stored payload (a broadcast has a handful, not 100k)."""
        return hashlib.sha256(
            json.dumps([self.text_html, self.markup_json]).encode("utf-8")
        ).hexdigest()


@dataclass(frozen=True)
class OutboxItem:
    """One claimed row, with what is needed to send it (the chat id never leaves memory)."""

    row_id: int
    delivery_id: int
    chat_id: int
    text: str
    markup_json: str | None
    paid: bool
    attempts: int


@dataclass(frozen=True)
class DeliveryInfo:
    """A delivery as the organizer's screens show it."""

    id: int
    kind: str
    case_id: str | None
    key: str | None
    audience: str | None
    state: str
    paid: bool
    created_by: str | None
    progress: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def _moment(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


_DELIVERY_COLUMNS: Final = (
    "id, kind, case_id, key, audience, state, paid, created_by, progress,"
    " created_at, started_at, finished_at"
)


def _delivery(row: Sequence[Any]) -> DeliveryInfo:
    return DeliveryInfo(
        id=int(row[0]),
        kind=row[1],
        case_id=row[2],
        key=row[3],
        audience=row[4],
        state=row[5],
        paid=bool(row[6]),
        created_by=row[7],
        progress=row[8],
        created_at=datetime.fromisoformat(row[9]),
        started_at=_moment(row[10]),
        finished_at=_moment(row[11]),
    )


class Outbox:
    """Every SQL statement about deliveries, payloads and outbox rows."""

    def __init__(self, database: Database, clock: Clock = system_clock) -> None:
        self._database = database
        self._outbox_clock = clock

    def _now(self) -> str:
        return iso(self._outbox_clock())

    def _chat_id(self, raw: str, user_key: str) -> int:
        """The sealed chat id of a user, opened; the one place the outbox reads it back."""
        return int(self._database.vault.open(raw, "chat_id", user_key))

    def organizer(self, user_id: int) -> str:
        """How a delivery records the organizer who made it: keyed like a supporter."""
        return self._database.vault.user_key(user_id)

    # -- creating -----------------------------------------------------------------------------

    async def create_delivery(
        self,
        kind: str,
        case_id: str | None,
        key: str | None,
        audience: str | None,
        created_by: str | None,
        paid: bool,
        recipients: Iterable[tuple[str, Payload]],
        *,
        state: Literal["sending", "draft"] = "sending",
        now: datetime,
    ) -> int | None:
        """Store a delivery and one row per recipient; None if `key` was already used.

        A recipient listed twice gets one row (one message). A recipient whose user no longer
        exists gets a 'cancelled' row, so the totals still add up to what was asked for.
        """
        moment = iso(now)
        async with self._database.transaction() as db:
            delivery_id = await _insert_delivery(
                db, kind, case_id, key, audience, state, paid, created_by, moment
            )
            if delivery_id is None:
                return None
            rows = await self._recipient_rows(db, delivery_id, recipients, moment)
            await db.executemany(
                "INSERT INTO outbox (delivery_id, user_key, payload_id, state, error, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            return delivery_id

    async def create_audience_delivery(
        self,
        kind: str,
        case_id: str,
        key: str,
        audience: Audience,
        payloads: Mapping[str, Payload],
        *,
        now: datetime,
        state: Literal["sending", "draft"] = "sending",
        created_by: str | None = None,
    ) -> tuple[int, int] | None:
        """A keyed delivery to everyone in `audience`, one payload per interface language.

        The rows are made by the database from the audience's query: no recipient passes
        through Python, so an alert to a hundred thousand supporters takes seconds and little
        memory. Returns the delivery id and its number of rows; None if `key` was used.
        A 'draft' waits for an organizer's confirmation (`start`).
        """
        moment = iso(now)
        async with self._database.transaction() as db:
            delivery_id = await _insert_delivery(
                db, kind, case_id, key, audience, state, False, created_by, moment
            )
            if delivery_id is None:
                return None
            rows = 0
            for lang, payload in payloads.items():
                payload_id = await self._payload_id(db, payload.digest, payload)
                cursor = await db.execute(
                    "INSERT INTO outbox (delivery_id, user_key, payload_id, state, updated_at)"
                    " SELECT :delivery, u.user_key, :payload, 'pending', :now FROM users u"
                    f" WHERE {audience_where(audience)} AND {LANG_OF_USER} = :lang"
                    " ORDER BY u.rowid",
                    {
                        "delivery": delivery_id,
                        "payload": payload_id,
                        "now": moment,
                        "case": case_id,
                        "lang": lang,
                    },
                )
                rows += cursor.rowcount
            return delivery_id, rows

    async def _recipient_rows(
        self,
        db: aiosqlite.Connection,
        delivery_id: int,
        recipients: Iterable[tuple[str, Payload]],
        moment: str,
    ) -> list[tuple[int, str | None, int, str, str | None, str]]:
        async with db.execute("SELECT user_key FROM users") as cursor:
            existing = {row[0] for row in await cursor.fetchall()}
        payload_ids: dict[Payload, int] = {}
        seen: set[str] = set()
        rows: list[tuple[int, str | None, int, str, str | None, str]] = []
        for user_key, payload in recipients:
            if user_key in seen:
                continue
            seen.add(user_key)
            payload_id = payload_ids.get(payload)
            if payload_id is None:
                payload_id = await self._payload_id(db, payload.digest, payload)
                payload_ids[payload] = payload_id
            if user_key in existing:
                rows.append((delivery_id, user_key, payload_id, "pending", None, moment))
            else:
                rows.append((delivery_id, None, payload_id, "cancelled", "no such user", moment))
        return rows

    @staticmethod
    async def _payload_id(db: aiosqlite.Connection, digest: str, payload: Payload) -> int:
        await db.execute(
            "INSERT INTO payloads (digest, text, markup) VALUES (?, ?, ?)"
            " ON CONFLICT (digest) DO NOTHING",
            (digest, payload.text_html, payload.markup_json),
        )
        async with db.execute("SELECT id FROM payloads WHERE digest = ?", (digest,)) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def has_key(self, key: str) -> bool:
        """Whether a delivery with this key exists (so it need not be built again)."""
        rows = await self._database.connection.execute_fetchall(
            "SELECT 1 FROM deliveries WHERE key = ?", (key,)
        )
        return bool(rows)

    async def create_draft(
        self,
        kind: str,
        case_id: str | None,
        key: str | None,
        audience: str | None,
        created_by: str | None,
        paid: bool,
        recipients: Iterable[tuple[str, Payload]],
        *,
        now: datetime,
    ) -> int | None:
        """Store a delivery that waits for the organizer's confirmation (see `start`)."""
        return await self.create_delivery(
            kind, case_id, key, audience, created_by, paid, recipients, state="draft", now=now
        )

    async def start(self, delivery_id: int) -> bool:
        """Confirm a draft: the engine starts sending it. False if it was not a draft."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "UPDATE deliveries SET state = 'sending', started_at = ?"
                " WHERE id = ? AND state = 'draft'",
                (self._now(), delivery_id),
            )
            return cursor.rowcount > 0

    # -- sending ------------------------------------------------------------------------------

    async def claim(self, limit: int) -> list[OutboxItem]:
        """Mark the next pending rows 'sending' (committed before any request leaves).

        Oldest delivery first, then row order. Rows of users who were forgotten, said /stop or
        blocked the bot are settled here as 'cancelled' / 'blocked' instead of being sent.
        """
        moment = self._now()
        claimed: list[OutboxItem] = []
        async with self._database.transaction() as db:
            async with db.execute(
                "SELECT id, paid FROM deliveries WHERE state = 'sending' ORDER BY id"
            ) as cursor:
                deliveries = [(int(r[0]), bool(r[1])) for r in await cursor.fetchall()]
            for delivery_id, paid in deliveries:
                while len(claimed) < limit:
                    found = await self._claim_rows(
                        db, delivery_id, paid, limit - len(claimed), moment
                    )
                    if found is None:
                        break
                    claimed.extend(found)
                if len(claimed) >= limit:
                    break
        return claimed

    async def _claim_rows(
        self, db: aiosqlite.Connection, delivery_id: int, paid: bool, limit: int, moment: str
    ) -> list[OutboxItem] | None:
        """Claim up to `limit` rows of one delivery; None when it has no pending row left."""
        async with db.execute(
            "SELECT o.id, o.user_key, u.chat_id, u.blocked_at, u.stopped_at, p.text, p.markup,"
            " o.attempts"
            " FROM outbox o JOIN payloads p ON p.id = o.payload_id"
            " LEFT JOIN users u ON u.user_key = o.user_key"
            " WHERE o.delivery_id = ? AND o.state = 'pending' ORDER BY o.id LIMIT ?",
            (delivery_id, limit),
        ) as cursor:
            rows = await cursor.fetchall()
        if not rows:
            return None
        items: list[OutboxItem] = []
        settled: list[tuple[str, str, str, int]] = []
        for row_id, user_key, raw_chat, blocked_at, stopped_at, text, markup, attempts in rows:
            if user_key is None or raw_chat is None:
                settled.append(("cancelled", "no such user", moment, row_id))
            elif blocked_at is not None:
                settled.append(("blocked", "blocked before sending", moment, row_id))
            elif stopped_at is not None:
                settled.append(("cancelled", "stopped before sending", moment, row_id))
            else:
                try:
                    chat_id = self._chat_id(raw_chat, user_key)
                except Exception as error:  # a wrong or rotated secret: counted, not sent
                    settled.append(("failed", type(error).__name__, moment, row_id))
                    continue
                items.append(
                    OutboxItem(row_id, delivery_id, chat_id, text, markup, paid, attempts + 1)
                )
        await db.executemany(
            "UPDATE outbox SET state = ?, error = ?, updated_at = ? WHERE id = ?", settled
        )
        await db.executemany(
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?"
            " WHERE id = ?",
            [(moment, item.row_id) for item in items],
        )
        return items

    async def finish(self, row_id: int, state: RowState, error: str | None = None) -> None:
        """Record how sending one row ended (see `finish_many`)."""
        await self.finish_many([(row_id, state, error)])

    async def finish_many(self, results: Iterable[tuple[int, RowState, str | None]]) -> None:
        """Record how sending ended for many rows in one transaction (one commit, not 30/s).

        Only rows still 'sending' change, so a late or repeated result cannot overwrite one.
        A 'blocked' result also marks its user blocked, in the same transaction.
        """
        moment = self._now()
        today = moment[:10]  # when a supporter blocked the bot is kept to the day
        updates: list[tuple[str, str | None, str, int]] = []
        blocked: list[tuple[str, int]] = []
        for row_id, state, error in results:
            if state not in FINAL_STATES:
                raise ValueError(f"not a final state: {state}")
            updates.append((state, error[:_ERROR_LIMIT] if error else None, moment, row_id))
            if state == "blocked":
                blocked.append((today, row_id))
        if not updates:
            return
        async with self._database.transaction() as db:
            await db.executemany(
                "UPDATE outbox SET state = ?, error = ?, updated_at = ?"
                " WHERE id = ? AND state = 'sending'",
                updates,
            )
            await db.executemany(
                "UPDATE users SET blocked_at = ? WHERE blocked_at IS NULL"
                " AND user_key = (SELECT user_key FROM outbox WHERE id = ?)",
                blocked,
            )

    async def requeue(self, row_id: int, *, count_attempt: bool = True) -> None:
        """Put a row back to 'pending' (the request certainly did not deliver it).

        `count_attempt=False` after a 429: being told to slow down is not a failed attempt.
        """
        async with self._database.transaction() as db:
            await db.execute(
                "UPDATE outbox SET state = 'pending', updated_at = ?,"
                " attempts = attempts - ? WHERE id = ? AND state = 'sending'",
                (self._now(), 0 if count_attempt else 1, row_id),
            )

    async def mark_blocked(self, user_key: str) -> None:
        """Remember that the user blocked the bot: nothing more is sent to them."""
        async with self._database.transaction() as db:
            await db.execute(
                "UPDATE users SET blocked_at = ? WHERE user_key = ? AND blocked_at IS NULL",
                (self._now()[:10], user_key),
            )

    async def recover(self) -> int:
        """At start-up: rows left 'sending' by a crash become 'unknown' (never re-sent)."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "UPDATE outbox SET state = 'unknown', error = 'interrupted while sending',"
                " updated_at = ? WHERE state = 'sending'",
                (self._now(),),
            )
            return cursor.rowcount

    # -- deliveries ---------------------------------------------------------------------------

    async def counts(self, delivery_id: int) -> dict[str, int]:
        """How many rows of the delivery are in each state (every state, zeros included)."""
        async with self._database.connection.execute(
            "SELECT state, count(*) FROM outbox WHERE delivery_id = ? GROUP BY state",
            (delivery_id,),
        ) as cursor:
            found = {row[0]: int(row[1]) for row in await cursor.fetchall()}
        counts: dict[str, int] = dict.fromkeys(ROW_STATES, 0)
        counts.update(found)
        return counts

    async def cancel(self, delivery_id: int) -> int:
        """Stop a delivery: its pending rows become 'cancelled'; returns how many."""
        moment = self._now()
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "UPDATE outbox SET state = 'cancelled', error = 'cancelled', updated_at = ?"
                " WHERE delivery_id = ? AND state = 'pending'",
                (moment, delivery_id),
            )
            await db.execute(
                "UPDATE deliveries SET state = 'cancelled', finished_at = ?"
                " WHERE id = ? AND state IN ('draft', 'sending')",
                (moment, delivery_id),
            )
            return cursor.rowcount

    async def active(self) -> list[DeliveryInfo]:
        """Deliveries being sent, oldest first."""
        async with self._database.connection.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE state = 'sending' ORDER BY id"
        ) as cursor:
            return [_delivery(row) for row in await cursor.fetchall()]

    async def unfinished(self, kind: str) -> list[DeliveryInfo]:
        """Deliveries of a kind still to be confirmed or being sent, oldest first."""
        async with self._database.connection.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries"
            " WHERE kind = ? AND state IN ('draft', 'sending') ORDER BY id",
            (kind,),
        ) as cursor:
            return [_delivery(row) for row in await cursor.fetchall()]

    async def set_report_to(self, delivery_id: int, target: str) -> None:
        """Remember where the organizer's progress message is (JSON, sealed: it holds their
        chat id), bound to the organizer who made the delivery."""
        vault = self._database.vault
        async with self._database.transaction() as db:
            rows = await db.execute_fetchall(
                "SELECT created_by FROM deliveries WHERE id = ?", (delivery_id,)
            )
            owner = next((row[0] for row in rows), None)
            if owner is None:
                return  # automatic, or its organizer was forgotten: no progress to show
            await db.execute(
                "UPDATE deliveries SET report_to = ? WHERE id = ?",
                (vault.seal(target, "report_to", owner), delivery_id),
            )

    async def report_to(self, delivery_id: int) -> str | None:
        """Where the organizer's progress message is (JSON), or None (automatic deliveries)."""
        rows = await self._database.connection.execute_fetchall(
            "SELECT report_to, created_by FROM deliveries WHERE id = ?", (delivery_id,)
        )
        row = next(iter(rows), None)
        if row is None or row[0] is None or row[1] is None:
            return None
        return self._database.vault.open(row[0], "report_to", row[1])

    async def get(self, delivery_id: int) -> DeliveryInfo | None:
        """One delivery, or None."""
        async with self._database.connection.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE id = ?", (delivery_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _delivery(row) if row is not None else None

    async def by_key(self, key: str) -> DeliveryInfo | None:
        """The delivery with this key (an alert held by its organizer), or None."""
        async with self._database.connection.execute(
            f"SELECT {_DELIVERY_COLUMNS} FROM deliveries WHERE key = ?", (key,)
        ) as cursor:
            row = await cursor.fetchone()
        return _delivery(row) if row is not None else None

    async def finish_delivery_if_done(self, delivery_id: int) -> bool:
        """Mark a sending delivery 'done' once no row is pending or sending; True if it was."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "UPDATE deliveries SET state = 'done', finished_at = ?"
                " WHERE id = ? AND state = 'sending' AND NOT EXISTS (SELECT 1 FROM outbox"
                " WHERE delivery_id = ? AND state IN ('pending', 'sending'))",
                (self._now(), delivery_id, delivery_id),
            )
            return cursor.rowcount > 0

    async def set_progress(self, delivery_id: int, progress: str) -> None:
        """Keep the latest progress report (JSON) for the organizer's screen."""
        async with self._database.transaction() as db:
            await db.execute(
                "UPDATE deliveries SET progress = ? WHERE id = ?", (progress, delivery_id)
            )

    async def state_counts(self) -> dict[str, int]:
        """Rows per state over every delivery (for /metrics)."""
        async with self._database.connection.execute(
            "SELECT state, count(*) FROM outbox GROUP BY state"
        ) as cursor:
            found = {str(row[0]): int(row[1]) for row in await cursor.fetchall()}
        return {state: found.get(state, 0) for state in ROW_STATES}


async def _insert_delivery(
    db: aiosqlite.Connection,
    kind: str,
    case_id: str | None,
    key: str | None,
    audience: str | None,
    state: str,
    paid: bool,
    created_by: str | None,
    moment: str,
) -> int | None:
    """Insert a delivery (started now unless it is a draft); None if its `key` was used."""
    cursor = await db.execute(
        "INSERT INTO deliveries (kind, case_id, key, audience, state, paid, created_by,"
        " created_at, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (key) DO NOTHING",
        (
            kind,
            case_id,
            key,
            audience,
            state,
            int(paid),
            created_by,
            moment,
            moment if state == "sending" else None,
        ),
    )
    if cursor.rowcount == 0:
        return None
    return cursor.lastrowid
