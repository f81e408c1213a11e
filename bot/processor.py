"""How updates reach the handlers: concurrently, in order per user, once, and not in floods.

python-telegram-bot hands every update from its queue (polling or webhook) to this processor
(`ApplicationBuilder().concurrent_updates(processor)`); `Application.process_update` called
directly bypasses it.

* **Concurrent, in order per user.** Different supporters are handled in parallel (up to
  `max_concurrent_updates`); one supporter's updates wait for each other, so typing a name and
  then tapping a button is handled in that order.  The order is the queue's: nothing awaits
  between taking an update and queueing on its sender's lock, and asyncio's locks are FIFO.
* **Once.** Telegram re-delivers updates after a crash (polling: the offset was not confirmed;
  webhook: no 200).  An update id already handled is skipped; the id is recorded after the
  handlers finished, so a crash in between handles it again (at least once), which is safe
  because recording an action is idempotent in the database.  See `HandledLog` for why this
  costs almost no database work in steady state.
* **Not in floods.** A per-sender token bucket (5 per second, bursts of 10): over it, messages
  are dropped and button taps are answered without text (or Telegram shows a spinner) but not
  handled.  The bucket is consulted in the sender's turn, after the duplicate check, so updates
  Telegram re-delivers after a crash cost nothing.  One sender can also have at most
  `max_queued_per_sender` updates waiting, so a flood cannot take the slots others need.
* **Not from channels or bots.** Channel posts and updates sent by bots are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

from bot.handlers.common import BotApplication, BotContext, Services
from bot.metrics import Metrics, metrics
from bot.storage.updates import HandledUpdates

__all__ = ["HandledLog", "TokenBuckets", "UpdateProcessor"]

log = logging.getLogger(__name__)

#: Telegram keeps an unconfirmed update for 24 hours; an hour more covers clock skew.
KEEP_HANDLED: Final = timedelta(hours=25)
#: How often handled ids are pruned (a day of ids is a small table; hourly is plenty).
PRUNE_EVERY: Final = 3600.0
#: How often the throttling counter is logged, at most.
LOG_EVERY: Final = 60.0


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class TokenBuckets:
    """One token bucket per sender: `rate` tokens a second, at most `burst` saved up."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst ≥ 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._next_sweep = clock() + 60.0

    def take(self, key: int) -> bool:
        """Spend a token of `key`'s bucket; False when it is empty (the sender is flooding)."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True

    def __len__(self) -> int:
        return len(self._buckets)

    def _sweep(self, now: float) -> None:
        """Forget buckets that have refilled: they hold nothing a new bucket would not."""
        full_after = self.burst / self.rate
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items() if now - bucket.stamp < full_after
        }
        self._next_sweep = now + 60.0


class HandledLog:
    """Which updates were handled: this process's in memory, earlier processes' in the database.

    Telegram numbers updates in increasing order, so an id above the highest one recorded when
    the process started cannot have been handled before: only ids at or below it (re-deliveries
    after a restart) are looked up in the database.  Ids are written in groups: the updates
    that finish while one write is in progress share the next transaction, so a busy bot does
    not queue one write transaction per update behind the supporters' own writes.
    """

    def __init__(
        self, store: HandledUpdates, now: Callable[[], datetime], remember: int = 100_000
    ) -> None:
        self._store = store
        self._now = now
        self._remember = remember
        self._recent: set[int] = set()
        self._order: deque[int] = deque()
        self._floor: int | None = None  # ids at or below it may be in the database only
        self._batch: list[int] = []
        self._batch_done: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def seen(self, update_id: int) -> bool:
        """Whether the update was handled, by this process or an earlier one."""
        if update_id in self._recent:
            return True
        if self._floor is None:
            latest = await self._store.latest()
            self._floor = -1 if latest is None else latest
        if update_id <= self._floor:
            return await self._store.seen(update_id)
        return False

    async def mark(self, update_id: int) -> None:
        """Record the update as handled; returns once that is committed."""
        self._recent.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self._remember:
            forgotten = self._order.popleft()
            self._recent.discard(forgotten)
            self._floor = max(self._floor or -1, forgotten)  # now only in the database
        if self._batch_done is None:
            self._batch_done = asyncio.get_running_loop().create_future()
        done = self._batch_done
        self._batch.append(update_id)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        await asyncio.shield(done)  # a cancelled update must not cancel the others' commit

    async def _write(self) -> None:
        try:
            while self._batch:
                batch, done = self._batch, self._batch_done
                self._batch, self._batch_done = [], None
                assert done is not None
                try:
                    await self._store.mark_many(batch, self._now())
                except Exception as error:
                    done.set_exception(error)
                    done.exception()  # retrieved: each waiting update raises it, once is enough
                else:
                    done.set_result(None)
        finally:
            self._writer = None


@dataclass
class _Queue:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0  # running or waiting


class UpdateProcessor(BaseUpdateProcessor):
    """Concurrent across senders, sequential per sender, de-duplicated and throttled."""

    def __init__(
        self,
        max_concurrent_updates: int = 256,
        *,
        rate: float = 5.0,
        burst: int = 10,
        max_queued_per_sender: int = 20,
        registry: Metrics = metrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.buckets = TokenBuckets(rate, burst, clock)
        self.max_queued_per_sender = max_queued_per_sender
        self.metrics = registry
        self._clock = clock
        self._application: BotApplication | None = None
        self._queues: dict[int, _Queue] = {}
        self._in_flight: set[int] = set()
        self._next_prune = 0.0
        self._handled: tuple[Services, HandledLog] | None = None
        self._throttled_since_log = 0
        self._next_log = 0.0

    def attach(self, application: BotApplication) -> None:
        """Give the processor its application (for the services); call once after build."""
        if self._application is application:
            return
        self._application = application
        # A handler's exception never reaches the processor (PTB passes it to the error
        # handlers), so failures are counted by an error handler of our own.
        application.add_error_handler(self._count_failure)

    async def initialize(self) -> None:
        """Nothing to open: locks and buckets are made on demand."""

    async def shutdown(self) -> None:
        """Forget per-sender state."""
        self._queues.clear()
        self._in_flight.clear()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Filter, throttle, order and de-duplicate one update, then let the handlers run."""
        if not isinstance(update, Update):
            await coroutine  # something an extension put on the queue: not ours to judge
            return
        reason = _ignored(update)
        if reason is not None:
            self.metrics.updates_ignored.inc(label=reason)
            _discard(coroutine)
            return
        update_id = update.update_id
        if update_id in self._in_flight:  # the same update twice at once (a webhook retry)
            self.metrics.updates_duplicate.inc()
            _discard(coroutine)
            return
        sender = _sender(update)
        if sender is not None and self._queued(sender) >= self.max_queued_per_sender:
            await self._throttle(update, coroutine)
            return
        self._in_flight.add(update_id)
        try:
            async with self._turn(sender):
                await self._handle_once(update, sender, coroutine)
        finally:
            self._in_flight.discard(update_id)

    # -- helpers --------------------------------------------------------------------------

    def _queued(self, sender: int) -> int:
        """How many of the sender's updates are waiting or running."""
        queue = self._queues.get(sender)
        return 0 if queue is None else queue.holders

    @contextlib.asynccontextmanager
    async def _turn(self, sender: int | None) -> AsyncIterator[None]:
        """Wait for the sender's earlier updates; different senders do not wait."""
        if sender is None:
            yield
            return
        queue = self._queues.get(sender)
        if queue is None:
            queue = self._queues[sender] = _Queue()
        queue.holders += 1
        try:
            async with queue.lock:
                yield
        finally:
            queue.holders -= 1
            if queue.holders == 0:
                del self._queues[sender]

    async def _handle_once(
        self, update: Update, sender: int | None, coroutine: Awaitable[Any]
    ) -> None:
        """In the sender's turn: skip a handled update, throttle a flood, else handle."""
        services = self._services()
        handled = self._handled_log(services)
        if handled is not None and await handled.seen(update.update_id):
            self.metrics.updates_duplicate.inc()
            _discard(coroutine)
            return
        if sender is not None and not self.buckets.take(sender):
            await self._throttle(update, coroutine)
            return
        started = time.perf_counter()
        self.metrics.updates_in_flight.inc()
        try:
            await coroutine  # a handler's exception is counted by `_count_failure`
        finally:
            self.metrics.updates_in_flight.dec()
            self.metrics.updates.inc()
            if services is not None and handled is not None:
                await handled.mark(update.update_id)
                await self._prune(services)
            self.metrics.update_seconds.observe(time.perf_counter() - started)

    def _handled_log(self, services: Services | None) -> HandledLog | None:
        """The log of handled updates for these services (new services: a new database)."""
        if services is None:
            return None
        if self._handled is None or self._handled[0] is not services:
            self._handled = (services, HandledLog(services.storage.handled_updates, services.now))
        return self._handled[1]

    async def _prune(self, services: Services) -> None:
        """Forget ids older than Telegram keeps updates, once an hour."""
        handled = services.storage.handled_updates
        if self._clock() >= self._next_prune:
            self._next_prune = self._clock() + PRUNE_EVERY
            pruned = await handled.prune(services.now() - KEEP_HANDLED)
            if pruned:
                log.info("forgot %d handled update id(s) older than a day", pruned)

    async def _throttle(self, update: Update, coroutine: Awaitable[Any]) -> None:
        _discard(coroutine)
        self.metrics.updates_throttled.inc()
        self._throttled_since_log += 1
        now = self._clock()
        if now >= self._next_log:
            # A count only: who floods is not logged.
            log.warning("throttled %d update(s) from flooding senders", self._throttled_since_log)
            self._throttled_since_log = 0
            self._next_log = now + LOG_EVERY
        query = update.callback_query
        if query is not None:
            # Telegram shows a spinner on the button until the query is answered.
            try:
                await query.answer()
            except TelegramError as error:
                log.info("could not answer a throttled button (%s)", type(error).__name__)

    def _services(self) -> Services | None:
        """The services once `start_services` has run; None before (no de-duplication)."""
        if self._application is None:
            return None
        services = self._application.bot_data.get("services")
        return services if isinstance(services, Services) else None

    async def _count_failure(self, update: object, context: BotContext) -> None:
        """Error handler: count updates whose handler raised (polling errors are not ours)."""
        if isinstance(update, Update):
            self.metrics.updates_failed.inc()


def _ignored(update: Update) -> str | None:
    """Why this update is not for the bot: channel posts and bots' updates."""
    if update.channel_post is not None or update.edited_channel_post is not None:
        return "channel"
    user = update.effective_user
    if user is not None and user.is_bot:
        return "bot"
    return None


def _sender(update: Update) -> int | None:
    """Whose updates must stay in order: the user's, else the chat's."""
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return None


def _discard(coroutine: Awaitable[Any]) -> None:
    """Drop the handlers' coroutine without a 'never awaited' warning."""
    if inspect.iscoroutine(coroutine):
        coroutine.close()
