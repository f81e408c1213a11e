"""The update processor: each update once, one supporter's updates in order, floods throttled.

The bot runs as in production (`bot.runner.Runner`: a real getUpdates polling loop against the
fake Bot API), because only updates taken from the application's queue go through the
processor; `Application.process_update`, which the other tests call, bypasses it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Update

from bot.content.models import Content
from bot.core.metrics import metrics
from bot.handlers.common import BotApplication
from bot.runner import Runner
from bot.settings import Settings
from bot.telegram.processor import UpdateProcessor
from bot.telegram.throttle import TokenBuckets
from faketelegram import FakeTelegram, FakeUser
from tests.harness import SECRET_KEY, TOKEN, MutableClock

JSON = dict[str, Any]


def settings_for(fake: FakeTelegram, database: Path, **overrides: Any) -> Settings:
    """The bot's settings against the fake Bot API."""
    return Settings(
        token=SecretStr(TOKEN),
        secret_key=SecretStr(SECRET_KEY),
        api_url=fake.base_url,
        database=database,
        **overrides,
    )


def wire_processor(app: BotApplication) -> UpdateProcessor:
    """The application's UpdateProcessor, as `bot.app` wires it (fails if it is not)."""
    processor = app.update_processor
    assert isinstance(processor, UpdateProcessor), "bot.app must wire the UpdateProcessor"
    return processor


async def forget_stale_polls(fake: FakeTelegram) -> None:
    """Restart the fake Bot API on its port, keeping its state (chats, queued updates).

    A stopped or killed bot leaves its last long poll open in the fake, which would take the
    next update (real Telegram ends it when the next getUpdates arrives, with 409 Conflict).
    """
    port = int(fake.base_url.rsplit(":", 1)[1])
    await fake.stop()
    await fake.start(port=port)


