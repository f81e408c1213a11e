"""The delivery engine: sends the outbox at Telegram's pace, exactly once or visibly not at all.

Rule one is *never twice*: a duplicate to an activist is worse than a missed message, and a
silent skip is worse than both, so every recipient ends in a counted state.

How a row moves (see `bot.storage.outbox`): it is claimed ('sending' is committed) just before
its request leaves; the answer decides its final state:

==========================================  ==============================================
outcome                                      row
==========================================  ==============================================
200 OK                                       'sent'
429 `RetryAfter`                             back to 'pending' (not counted as an attempt);
                                             ALL sending pauses for ``retry_after`` seconds
403 `Forbidden`                              'blocked', and the user is marked blocked
400 `BadRequest`                             'failed' (the same request would fail again)
`TimedOut` (no answer in time, 504 too)      'unknown': Telegram may have delivered it
`ResponseLost` (connection reset or closed   'unknown': the request may have been written,
after the request may have been written)     so re-sending could duplicate it
`RequestNotSent` (connect refused, connect   back to 'pending' with a pause that doubles
or pool timeout) and other `NetworkError`    while errors go on (0.5 s, 1 s, ... 30 s);
(5xx answers)                                'failed' after 3 attempts in all
any other error                              'failed' with the error's class name
process killed while in flight               'unknown' (`Outbox.recover` at start-up)
==========================================  ==============================================

A 5xx answer is an answer: Telegram says it did not do it, so it is retried.  The backoff is
global, not per row: 5xx and refused connections mean Telegram (or the way to it) is in
trouble, and hammering it would burn every row's three attempts in seconds.

Pacing is Telegram's one message budget (`bot.telegram.budget.SendBudget`), shared with every
reply and edit the Application sends: never more than the rate in any one second, sends spaced
evenly (no burst at the start), replies served first but the broadcast always keeping its
share.  A send leaves when the budget allows, not when the previous answer came back: many
requests are in flight at once, so latency does not lower the rate.  PTB's AIORateLimiter is
not used: it lets about twice the rate through in the first second.

Results are written in small batches (every 50 ms) rather than one commit per message; if the
process dies in between, those rows are still 'sending' and become 'unknown' — never re-sent.
Rows are claimed only a few sends ahead (50 ms worth), so a crash leaves at most that many
unsent rows as 'unknown'.

Logs carry delivery and row ids and error class names only: no chat id, name or text.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any, Final

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest
from telegram.warnings import PTBDeprecationWarning

from bot.storage.outbox import Outbox, OutboxItem, RowState
from bot.telegram.budget import SendBudget, Slot
from bot.telegram.request import AiohttpRequest, RequestNotSent, ResponseLost

__all__ = [
    "Delivery",
    "DeliveryBot",
    "Progress",
    "build_delivery_bot",
]


log = logging.getLogger(__name__)


Progress = Callable[[int, dict[str, int], float | None], Awaitable[None]]


ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


#: Attempts a row gets against 5xx answers and refused connections before it is 'failed'.
MAX_ATTEMPTS: Final = 3


#: How far ahead rows are claimed: small, because claimed rows lost in a crash become 'unknown'.
CLAIM_AHEAD: Final = 0.05


#: How long results wait to be written together.
FLUSH_INTERVAL: Final = 0.05


#: How often to look for new deliveries when nobody calls `wake`.
POLL_INTERVAL: Final = 1.0


MAX_BACKOFF: Final = 30.0


# Case links would otherwise unfurl into a large preview of the bot itself.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


_NO_PREVIEW_JSON: Final = json.dumps(_NO_PREVIEW.to_dict())


@lru_cache(maxsize=64)
def _markup(raw: str | None) -> ReplyMarkup | None:
    """Reply markup from its stored JSON (parsed once per payload, not once per recipient)."""
    if raw is None:
        return None
    data: dict[str, Any] = json.loads(raw)
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data)
    if "remove_keyboard" in data:
        return ReplyKeyboardRemove.de_json(data)
    if "force_reply" in data:
        return ForceReply.de_json(data)
    raise ValueError("unknown reply markup")


def _retry_after(error: RetryAfter) -> float:
    """Seconds to wait, whichever type this PTB version returns (int now, timedelta later)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass
class _Tracked:
    """What the engine knows about one delivery's run in this process (for ETA and pacing)."""

    started: float
    settled: int = 0
    last_report: float = -math.inf


@dataclass
class _Pending:
    """Results not yet written, grouped so they go in one transaction."""

    rows: list[tuple[int, RowState, str | None]] = field(default_factory=list)
    deliveries: set[int] = field(default_factory=set)


