"""Broadcasts: every supporter gets the message exactly once, or is counted as not reached.

Everything crosses loopback HTTP to the fake Bot API; the database is a real file, reopened
after a simulated crash as a restarted process would.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pytest
from telegram import Bot

from bot.campaigns.delivery import Delivery, build_delivery_bot
from bot.core.crypto import Vault
from bot.storage import Storage
from bot.storage.database import Database
from bot.storage.outbox import Outbox, Payload
from bot.storage.stats import Stats
from bot.telegram.request import AiohttpRequest
from faketelegram import FakeTelegram, max_in_any_window
from tests.harness import SECRET_KEY, TOKEN

# PTB's own RetryAfter constructor warns that `retry_after` will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

NOW = datetime(2022, 5, 5, 12, 0, tzinfo=UTC)
TEXT = "<b>Day 30.</b> Alexei is still detained. Please write to the President today."
MARKUP = json.dumps({"inline_keyboard": [[{"text": "Take action", "callback_data": "case:ua"}]]})
FIRST_USER = 5_000_001


@dataclass
class World:
    """One database file and the fake Bot API; engines come and go as processes would."""

    fake: FakeTelegram
    path: Path
    database: Database
    storage: Storage
    outbox: Outbox
    engines: list[Delivery] = field(default_factory=list)
    reports: list[tuple[int, dict[str, int], float | None]] = field(default_factory=list)

    async def supporters(self, count: int, first: int = FIRST_USER) -> list[int]:
        """Supporters who follow a case (consent to be messaged: a sealed chat id is kept)."""
        ids = list(range(first, first + count))
        for user_id in ids:
            await self.storage.subscribe(user_id, "ua-31-22", "en", NOW)
        return ids

    def key(self, user_id: int) -> str:
        return self.storage._key(user_id)

    async def broadcast(
        self,
        user_ids: Iterable[int],
        *,
        key: str | None = None,
        paid: bool = False,
        state: Literal["sending", "draft"] = "sending",
    ) -> int:
        recipients = [(self.key(u), Payload(TEXT, MARKUP)) for u in user_ids]
        delivery_id = await self.outbox.create_delivery(
            "broadcast",
            "ua",
            key,
            "subscribers",
            "organizer",
            paid,
            recipients,
            state=state,
            now=NOW,
        )
        assert delivery_id is not None
        return delivery_id

    def engine(self, *, read_timeout: float = 5.0, **options: Any) -> Delivery:
        async def progress(delivery_id: int, counts: dict[str, int], eta: float | None) -> None:
            self.reports.append((delivery_id, counts, eta))

        options.setdefault("rate", 200.0)
        options.setdefault("progress", progress)
        options.setdefault("progress_every", 0.2)
        options.setdefault("backoff", 0.05)
        bot = build_delivery_bot(TOKEN, self.fake.base_url, read_timeout=read_timeout)
        engine = Delivery(self.outbox, bot, **options)
        self.engines.append(engine)
        return engine

    async def reopen(self) -> None:
        """A new process: new connection, new Storage and Outbox on the same file."""
        await self.database.close()
        self.database = await Database.open(self.path, Vault(SECRET_KEY))
        self.storage = Storage(self.database)
        self.outbox = Outbox(self.database)

    async def until_done(self, delivery_id: int, within: float = 10.0) -> dict[str, int]:
        deadline = time.monotonic() + within
        while True:
            info = await self.outbox.get(delivery_id)
            assert info is not None
            if info.state == "done":
                return await self.outbox.counts(delivery_id)
            assert time.monotonic() < deadline, await self.outbox.counts(delivery_id)
            await asyncio.sleep(0.02)

    def rows(self, delivery_id: int) -> dict[str, tuple[str, int, str | None]]:
        """user_key → (state, attempts, error), read from the file as an auditor would."""
        with sqlite3.connect(self.path) as connection:
            found = connection.execute(
                "SELECT user_key, state, attempts, error FROM outbox WHERE delivery_id = ?",
                (delivery_id,),
            ).fetchall()
        return {r[0]: (r[1], r[2], r[3]) for r in found}

    def state_of(self, delivery_id: int, user_id: int) -> str:
        return self.rows(delivery_id)[self.key(user_id)][0]

    def received(self, user_id: int) -> int:
        return len(self.fake.messages(user_id))


@pytest.fixture
async def world(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[World]:
    path = tmp_path / "bot.sqlite3"
    database = await Database.open(path, Vault(SECRET_KEY))
    world = World(fake, path, database, Storage(database), Outbox(database))
    yield world
    for engine in world.engines:
        if engine.running:
            await engine.stop()
    await world.database.close()


async def wait_for(condition: Callable[[], bool], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


def faults_for(fake: FakeTelegram, user_id: int) -> int:
    return sum(1 for f in fake.faults_served if f.params.get("chat_id") == user_id)


# -- the ordinary case ------------------------------------------------------------------------


async def test_every_supporter_gets_the_broadcast_exactly_once(world: World) -> None:
    users = await world.supporters(120)
    delivery_id = await world.broadcast(users)
    engine = world.engine()
    await engine.start()
    engine.wake()

    counts = await world.until_done(delivery_id)

    assert counts["sent"] == 120 and sum(counts.values()) == 120
    assert all(world.received(u) == 1 for u in users)
    message = world.fake.last_message(users[0])
    assert message is not None and message.text is not None
    assert message.text.startswith("Day 30.") and message.button_texts == ["Take action"]
    # Progress was reported while sending and once at the end, with nothing left to do.
    final = [r for r in world.reports if r[0] == delivery_id][-1]
    assert final[1]["sent"] == 120 and final[2] == 0.0
    info = await world.outbox.get(delivery_id)
    assert info is not None and info.finished_at is not None and info.progress is not None


async def test_a_new_delivery_starts_without_waiting_for_the_poll(world: World) -> None:
    users = await world.supporters(3)
    engine = world.engine()
    await engine.start()
    await asyncio.sleep(0.1)  # the engine is idle, waiting up to a second for work
    started = time.monotonic()
    delivery_id = await world.broadcast(users)
    engine.wake()
    await world.until_done(delivery_id)
    assert time.monotonic() - started < 0.5


async def test_an_automatic_delivery_with_a_used_key_is_not_created_again(world: World) -> None:
    users = await world.supporters(2)
    recipients = [(world.key(u), Payload(TEXT)) for u in users]
    first = await world.outbox.create_delivery(
        "reminder", "ua", "reminder:ua:3", "reminder", None, False, recipients, now=NOW
    )
    assert first is not None
    await world.reopen()  # also after a restart
    again = await world.outbox.create_delivery(
        "reminder", "ua", "reminder:ua:3", "reminder", None, False, recipients, now=NOW
    )
    assert again is None
    assert (await world.outbox.counts(first))["pending"] == 2


async def test_a_draft_is_sent_only_once_confirmed(world: World) -> None:
    users = await world.supporters(3)
    delivery_id = await world.broadcast(users, state="draft")
    engine = world.engine()
    await engine.start()
    await asyncio.sleep(0.2)
    assert all(world.received(u) == 0 for u in users)
    assert await world.outbox.start(delivery_id)
    engine.wake()
    assert (await world.until_done(delivery_id))["sent"] == 3


# -- recipients who cannot be reached ---------------------------------------------------------


async def test_forgotten_and_unknown_supporters_are_counted_as_cancelled(world: World) -> None:
    users = await world.supporters(4)
    recipients = [(world.key(u), Payload(TEXT)) for u in users]
    recipients.append(("no-such-user", Payload(TEXT)))
    recipients.append((world.key(users[0]), Payload(TEXT)))  # listed twice: one message
    delivery_id = await world.outbox.create_delivery(
        "broadcast", "ua", None, "subscribers", None, False, recipients, state="draft", now=NOW
    )
    assert delivery_id is not None
    assert await world.storage.forget(users[1])  # /forget after the broadcast was prepared
    await world.outbox.start(delivery_id)
    engine = world.engine()
    await engine.start()

    counts = await world.until_done(delivery_id)

    assert counts["sent"] == 3 and counts["cancelled"] == 2 and sum(counts.values()) == 5
    assert world.received(users[1]) == 0 and world.received(users[0]) == 1


async def test_a_supporter_who_blocked_the_bot_is_marked_and_never_retried(world: World) -> None:
    users = await world.supporters(5)
    blocked = users[2]
    world.fake.blocked_chats.add(blocked)
    delivery_id = await world.broadcast(users)
    engine = world.engine()
    await engine.start()

    counts = await world.until_done(delivery_id)

    assert counts["blocked"] == 1 and counts["sent"] == 4
    assert world.state_of(delivery_id, blocked) == "blocked"
    assert faults_for(world.fake, blocked) == 1
    with sqlite3.connect(world.path) as connection:
        (blocked_at,) = connection.execute(
            "SELECT blocked_at FROM users WHERE user_key = ?", (world.key(blocked),)
        ).fetchone()
    assert blocked_at is not None
    assert await Stats(world.database).blocked() == 1  # what /stats reports
    # The next broadcast does not even try: the row is settled as 'blocked' when claimed.
    second = await world.broadcast(users)
    engine.wake()
    assert (await world.until_done(second))["blocked"] == 1
    assert faults_for(world.fake, blocked) == 1


async def test_a_supporter_marked_blocked_elsewhere_is_skipped_and_counted(world: World) -> None:
    users = await world.supporters(3)
    await world.outbox.mark_blocked(world.key(users[0]))
    delivery_id = await world.broadcast(users)
    engine = world.engine()
    await engine.start()
    counts = await world.until_done(delivery_id)
    assert counts["blocked"] == 1 and counts["sent"] == 2
    assert world.fake.calls_to("sendMessage") and world.received(users[0]) == 0


async def test_a_bad_request_fails_the_row_without_retrying(world: World) -> None:
    users = await world.supporters(4)
    world.fake.fail("sendMessage", chat_id=users[1], status=400, times=5)
    delivery_id = await world.broadcast(users)
    engine = world.engine()
    await engine.start()

    counts = await world.until_done(delivery_id)

    assert counts["failed"] == 1 and counts["sent"] == 3
    state, attempts, error = world.rows(delivery_id)[world.key(users[1])]
    assert (state, attempts) == ("failed", 1) and error is not None
    assert error.startswith("BadRequest")
    assert faults_for(world.fake, users[1]) == 1


# -- Telegram in trouble ----------------------------------------------------------------------


async def test_429_pauses_all_sending_for_retry_after_then_resumes(world: World) -> None:
    users = await world.supporters(40)
    world.fake.fail("sendMessage", chat_id=users[10], status=429, retry_after=1)
    delivery_id = await world.broadcast(users)
    engine = world.engine()
    started = time.monotonic()
    await engine.start()

    counts = await world.until_done(delivery_id)

    assert counts["sent"] == 40
    assert all(world.received(u) == 1 for u in users)
    (fault,) = world.fake.faults_served
    # Requests already in flight may land just after the 429; then nothing for a second.
    later = [t for t in world.fake.send_times if t > fault.time + 0.05]
    assert later and min(later) >= fault.time + 0.95
    assert time.monotonic() - started >= 1.0
    # Being told to slow down is not a failed attempt.
    assert world.rows(delivery_id)[world.key(users[10])][1] == 1


async def test_a_5xx_is_retried_with_backoff_then_sent(world: World) -> None:
    users = await world.supporters(5)
    world.fake.fail("sendMessage", chat_id=users[0], status=502, times=2)
    delivery_id = await world.broadcast(users)
    engine = world.engine()
    await engine.start()

    counts = await world.until_done(delivery_id)

    assert counts["sent"] == 5
    assert world.rows(delivery_id)[world.key(users[0])][:2] == ("sent", 3)
    assert world.received(users[0]) == 1


async def test_a_persistent_5xx_fails_the_row_after_three_attempts(world: World) -> None:
    users = await world.supporters(3)
    world.fake.fail("sendMessage", chat_id=users[1], status=500, times=10)
    delivery_id = await world.broadcast(users)
    engine = world.engine()
    await engine.start()

    counts = await world.until_done(delivery_id)

    assert counts["failed"] == 1 and counts["sent"] == 2
    assert world.rows(delivery_id)[world.key(users[1])][:2] == ("failed", 3)
    assert faults_for(world.fake, users[1]) == 3


async def test_a_timed_out_send_is_unknown_and_never_resent(world: World) -> None:
    users = await world.supporters(4)
    slow = users[1]
    world.fake.delay("sendMessage", 1.0, chat_id=slow)
    delivery_id = await world.broadcast(users)
    engine = world.engine(read_timeout=0.3)
    await engine.start()

    counts = await world.until_done(delivery_id)
    await asyncio.sleep(1.0)  # the fake finishes the slow call: Telegram did deliver it

    assert counts["unknown"] == 1 and counts["sent"] == 3
    assert world.state_of(delivery_id, slow) == "unknown"
    assert world.received(slow) == 1  # once, never twice


async def test_a_connection_dropped_after_delivery_is_unknown_and_not_resent(
    world: World,
) -> None:
    users = await world.supporters(4)
    landed, lost = users[0], users[1]
    world.fake.fail("sendMessage", chat_id=landed, status=0, applied=True)
    world.fake.fail("sendMessage", chat_id=lost, status=0)
    delivery_id = await world.broadcast(users)
    engine = world.engine()
    await engine.start()

    counts = await world.until_done(delivery_id)

    assert counts["unknown"] == 2 and counts["sent"] == 2
    assert world.received(landed) == 1  # it did land: re-sending would have duplicated it
    assert world.received(lost) == 0  # we cannot tell the two apart, so neither is re-sent
    assert faults_for(world.fake, landed) == 1 and faults_for(world.fake, lost) == 1


async def test_logs_name_no_supporter(world: World, caplog: pytest.LogCaptureFixture) -> None:
    users = await world.supporters(5)
    world.fake.blocked_chats.add(users[0])
    world.fake.fail("sendMessage", chat_id=users[1], status=400)
    world.fake.fail("sendMessage", chat_id=users[2], status=500, times=3)
    world.fake.fail("sendMessage", chat_id=users[3], status=0)
    delivery_id = await world.broadcast(users)
    engine = world.engine()
    with caplog.at_level(logging.DEBUG, logger="bot"):
        await engine.start()
        await world.until_done(delivery_id)
    assert caplog.records
    for record in caplog.records:
        line = record.getMessage() + (record.exc_text or "")
        assert not any(str(u) in line for u in users), line
        assert TOKEN not in line and "Alexei" not in line


# -- stopping, crashing, resuming -------------------------------------------------------------


async def test_a_crash_mid_broadcast_never_sends_anyone_twice(world: World) -> None:
    users = await world.supporters(150)
    delivery_id = await world.broadcast(users)
    engine = world.engine()
    await engine.start()
    await wait_for(lambda: len(world.fake.send_times) >= 40)
    # Telegram slows down: these requests will be in flight when the process dies, and
    # the fake still delivers them afterwards, as Telegram would.
    world.fake.delay("sendMessage", 0.4, times=10)
    await asyncio.sleep(0.1)
    await engine.abort()
    await asyncio.sleep(0.5)
    delivered_before_restart = sum(world.received(u) for u in users)

    await world.reopen()
    restarted = world.engine()
    await restarted.start()
    counts = await world.until_done(delivery_id)

    rows = world.rows(delivery_id)
    assert sum(counts.values()) == 150 and counts["pending"] == counts["sending"] == 0
    assert counts["sent"] + counts["unknown"] == 150
    assert counts["unknown"] >= 1
    in_flight_delivered = 0
    for user_id in users:
        state = rows[world.key(user_id)][0]
        received = world.received(user_id)
        assert received <= 1, "a supporter got the broadcast twice"
        if state == "sent":
            assert received == 1
        else:
            assert state == "unknown"
            in_flight_delivered += received
    # The trap was real: some requests in flight at the crash did deliver, and were not resent.
    assert in_flight_delivered >= 1
    assert sum(world.received(u) for u in users) == counts["sent"] + in_flight_delivered
    assert delivered_before_restart >= 40


async def test_a_graceful_stop_pauses_and_a_restart_completes(world: World) -> None:
    users = await world.supporters(80)
    delivery_id = await world.broadcast(users)
    engine = world.engine(rate=100.0)
    await engine.start()
    await wait_for(lambda: len(world.fake.send_times) >= 20)
    await engine.stop()

    paused = await world.outbox.counts(delivery_id)
    assert paused["sending"] == 0 and paused["unknown"] == 0
    assert 20 <= paused["sent"] < 80 and paused["sent"] + paused["pending"] == 80
    assert sum(world.received(u) for u in users) == paused["sent"]

    await world.reopen()
    restarted = world.engine(rate=100.0)
    await restarted.start()
    counts = await world.until_done(delivery_id)
    assert counts["sent"] == 80 and counts["unknown"] == 0
    assert all(world.received(u) == 1 for u in users)


async def test_cancel_stops_the_rest_and_counts_it(world: World) -> None:
    users = await world.supporters(60)
    delivery_id = await world.broadcast(users)
    engine = world.engine(rate=40.0)
    await engine.start()
    await wait_for(lambda: len(world.fake.send_times) >= 10)

    sent_before = len(world.fake.send_times)
    cancelled = await engine.cancel(delivery_id)
    await asyncio.sleep(0.3)

    counts = await world.outbox.counts(delivery_id)
    # Only requests already in flight may still land; the row waiting its turn is cancelled.
    assert len(world.fake.send_times) - sent_before <= 1
    assert cancelled > 0 and counts["cancelled"] in (cancelled, cancelled + 1)
    assert counts["sent"] + counts["cancelled"] == 60
    assert len(world.fake.send_times) == counts["sent"]
    info = await world.outbox.get(delivery_id)
    assert info is not None and info.state == "cancelled"


async def test_a_failing_progress_callback_does_not_stop_the_broadcast(world: World) -> None:
    users = await world.supporters(10)
    delivery_id = await world.broadcast(users)

    async def broken(delivery_id: int, counts: dict[str, int], eta: float | None) -> None:
        raise RuntimeError("the organizer's chat is gone")

    engine = world.engine(progress=broken)
    await engine.start()
    assert (await world.until_done(delivery_id))["sent"] == 10


# -- pace -------------------------------------------------------------------------------------


async def test_never_more_than_rate_in_any_second_and_no_initial_burst(world: World) -> None:
    users = await world.supporters(60)
    delivery_id = await world.broadcast(users)
    engine = world.engine(rate=20.0)
    await engine.start()

    await world.until_done(delivery_id, within=8)

    times = sorted(world.fake.send_times)
    assert len(times) == 60
    assert max_in_any_window(times) <= 20
    assert times[19] - times[0] >= 0.9  # the first twenty are spread over a second
    assert times[-1] - times[0] >= 2.8


async def test_a_paid_broadcast_uses_paid_broadcast_and_its_own_rate(world: World) -> None:
    users = await world.supporters(60)
    delivery_id = await world.broadcast(users, paid=True)
    engine = world.engine(rate=20.0, paid_rate=300.0)
    await engine.start()
    started = time.monotonic()
    await world.until_done(delivery_id)
    assert time.monotonic() - started < 1.5  # not 3 s at 20/s
    calls = world.fake.calls_to("sendMessage")
    assert len(calls) == 60 and all(c.params.get("allow_paid_broadcast") for c in calls)
    assert max_in_any_window(world.fake.send_times) <= 300


async def test_interactive_replies_take_their_share_of_the_rate(world: World) -> None:
    users = await world.supporters(30)
    engine = world.engine(rate=20.0)
    # The Application's bot: its own pool, and every send through the shared budget.
    replies = Bot(
        TOKEN,
        base_url=f"{world.fake.base_url}/bot",
        request=AiohttpRequest(budget=engine.budget),
    )
    await replies.initialize()
    supporters = range(4_000_000, 4_000_025)  # each chat once: one chat is paced to ~1/s
    reply_times: list[float] = []

    async def reply_ten_per_second() -> None:
        for supporter in supporters:
            await replies.send_message(supporter, "Thank you for writing!")
            reply_times.append(time.monotonic())
            await asyncio.sleep(0.1)

    replying = asyncio.create_task(reply_ten_per_second())
    await asyncio.sleep(0.5)  # supporters are busy when the organizer starts a broadcast
    delivery_id = await world.broadcast(users)
    started = time.monotonic()
    await engine.start()
    await replying
    elapsed = time.monotonic() - started
    broadcast_while_replying = sum(world.received(u) for u in users)
    await world.until_done(delivery_id, within=8)
    await replies.shutdown()

    # Alone it would have sent 20 a second; beside ~10 replies a second, about 10 a second.
    assert 0.4 * 20 * elapsed <= broadcast_while_replying <= 0.7 * 20 * elapsed + 2
    # Together they stay within the budget.
    assert max_in_any_window(world.fake.send_times) <= 20
    assert all(world.received(u) == 1 for u in users)
    # Replies within their half are never held back by the broadcast.
    assert max(b - a for a, b in itertools.pairwise(reply_times)) < 0.3
    assert all(len(world.fake.messages(supporter)) == 1 for supporter in supporters)