async def wait_until(condition: Callable[[], bool], within: float = 5.0) -> float:
    """Poll until `condition` holds; returns how long that took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within:
            raise AssertionError(f"condition not reached within {within} s")
        await asyncio.sleep(0.005)
    return time.monotonic() - started


class Polling:
    """The bot in production shape (polling) and users whose updates are only queued."""

    def __init__(
        self, fake: FakeTelegram, database: Path, content: Content, clock: MutableClock
    ) -> None:
        self.fake = fake
        self.database = database
        self.content = content
        self.clock = clock
        self.runner: Runner | None = None
        self.pushed: list[JSON] = []

    async def start(self) -> None:
        runner = Runner(settings_for(self.fake, self.database), self.content, self.clock, port=0)
        wire_processor(runner.application)
        await runner.start()
        self.runner = runner

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
            self.runner = None

    @property
    def app(self) -> BotApplication:
        assert self.runner is not None
        return self.runner.application

    async def _push(self, update: JSON) -> None:
        self.pushed.append(update)
        self.fake.push_update(update)

    def user(self, user_id: int, name: str = "Ann") -> FakeUser:
        """A user whose messages and taps are queued for getUpdates without waiting."""
        return self.fake.user(user_id, name, "en", deliver=self._push)

    def sends_to(self, chat_id: int) -> int:
        return sum(1 for call in self.fake.calls_to("sendMessage") if call.chat_id == chat_id)

    def answers(self) -> int:
        return len(self.fake.calls_to("answerCallbackQuery"))


@pytest.fixture
async def polling(
    fake: FakeTelegram, tmp_path: Path, content: Content, clock: MutableClock
) -> AsyncIterator[Polling]:
    bot = Polling(fake, tmp_path / "bot.sqlite3", content, clock)
    await bot.start()
    yield bot
    await bot.stop()


async def test_an_update_delivered_twice_at_once_is_handled_once(polling: Polling) -> None:
    ann = polling.user(1001)
    await ann.send("/start")
    first = polling.pushed[-1]
    polling.fake.push_update(first)  # the same update_id again, as a retrying Telegram would
    before = metrics.updates_duplicate.value()
    await wait_until(lambda: polling.sends_to(ann.id) >= 1)
    await polling.fake.settle(quiet=0.2)
    assert polling.sends_to(ann.id) == 1
    assert metrics.updates_duplicate.value() == before + 1


async def test_a_tap_redelivered_after_a_restart_is_not_handled_again(polling: Polling) -> None:
    ann = polling.user(1002)
    await ann.send("/start")
    await wait_until(lambda: ann.last is not None)
    assert ann.last is not None
    await ann.click_data("k:ua-31-22:ambassador:t:en", ann.last.message_id)
    await wait_until(lambda: polling.answers() == 1)
    await polling.fake.settle(quiet=0.1)
    sends, edits = polling.sends_to(ann.id), len(polling.fake.calls_to("editMessageText"))
    tap = polling.pushed[-1]

    # A crash before Telegram heard the offset: the new process gets the same update again.
    await polling.stop()
    await forget_stale_polls(polling.fake)
    await polling.start()
    polling.fake.push_update(tap)
    await polling.fake.settle(quiet=0.3)

    assert polling.answers() == 1  # answering twice is an error at Telegram
    assert polling.sends_to(ann.id) == sends
    assert len(polling.fake.calls_to("editMessageText")) == edits
    with_sqlite = polling.runner.application.bot_data["services"].storage  # type: ignore[union-attr]
    assert await with_sqlite.handled_updates.seen(tap["update_id"])


async def test_a_flooding_supporter_is_throttled_and_others_are_answered_promptly(
    polling: Polling,
) -> None:
    flooder, other = polling.user(1003, "Flo"), polling.user(1004, "Bea")
    await flooder.send("/start")
    await wait_until(lambda: flooder.last is not None)
    card = flooder.last
    assert card is not None
    data = flooder.button("📖 Background", card)["callback_data"]
    await wait_until(lambda: metrics.updates_in_flight.value() == 0)  # /start counted
    handled, throttled = metrics.updates.value(), metrics.updates_throttled.value()

    flood = 200
    started = time.monotonic()
    for _ in range(flood):  # 200 taps in the same instant
        await flooder.click_data(data, card.message_id)
    await other.send("/start")
    latency = await wait_until(lambda: other.last is not None)
    # The taps let through wait for their chat's pace (about a message a second after a
    # burst; each Background is two messages), well within Telegram's 15 s for an answer.
    await wait_until(lambda: polling.answers() == flood, within=15)
    await wait_until(lambda: metrics.updates_in_flight.value() == 0)
    elapsed = time.monotonic() - started

    # Everyone else is answered as if nobody were flooding.
    assert latency < 0.5, f"another supporter waited {latency:.3f} s"
    # The flooder gets the rest of the burst (8, less the /start) and 1 a second after it;
    # every tap is still answered.
    flooded = metrics.updates.value() - handled - 1  # minus the other supporter's /start
    assert 7 <= flooded <= 7 + 1 * elapsed + 1
    assert metrics.updates_throttled.value() - throttled == flood - flooded
    assert polling.fake.unanswered_callbacks() == []


async def test_one_supporters_updates_are_handled_in_order_others_in_parallel(
    polling: Polling,
) -> None:
    ann, bob = polling.user(1005, "Ann"), polling.user(1006, "Bob")
    await ann.send("/start")
    await wait_until(lambda: ann.last is not None)
    card = ann.last
    assert card is not None
    polling.fake.delay("editMessageText", 0.4, chat_id=ann.id)  # Ann's tap is slow to show

    await ann.click("✍️ President of Kazakhstan", card)  # Ann taps, and at once types /help
    await ann.send("/help")
    await bob.send("/help")
    bob_waited = await wait_until(lambda: bob.last is not None)
    await wait_until(lambda: len(ann.messages) == 2)

    assert bob_waited < 0.3, "Bob waited for Ann's slow reply"
    await wait_until(lambda: card.edited)
    president, help_text = ann.messages
    assert help_text.text.startswith("How this bot works")
    assert president.seq < help_text.seq, "Ann's /help was answered before her tap"


async def test_channel_posts_and_bots_are_ignored(polling: Polling) -> None:
    now = int(time.time())
    channel = {"id": -1001234567890, "type": "channel", "title": "News"}
    robot = {"id": 5550001, "is_bot": True, "first_name": "Spambot"}
    command = [{"type": "bot_command", "offset": 0, "length": 6}]
    updates = [
        {"update_id": 900001, "channel_post": {
            "message_id": 1, "chat": channel, "date": now, "text": "/start", "entities": command,
        }},
        {"update_id": 900002, "edited_channel_post": {
            "message_id": 1, "chat": channel, "date": now, "edit_date": now, "text": "/help",
        }},
        {"update_id": 900003, "message": {
            "message_id": 1, "from": robot, "date": now, "text": "/start", "entities": command,
            "chat": {"id": robot["id"], "type": "private", "first_name": "Spambot"},
        }},
    ]  # fmt: skip
    ignored = metrics.updates_ignored.value("channel"), metrics.updates_ignored.value("bot")
    # Telegram sends none of these for our allowed_updates; a webhook set by hand might.
    for data in updates:
        await polling.app.update_queue.put(Update.de_json(data, polling.app.bot))
    ann = polling.user(1007)
    await ann.send("/start")
    await wait_until(lambda: ann.last is not None)
    await polling.fake.settle(quiet=0.1)

    assert metrics.updates_ignored.value("channel") == ignored[0] + 2
    assert metrics.updates_ignored.value("bot") == ignored[1] + 1
    assert polling.sends_to(channel["id"]) == 0
    assert polling.sends_to(robot["id"]) == 0


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=5.0, burst=10, clock=lambda: now[0])
    assert sum(buckets.take(1) for _ in range(30)) == 10
    assert buckets.take(2), "another sender has a bucket of their own"
    now[0] += 1.0
    assert sum(buckets.take(1) for _ in range(30)) == 5
    now[0] += 120.0
    buckets.take(3)  # sweeps: buckets that refilled are forgotten
    assert len(buckets) == 1


async def test_handled_ids_are_recorded_in_groups_and_the_highest_is_known(
    tmp_path: Path, clock: MutableClock
) -> None:
    from bot.core.crypto import Vault
    from bot.storage import Storage

    storage = await Storage.open(tmp_path / "ids.sqlite3", Vault(SECRET_KEY))
    try:
        handled = storage.handled_updates
        assert await handled.latest() is None
        await handled.mark_many([7, 3, 9], clock())
        await handled.mark_many([9, 11], clock())  # 9 again: recorded once, no error
        assert await handled.latest() == 11
        assert [await handled.seen(i) for i in (3, 7, 8, 9, 11)] == [True, True, False, True, True]
        rows = await storage._database.connection.execute_fetchall(
            "SELECT count(*) FROM handled_updates"
        )
        assert next(iter(rows))[0] == 4
    finally:
        await storage.close()


def test_a_flood_is_told_once_until_it_has_been_over_for_a_minute() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=1.0, burst=8, clock=lambda: now[0])
    assert buckets.first_refusal(1)
    assert not buckets.first_refusal(1)
    assert buckets.first_refusal(2), "another sender's flood is told too"
    assert buckets.take(1), "being told takes nothing from the sender's bucket"
    now[0] += 59.0
    assert not buckets.first_refusal(1)  # still flooding: refused a second ago
    now[0] += 61.0
    assert buckets.first_refusal(1)  # quiet for a minute: a new flood is told again