class DeliveryBot(Bot):
    """A Bot for broadcasts: sends without turning each answer into a PTB `Message`.

    Building that object took a third of the CPU per message, and the engine only needs to
    know whether Telegram took the message. Errors are PTB's, raised by PTB's request layer.
    """

    async def send_prepared(
        self, chat_id: int, text: str, markup_json: str | None, *, paid: bool = False
    ) -> None:
        """Send an HTML message whose reply markup is already JSON (as stored in the outbox)."""
        data: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text,
            "parse_mode": ParseMode.HTML.value,
            "link_preview_options": _NO_PREVIEW_JSON,
        }
        if markup_json is not None:
            data["reply_markup"] = markup_json
        if paid:
            data["allow_paid_broadcast"] = True
        # `_post` is the base class's own path for every method: parameters are encoded and
        # errors mapped exactly as for `send_message`, minus the parsing of the answer.
        await self._post("sendMessage", data)


def build_delivery_bot(
    token: str,
    api_url: str,
    *,
    pool_size: int = 256,
    read_timeout: float = 15.0,
    request: BaseRequest | None = None,
) -> DeliveryBot:
    """A Bot with its own connection pool, so a broadcast never queues in front of a reply.

    The read timeout is generous: a request that times out ends 'unknown', never re-sent.
    """
    if request is None:
        request = AiohttpRequest(connection_pool_size=pool_size, read_timeout=read_timeout)
    return DeliveryBot(
        token,
        base_url=f"{api_url}/bot",
        base_file_url=f"{api_url}/file/bot",
        request=request,
        get_updates_request=request,
    )


