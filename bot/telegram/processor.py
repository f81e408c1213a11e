"""How updates reach the handlers: concurrently, in order per user, once, and not in floods.

python-telegram-bot hands every update from its queue (polling or webhook) to this processor
(`ApplicationBuilder().concurrent_updates(processor)`); `Application.process_update` called
directly bypasses it.

* **Concurrent, in order per user.** Different supporters are handled in parallel (up to
  `max_concurrent_updates`); one supporter's updates wait for each other, so typing a name and
  then tapping a button is handled in that order.  The order is the queue's: nothing awaits
  between taking an update and queueing on its sender's lock, and asyncio's locks are FIFO.
* **Once.** Telegram does not re-deliver an update once it was confirmed, and PTB confirms
  before handling, so every update is kept in the inbox first (`bot.telegram.inbox`) and, after
  a crash, handled again from there at start-up; Telegram also sends again what a crash left
  unconfirmed.  An update id already handled is skipped; the id is recorded after the handlers
  finished, in the transaction that deletes it from the inbox, so a crash in between handles it
  again, which is safe because recording an action is idempotent in the database: exactly
  once in effect.  Every update ends recorded, handled or not (ignored, throttled, a
  duplicate), or the inbox would hand it back after each restart.  See `HandledLog` for why
  this costs almost no database work in steady state.
* **Not in floods.** A per-sender token bucket (1 per second, bursts of 8): over it, messages
  are dropped and button taps are answered without text (or Telegram shows a spinner) but not
  handled; the first time in a flood, the sender is told once that the bot slows down for
  them (`on_flood`).  With the budget's one message a second per chat
  (`bot.telegram.budget`), a flooding supporter gets at most about 60 replies a minute.
  The bucket is consulted in the sender's turn, after the duplicate check, so updates
  re-delivered after a crash cost nothing.  One sender can also have at most
  `max_queued_per_sender` updates waiting, so a flood cannot take the slots others need.
* **Not from channels or bots.** Channel posts and updates sent by bots are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, BaseUpdateProcessor, CallbackContext

from bot.core.metrics import Metrics, metrics
from bot.storage.updates import HandledUpdates
from bot.telegram.handled import HandledLog
from bot.telegram.throttle import TokenBuckets

__all__ = ["HandledLog", "TokenBuckets", "UpdateProcessor"]


log = logging.getLogger(__name__)

#: The processor works for any application: it never looks at what the handlers need.
AnyApplication = Application[Any, Any, Any, Any, Any, Any]
AnyContext = CallbackContext[Any, Any, Any, Any]


#: Telegram keeps an unconfirmed update for 24 hours; an hour more covers clock skew.
KEEP_HANDLED: Final = timedelta(hours=25)


#: How often handled ids are pruned (a day of ids is a small table; hourly is plenty).
PRUNE_EVERY: Final = 3600.0


#: How often the throttling counter is logged, at most.
LOG_EVERY: Final = 60.0


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
        rate: float = 1.0,
        burst: int = 8,
        max_queued_per_sender: int = 8,
        registry: Metrics = metrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.buckets = TokenBuckets(rate, burst, clock)
        self.max_queued_per_sender = max_queued_per_sender
        self.metrics = registry
        self._clock = clock
        self._application: AnyApplication | None = None
        self._queues: dict[int, _Queue] = {}
        self._in_flight: set[int] = set()
        self._next_prune = 0.0
        self._handled: HandledLog | None = None
        self._store: HandledUpdates | None = None
        self._now: Callable[[], datetime] | None = None
        self._throttled_since_log = 0
        self._next_log = 0.0
        #: Tells a flooding sender, once per flood, that the bot is slowing down for them.
        self.on_flood: Callable[[Update], Awaitable[None]] | None = None

    def attach(self, application: AnyApplication) -> None:
        """Give the processor its application (for its error handler); call once after build."""
        if self._application is application:
            return
        self._application = application
        # A handler's exception never reaches the processor (PTB passes it to the error
        # handlers), so failures are counted by an error handler of our own.
        application.add_error_handler(self._count_failure)

    def remember_in(self, store: HandledUpdates | None, now: Callable[[], datetime]) -> None:
        """Record handled update ids in `store` (None: stop, as when the database closes).

        Until a store is given (before the database is open) updates are not de-duplicated.
        """
        self._store, self._now = store, now
        self._handled = None if store is None else HandledLog(store, now)

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
            await self._done(update)
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
        handled = self._handled
        if handled is not None and await handled.seen(update.update_id):
            self.metrics.updates_duplicate.inc()
            _discard(coroutine)
            await self._done(update)  # recorded already; this only clears a stray inbox row
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
            await self._done(update)
            self.metrics.update_seconds.observe(time.perf_counter() - started)

    async def _done(self, update: Update) -> None:
        """Record the update as handled (which also deletes it from the inbox)."""
        handled = self._handled
        if handled is not None:
            await handled.mark(update.update_id)
            await self._prune()

    async def _prune(self) -> None:
        """Forget ids older than Telegram keeps updates, once an hour."""
        store, now = self._store, self._now
        if store is not None and now is not None and self._clock() >= self._next_prune:
            self._next_prune = self._clock() + PRUNE_EVERY
            pruned = await store.prune(now() - KEEP_HANDLED)
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
        sender = _sender(update)
        if self.on_flood is not None and sender is not None and self.buckets.first_refusal(sender):
            self.metrics.flood_notices.inc()
            try:
                await self.on_flood(update)
            except Exception as error:  # best effort: the update must still end recorded
                log.info("could not tell a flooding sender (%s)", type(error).__name__)
        await self._done(update)  # dropped for good: not handled again after a restart

    async def _count_failure(self, update: object, context: AnyContext) -> None:
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
