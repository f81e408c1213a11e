"""Supporters, their settings and their confirmed actions (SQL for the journey)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

import aiosqlite

from bot.content.models import LANGS, Lang
from bot.content.signature import SIGNATURE_MODES, Signature
from bot.storage.database import Database, day, first

#: "author": an organizer's answer to a question about a case (bot.authoring).
PendingStep = Literal["name", "initials", "city", "broadcast", "author"]
#: How often a supporter hears about new Urgent Actions: each one, or a weekly digest.
AlertMode = Literal["each", "weekly"]
ALERT_MODES: tuple[AlertMode, ...] = ("each", "weekly")


@dataclass(frozen=True)
class Pending:
    """Typed text the bot is waiting for (part of a signature), and where to go afterwards."""

    step: PendingStep
    target: tuple[str, ...] = ()
    initials: str = ""


@dataclass(frozen=True)
class ActionRecord:
    """One confirmed action, as shown to its supporter by /mydata."""

    case_id: str
    official_id: str
    channel: str
    #: The day it was confirmed (the time of day is not kept).
    created_at: date


@dataclass(frozen=True)
class Supporter:
    """What the bot keeps about one supporter, read in one query at the start of an update."""

    lang: Lang | None
    signature: Signature | None
    pending: Pending | None
    #: The day of the first visit (the time of day is not kept).
    created_at: date
    blocked: bool = False
    #: Confirmed actions, oldest first.
    actions: tuple[ActionRecord, ...] = ()
    #: Cases the supporter follows (reminders before the deadline, and news).
    subscriptions: frozenset[str] = frozenset()
    #: New Urgent Actions: each one, a weekly digest, or never (None).
    alerts: AlertMode | None = None
    #: Switches for the cases followed: reminders before deadlines, and news.
    reminders: bool = True
    news: bool = True
    #: The letter language chosen per case.
    letter_langs: dict[str, str] = field(default_factory=dict)

    def done(self, case_id: str) -> set[tuple[str, str]]:
        """(official, channel) pairs already confirmed on this case."""
        return {(a.official_id, a.channel) for a in self.actions if a.case_id == case_id}

    def acted_on(self) -> set[str]:
        """Cases with at least one confirmed action."""
        return {action.case_id for action in self.actions}


#: Marks the chat id in `_user_upsert`: seal the user's id and store it (consent given).
CHAT = "\x00chat"

#: What keeps a supporter's row (in SQL, for `users`): an action or following on a case, or
#: standing consent to hear about new ones. Retention deletes a supporter once none is left.
_LINKED = (
    "users.alerts IS NOT NULL"
    " OR EXISTS (SELECT 1 FROM actions a WHERE a.user_key = users.user_key)"
    " OR EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_key = users.user_key)"
)

#: Supporters who agreed to be messaged but have withdrawn everything lose their chat id.
_DROP_UNNEEDED_CHAT = (
    "UPDATE users SET chat_id = NULL WHERE user_key = ? AND alerts IS NULL"
    " AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_key = users.user_key)"
)


@dataclass(frozen=True)
class StoredData:
    """Everything stored about a supporter beyond `Supporter`, for /mydata."""

    supporter: Supporter
    #: The language of their Telegram app, last seen.
    seen_lang: Lang | None
    #: Whether their (sealed) chat id is kept, to message them.
    has_chat: bool
    stopped_on: date | None
    blocked_on: date | None
    #: Cases they get reminders for, and the day they asked.
    subscribed_on: dict[str, date]
    #: Messages from the bot (reminders, news, broadcasts) recorded in the outbox for them.
    messages: int


class Supporters:
    """Reads and writes of supporters and their actions."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._vault = database.vault
        self._db = database.connection
        self._transaction = database.transaction
        self._write = database.write

    # -- identity ---------------------------------------------------------------------------

    def _key(self, user_id: int) -> str:
        """The database key of a Telegram user: a keyed hash, never the id itself."""
        return self._vault.user_key(user_id)

    def _user_upsert(
        self, user_id: int, now: datetime, columns: dict[str, str | int | None]
    ) -> tuple[str, tuple[str | int | None, ...]]:
        """The statement that creates the user if needed and sets `columns`.

        Pass `chat_id=CHAT` only when the supporter just agreed to be messaged: the chat id
        (their Telegram id, sealed) is stored for nobody else.
        """
        key = self._key(user_id)
        if columns.get("chat_id") is CHAT:
            columns = {**columns, "chat_id": self._vault.seal(str(user_id), "chat_id", key)}
        names = "".join(f", {name}" for name in columns)
        marks = ", ?" * len(columns)
        updates = ", ".join(f"{name} = excluded.{name}" for name in columns)
        conflict = f"DO UPDATE SET {updates}" if columns else "DO NOTHING"
        sql = (
            f"INSERT INTO users (user_key, created_at{names}) VALUES (?, ?{marks})"
            f" ON CONFLICT (user_key) {conflict}"
        )
        return sql, (key, day(now), *columns.values())

    async def _ensure_user(
        self, db: aiosqlite.Connection, user_id: int, now: datetime, **columns: str | int | None
    ) -> str:
        """Inside a transaction: create the user if needed and set `columns`; their key."""
        await db.execute(*self._user_upsert(user_id, now, columns))
        return self._key(user_id)

    async def _upsert(self, user_id: int, now: datetime, **columns: str | int | None) -> None:
        """Create the user if needed and set `columns`: one statement, its own transaction."""
        await self._write(*self._user_upsert(user_id, now, columns))

    async def purge_case(self, case_id: str) -> int:
        """Retention: unlink every supporter from a closed case; the anonymous counts stay.

        What was tied to the case goes (actions, following it, the letter language chosen).
        A supporter with no other case left loses their signature too; one who also gave no
        standing consent (alerts about new cases) is deleted entirely. Returns how many
        supporters were unlinked.
        """
        async with self._transaction() as db:
            rows = await db.execute_fetchall(
                "SELECT user_key FROM actions WHERE case_id = :case"
                " UNION SELECT user_key FROM subscriptions WHERE case_id = :case"
                " UNION SELECT user_key FROM letter_choices WHERE case_id = :case",
                {"case": case_id},
            )
            keys = [(row[0],) for row in rows]
            for table in ("actions", "subscriptions", "letter_choices"):
                await db.execute(f"DELETE FROM {table} WHERE case_id = ?", (case_id,))
            await db.execute(
                "UPDATE outbox SET user_key = NULL WHERE state NOT IN ('pending', 'sending')"
                " AND delivery_id IN (SELECT id FROM deliveries WHERE case_id = ?)",
                (case_id,),
            )
            unlinked = (
                " AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.user_key = users.user_key)"
                " AND NOT EXISTS (SELECT 1 FROM subscriptions s"
                " WHERE s.user_key = users.user_key)"
            )
            await db.executemany(
                "DELETE FROM users WHERE user_key = ? AND alerts IS NULL" + unlinked, keys
            )
            await db.executemany(
                "UPDATE users SET sign_mode = NULL, sign_name = NULL, sign_city = NULL,"
                " pending = NULL WHERE user_key = ?" + unlinked,
                keys,
            )
            await db.executemany(_DROP_UNNEEDED_CHAT, keys)
            return len(keys)

    async def case_activity(self) -> dict[str, date]:
        """Every case supporters are linked to, with the last day anyone acted or subscribed.

        Retention uses it for cases no longer in the content (a folder removed): their
        supporters are kept for the retention time after that day, then unlinked.
        """
        rows = await self._db.execute_fetchall(
            "SELECT case_id, max(created_at) FROM (SELECT case_id, created_at FROM actions"
            " UNION ALL SELECT case_id, created_at FROM subscriptions) GROUP BY case_id"
        )
        return {str(case): date.fromisoformat(str(last)[:10]) for case, last in rows}

    async def purge_unlinked(self, first_visit_before: date) -> int:
        """Retention: delete supporters linked to nothing who first came before the given day.

        They chose a language or typed a signature (perhaps half of one) but never confirmed
        an action, followed a case or asked for alerts. Returns how many were deleted.
        """
        return await self._write(
            f"DELETE FROM users WHERE created_at < ? AND NOT ({_LINKED})",
            (first_visit_before.isoformat(),),
        )

    async def scrub(self) -> None:
        """Empty the WAL into the database file, where deleted rows are already zeroed."""
        await self._database.scrub()

    # -- supporters -------------------------------------------------------------------------

    async def supporter(self, user_id: int) -> Supporter | None:
        """Everything stored about this user (settings, actions, subscriptions), or None.

        One query, one trip to the database thread: every update starts with it.
        """
        rows = await self._db.execute_fetchall(
            "SELECT lang, sign_mode, sign_name, sign_city, pending, created_at,"
            " blocked_at IS NOT NULL, alerts, reminders, news,"
            " (SELECT json_group_object(case_id, lang) FROM letter_choices"
            "  WHERE letter_choices.user_key = users.user_key),"
            " (SELECT json_group_array(json_array(case_id, official_id, channel, created_at,"
            "  rowid)) FROM actions WHERE actions.user_key = users.user_key),"
            " (SELECT json_group_array(case_id) FROM subscriptions"
            "  WHERE subscriptions.user_key = users.user_key)"
            " FROM users WHERE user_key = ?",
            (self._key(user_id),),
        )
        row = first(rows)
        if row is None:
            return None
        (
            lang,
            mode,
            name,
            city,
            pending,
            created,
            blocked,
            alerts,
            reminders,
            news,
            choices,
            actions,
            subscriptions,
        ) = row
        vault, key = self._vault, self._key(user_id)
        signature = None
        if mode in SIGNATURE_MODES:
            signature = Signature(
                mode,
                vault.open_optional(name, "sign_name", key) or "",
                vault.open_optional(city, "sign_city", key) or "",
            )
        ordered = sorted(json.loads(actions), key=lambda a: (a[3], a[4]))
        return Supporter(
            lang=lang if lang in LANGS else None,
            signature=signature,
            pending=_load_pending(vault.open_optional(pending, "pending", key)),
            created_at=_day(created),
            blocked=bool(blocked),
            actions=tuple(
                ActionRecord(case, official, channel, _day(at))
                for case, official, channel, at, _ in ordered
            ),
            subscriptions=frozenset(json.loads(subscriptions)),
            alerts=alerts if alerts in ALERT_MODES else None,
            reminders=bool(reminders),
            news=bool(news),
            letter_langs=dict(json.loads(choices)),
        )

    async def stored_data(self, user_id: int) -> StoredData | None:
        """Everything stored about this user, for /mydata (not on the hot path: two queries)."""
        supporter = await self.supporter(user_id)
        if supporter is None:
            return None
        rows = await self._db.execute_fetchall(
            "SELECT seen_lang, chat_id IS NOT NULL, stopped_at, blocked_at,"
            " (SELECT json_group_object(case_id, created_at) FROM subscriptions"
            "  WHERE subscriptions.user_key = users.user_key),"
            " (SELECT count(*) FROM outbox WHERE outbox.user_key = users.user_key)"
            " FROM users WHERE user_key = ?",
            (self._key(user_id),),
        )
        row = first(rows)
        if row is None:
            return None
        seen, has_chat, stopped, blocked, subscribed, messages = row
        return StoredData(
            supporter=supporter,
            seen_lang=seen if seen in LANGS else None,
            has_chat=bool(has_chat),
            stopped_on=_day(stopped) if stopped else None,
            blocked_on=_day(blocked) if blocked else None,
            subscribed_on={case: _day(at) for case, at in json.loads(subscribed).items()},
            messages=int(messages),
        )

    async def unblocked(self, user_id: int) -> None:
        """The supporter wrote again after blocking the bot: they can be messaged again."""
        await self._write(
            "UPDATE users SET blocked_at = NULL WHERE user_key = ?", (self._key(user_id),)
        )

    async def set_language(self, user_id: int, lang: Lang, now: datetime) -> None:
        """Remember the interface language the supporter chose."""
        await self._upsert(user_id, now, lang=lang)

    async def set_signature(self, user_id: int, signature: Signature, now: datetime) -> None:
        """Store how the supporter signs, and stop waiting for typed input."""
        vault, key = self._vault, self._key(user_id)
        await self._upsert(
            user_id,
            now,
            sign_mode=signature.mode,
            sign_name=vault.seal_optional(signature.name or None, "sign_name", key),
            sign_city=vault.seal_optional(signature.city or None, "sign_city", key),
            pending=None,
        )

    async def set_pending(self, user_id: int, pending: Pending | None, now: datetime) -> None:
        """Remember what typed text the bot waits for (kept in the database across restarts)."""
        key = self._key(user_id)
        sealed = self._vault.seal_optional(_dump_pending(pending), "pending", key)
        await self._upsert(user_id, now, pending=sealed)

    async def forget(self, user_id: int, update_id: int | None = None) -> bool:
        """Delete everything about this user; anonymous totals stay. True if anything existed.

        Their actions, cases followed and letter languages go with them (ON DELETE CASCADE),
        and, if they are an organizer, who sent a broadcast and where its progress was shown.
        `update_id`, the update asking for this, leaves the inbox now rather than once handled:
        it holds their id and name, and the WAL is then emptied (so that the deleted rows
        survive in no file), which would copy it, still live, into the database file.
        """
        key = self._key(user_id)
        async with self._transaction() as db:
            cursor = await db.execute("DELETE FROM users WHERE user_key = ?", (key,))
            deleted = cursor.rowcount
            if update_id is not None:
                await db.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))
            await db.execute(
                "UPDATE deliveries SET created_by = NULL, report_to = NULL WHERE created_by = ?",
                (key,),
            )
        await self._database.scrub()
        return deleted > 0

    # -- reminders ------------------------------------------------------------------------

    async def subscribe(self, user_id: int, case_id: str, seen_lang: Lang, now: datetime) -> bool:
        """Follow this case: reminders and news (and lift an earlier /stop); False if already.

        Agreeing to be messaged is the moment the chat id is stored.
        """
        async with self._transaction() as db:
            key = await self._ensure_user(
                db, user_id, now, stopped_at=None, seen_lang=seen_lang, chat_id=CHAT
            )
            cursor = await db.execute(
                "INSERT INTO subscriptions (user_key, case_id, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (key, case_id, day(now)),
            )
            return cursor.rowcount > 0

    async def set_alerts(
        self, user_id: int, mode: AlertMode | None, seen_lang: Lang, now: datetime
    ) -> None:
        """Hear about new Urgent Actions (each, or weekly), or stop hearing (None)."""
        if mode is None:
            async with self._transaction() as db:
                key = self._key(user_id)
                await db.execute("UPDATE users SET alerts = NULL WHERE user_key = ?", (key,))
                await db.execute(_DROP_UNNEEDED_CHAT, (key,))
            return
        await self._upsert(
            user_id, now, alerts=mode, stopped_at=None, seen_lang=seen_lang, chat_id=CHAT
        )

    async def set_switch(
        self, user_id: int, kind: Literal["reminders", "news"], on: bool, now: datetime
    ) -> None:
        """Turn reminders or news about followed cases on or off."""
        await self._upsert(user_id, now, **{kind: int(on)})

    async def set_letter_language(
        self, user_id: int, case_id: str, lang: str, now: datetime
    ) -> None:
        """Remember the letter language the supporter chose for this case."""
        async with self._transaction() as db:
            key = await self._ensure_user(db, user_id, now)
            await db.execute(
                "INSERT INTO letter_choices (user_key, case_id, lang) VALUES (?, ?, ?)"
                " ON CONFLICT DO UPDATE SET lang = excluded.lang",
                (key, case_id, lang),
            )

    async def stop_messages(self, user_id: int, now: datetime) -> bool:
        """/stop: no more reminders, news, alerts or broadcasts; True if there was any."""
        async with self._transaction() as db:
            key = self._key(user_id)
            cursor = await db.execute("DELETE FROM subscriptions WHERE user_key = ?", (key,))
            removed = cursor.rowcount
            cursor = await db.execute(
                "UPDATE users SET stopped_at = ?, alerts = NULL, chat_id = NULL"
                " WHERE user_key = ? AND (stopped_at IS NULL OR alerts IS NOT NULL)",
                (day(now), key),
            )
            return removed > 0 or cursor.rowcount > 0

    # -- actions ----------------------------------------------------------------------------

    async def record_action(
        self,
        user_id: int,
        case_id: str,
        official_id: str,
        channel: str,
        now: datetime,
        seen_lang: Lang | None = None,
    ) -> bool:
        """Record a confirmed action exactly once; True if it is new and was counted.

        The primary key makes a second tap, a re-delivered update or a race of two taps
        count once; the anonymous counts are kept by a trigger in the same statement
        (migration 4), so they can never disagree with the actions.
        """
        async with self._transaction() as db:
            seen = {"seen_lang": seen_lang} if seen_lang is not None else {}
            key = await self._ensure_user(db, user_id, now, **seen)
            cursor = await db.execute(
                "INSERT INTO actions (user_key, case_id, official_id, channel, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (key, case_id, official_id, channel, day(now)),
            )
            return cursor.rowcount > 0

    async def total_actions(self, case_id: str) -> int:
        """The number Amnesty reports: every action ever confirmed on the case, counted once."""
        rows = await self._db.execute_fetchall(
            "SELECT coalesce(sum(count), 0) FROM action_counts WHERE case_id = ?", (case_id,)
        )
        row = first(rows)
        return int(row[0]) if row else 0

    async def daily_counts(self, case_id: str) -> list[tuple[date, str, str, int]]:
        """Anonymous counts per day, official and channel (no personal data)."""
        rows = await self._db.execute_fetchall(
            "SELECT day, official_id, channel, count FROM action_counts WHERE case_id = ?"
            " ORDER BY day, official_id, channel",
            (case_id,),
        )
        rows = rows
        return [(date.fromisoformat(r[0]), r[1], r[2], int(r[3])) for r in rows]


def _day(stored: str) -> date:
    """A stored day (older rows may still carry a time after it)."""
    return date.fromisoformat(stored[:10])


def _dump_pending(pending: Pending | None) -> str | None:
    if pending is None:
        return None
    return json.dumps(
        {"step": pending.step, "target": list(pending.target), "initials": pending.initials}
    )


def _load_pending(raw: str | None) -> Pending | None:
    if not raw:
        return None
    data = json.loads(raw)
    step = data.get("step")
    if step not in ("name", "initials", "city", "broadcast", "author"):
        return None
    return Pending(step, tuple(data.get("target", ())), data.get("initials", ""))