class Delivery:
    """Sends what the outbox holds, in the background, until stopped; resumes after restarts.

    The engine owns its `bot` (start initializes it, stop shuts it down); give it one of its
    own (`build_delivery_bot`), not the Application's.
    """

    def __init__(
        self,
        outbox: Outbox,
        bot: Bot,
        *,
        rate: float = 30.0,
        paid_rate: float = 1000.0,
        progress: Progress | None = None,
        progress_every: float = 3.0,
        monotonic: Callable[[], float] = time.monotonic,
        budget: SendBudget | None = None,
        max_in_flight: int = 256,
        backoff: float = 0.5,
    ) -> None:
        if rate <= 0 or paid_rate <= 0:
            raise ValueError("rates must be positive")
        self._outbox = outbox
        self._bot = bot
        self._rate = rate
        self._paid_rate = min(paid_rate, 1000.0)  # Telegram's ceiling for paid broadcasts
        self._progress = progress
        self._progress_every = progress_every
        self._clock = monotonic
        if budget is None:
            budget = SendBudget(rate, paid_rate=self._paid_rate, clock=monotonic)
        self.budget = budget
        self._max_in_flight = max_in_flight
        self._backoff = backoff
        self._slots = asyncio.Semaphore(max_in_flight)
        self._ready: deque[OutboxItem] = deque()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._results = _Pending()
        self._results_waiting = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tracked: dict[int, _Tracked] = {}
        self._finished: set[int] = set()  # final progress already reported
        self._cancelled: set[int] = set()
        self._errors_in_row = 0
        self._last_rate = rate
        self._runner: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the background task is sending (or waiting for work)."""
        return self._runner is not None and not self._runner.done()

    async def start(self) -> None:
        """Settle rows a crash left in flight, then send in the background until `stop`."""
        if self.running:
            return
        await self._bot.initialize()
        interrupted = await self._outbox.recover()
        if interrupted:
            log.warning(
                "%d outbox rows were in flight at the last stop: marked unknown", interrupted
            )
        self._stopping.clear()
        self.budget.allow_broadcasts()
        self._flusher = asyncio.create_task(self._flush_loop(), name="delivery-flush")
        self._runner = asyncio.create_task(self._run(), name="delivery")

    async def stop(self) -> None:
        """Pause cleanly: claim nothing more, let requests in flight finish and record them."""
        self._stopping.set()
        self.budget.stop_broadcasts()
        if self._runner is not None:
            await self._runner
            self._runner = None
        await self._bot.shutdown()

    async def abort(self) -> None:
        """Stop at once, as a crash would: nothing more is recorded (proves restarts safe)."""
        tasks = [t for t in (self._runner, self._flusher, *self._in_flight) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._runner = self._flusher = None
        self._in_flight.clear()
        self._ready.clear()
        await self._bot.shutdown()

    def wake(self) -> None:
        """A delivery was created or started: look for work now, not at the next poll."""
        self._wake.set()

    async def cancel(self, delivery_id: int) -> int:
        """Cancel a delivery, including rows already claimed but not yet sent; returns how many."""
        cancelled = await self._outbox.cancel(delivery_id)
        dropped = [item for item in self._ready if item.delivery_id == delivery_id]
        if dropped:
            self._ready = deque(i for i in self._ready if i.delivery_id != delivery_id)
            await self._outbox.finish_many((i.row_id, "cancelled", "cancelled") for i in dropped)
        # No more progress reports: the organizer who cancelled gets the answer to that.
        self._cancelled.add(delivery_id)
        self._finished.add(delivery_id)
        self._tracked.pop(delivery_id, None)
        return cancelled + len(dropped)

    # -- sending ------------------------------------------------------------------------------

    async def _run(self) -> None:
        """Claim, pace and send until stopped; on a graceful stop, put unsent claims back."""
        try:
            while not self._stopping.is_set():
                item = await self._next_item()
                if item is None:
                    await self._idle()
                    continue
                await self._slots.acquire()
                sent = await self._pace(item.paid)
                if sent is None:
                    self._slots.release()
                    self._ready.appendleft(item)
                    break
                if item.delivery_id in self._cancelled:  # cancelled while it waited its turn
                    self._slots.release()
                    self.budget.release(sent)
                    self._record(item, "cancelled", "cancelled")
                    continue
                task = asyncio.create_task(self._send(item, sent))
                self._in_flight.add(task)
                task.add_done_callback(self._in_flight.discard)
            await self._put_back_unsent()
            if self._in_flight:
                await asyncio.gather(*self._in_flight)
        finally:
            if self._flusher is not None:
                self._flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._flusher
                self._flusher = None
        await self._flush()
        await self._settle_finished()

    async def _next_item(self) -> OutboxItem | None:
        """The next claimed row, claiming a few sends' worth when none is left."""
        if not self._ready:
            # Cleared before looking, so a wake-up during the claim is not lost.
            self._wake.clear()
            if self._errors_in_row:
                batch = 1  # probe: while Telegram fails, risk one row, not a whole batch
            else:
                batch = min(self._max_in_flight, max(1, math.ceil(self._last_rate * CLAIM_AHEAD)))
            try:
                self._ready.extend(await self._outbox.claim(batch))
            except Exception:
                log.exception("claiming outbox rows failed; retrying")
                await self._sleep(POLL_INTERVAL)
                return None
        if not self._ready:
            return None
        item = self._ready.popleft()
        self._last_rate = self._paid_rate if item.paid else self._rate
        if item.delivery_id not in self._tracked:
            self._tracked[item.delivery_id] = _Tracked(self._clock())
        return item

    async def _idle(self) -> None:
        """Nothing to send: close deliveries that are complete, then wait for work."""
        await self._settle_finished()
        waits = [asyncio.ensure_future(e.wait()) for e in (self._wake, self._stopping)]
        try:
            await asyncio.wait(waits, timeout=POLL_INTERVAL, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    async def _pace(self, paid: bool) -> Slot | None:
        """Wait until the budget gives the broadcast a slot; None if stopping meanwhile."""
        rate = self._paid_rate if paid else self._rate
        slot = await self.budget.broadcast(rate, paid=paid)
        if slot is not None and self._stopping.is_set():
            self.budget.release(slot)
            return None
        return slot

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, but wake at once on stop; True if stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    async def _put_back_unsent(self) -> None:
        """Rows claimed but never sent go back to 'pending' (safe: no request left for them)."""
        while self._ready:
            item = self._ready.popleft()
            await self._outbox.requeue(item.row_id, count_attempt=False)

    async def _send(self, item: OutboxItem, sent: Slot) -> None:
        """Send one row and record what became of it."""
        try:
            await self._attempt(item, sent)
        except Exception:
            # Recording failed (the database?): the row stays 'sending' and becomes 'unknown'
            # at the next start, which is safe. The error says nothing about the supporter.
            log.exception("recording the result of outbox row %d failed", item.row_id)
        finally:
            self._slots.release()

    async def _request(self, item: OutboxItem, sent: Slot) -> None:
        """The HTTP request alone; its answer time tells the window when Telegram saw it."""
        try:
            if isinstance(self._bot, DeliveryBot):
                await self._bot.send_prepared(
                    item.chat_id, item.text, item.markup_json, paid=item.paid
                )
            else:
                await self._bot.send_message(
                    chat_id=item.chat_id,
                    text=item.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=_markup(item.markup_json),
                    link_preview_options=_NO_PREVIEW,
                    allow_paid_broadcast=True if item.paid else None,
                )
        finally:
            self.budget.answered(sent)

    async def _attempt(self, item: OutboxItem, sent: Slot) -> None:
        try:
            await self._request(item, sent)
        except RetryAfter as error:
            seconds = _retry_after(error)
            log.warning("Telegram asked to wait %.0f s (429): pausing all sending", seconds)
            self.budget.pause(seconds)
            await self._outbox.requeue(item.row_id, count_attempt=False)
            self._wake.set()
        except Forbidden:
            self._record(item, "blocked", "Forbidden")
        except BadRequest as error:
            log.warning("outbox row %d failed: BadRequest: %s", item.row_id, error.message)
            self._record(item, "failed", f"BadRequest: {error.message}")
        except RequestNotSent as error:
            await self._retry_later(item, error)
        except (TimedOut, ResponseLost) as error:
            log.warning("outbox row %d: %s, delivery unknown", item.row_id, type(error).__name__)
            self._record(item, "unknown", type(error).__name__)
        except NetworkError as error:
            await self._retry_later(item, error)
        except TelegramError as error:
            log.warning("outbox row %d failed: %s", item.row_id, type(error).__name__)
            self._record(item, "failed", type(error).__name__)
        except Exception as error:
            log.error("outbox row %d failed: %s", item.row_id, type(error).__name__)
            self._record(item, "failed", type(error).__name__)
        else:
            self._errors_in_row = 0
            self._record(item, "sent")

    async def _retry_later(self, item: OutboxItem, error: NetworkError) -> None:
        """Telegram did not take the message: back off (globally), then try the row again."""
        name = type(error).__name__
        if item.attempts >= MAX_ATTEMPTS:
            log.warning(
                "outbox row %d failed after %d attempts: %s", item.row_id, item.attempts, name
            )
            self._record(item, "failed", f"{name} after {item.attempts} attempts")
            return
        self._errors_in_row += 1
        pause = min(MAX_BACKOFF, self._backoff * 2 ** (self._errors_in_row - 1))
        log.warning("outbox row %d: %s; retrying, sending paused %.1f s", item.row_id, name, pause)
        self.budget.pause(pause)
        await self._outbox.requeue(item.row_id)
        self._wake.set()

    def _record(self, item: OutboxItem, state: RowState, error: str | None = None) -> None:
        """Queue a final result for the next batched write."""
        self._results.rows.append((item.row_id, state, error))
        self._results.deliveries.add(item.delivery_id)
        tracked = self._tracked.get(item.delivery_id)
        if tracked is not None:
            tracked.settled += 1
        self._results_waiting.set()

    # -- recording and progress ---------------------------------------------------------------

    async def _flush_loop(self) -> None:
        """Write results in batches, and report progress, while the engine runs."""
        while True:
            await self._results_waiting.wait()
            await asyncio.sleep(FLUSH_INTERVAL)
            try:
                await self._flush()
            except Exception:
                log.exception("writing delivery results failed; retrying")

    async def _flush(self) -> None:
        """Write the queued results, then close and report the deliveries they belong to."""
        self._results_waiting.clear()
        batch, self._results = self._results, _Pending()
        if batch.rows:
            try:
                await self._outbox.finish_many(batch.rows)
            except BaseException:
                # Keep them for the next try; they are still 'sending' in the database.
                batch.rows.extend(self._results.rows)
                batch.deliveries |= self._results.deliveries
                self._results = batch
                self._results_waiting.set()
                raise
        for delivery_id in sorted(batch.deliveries):
            await self._report(delivery_id)

    async def _settle_finished(self) -> None:
        """Close deliveries with nothing left to send (also ones settled without a request)."""
        try:
            active = await self._outbox.active()
            for delivery in active:
                if not any(item.delivery_id == delivery.id for item in self._ready):
                    await self._report(delivery.id)
        except Exception:
            log.exception("checking for finished deliveries failed")

    async def _report(self, delivery_id: int) -> None:
        """Progress every `progress_every` seconds per delivery, and once when it is done."""
        if delivery_id in self._finished:
            return
        done = await self._outbox.finish_delivery_if_done(delivery_id)
        if delivery_id in self._finished:  # reported meanwhile by the other task
            return
        now = self._clock()
        tracked = self._tracked.setdefault(delivery_id, _Tracked(now))
        if not done and now - tracked.last_report < self._progress_every:
            return
        tracked.last_report = now
        counts = await self._outbox.counts(delivery_id)
        remaining = counts["pending"] + counts["sending"]
        elapsed = now - tracked.started
        eta: float | None = 0.0 if done else None
        if not done and tracked.settled and elapsed > 0:
            eta = remaining / (tracked.settled / elapsed)
        if done:
            self._tracked.pop(delivery_id, None)
            self._finished.add(delivery_id)
            log.info("delivery %d done: %s", delivery_id, counts)
        await self._outbox.set_progress(
            delivery_id, json.dumps({"counts": counts, "eta_seconds": eta, "done": done})
        )
        if self._progress is not None:
            try:
                await self._progress(delivery_id, counts, eta)
            except Exception:
                log.exception("progress callback for delivery %d failed", delivery_id)
