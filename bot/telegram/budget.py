"""Telegram's message budget: one scheduler for every request that sends or edits a message.

Telegram lets a bot send about 30 messages a second (sends and edits alike; 1,000 for paid
broadcasts) and about one a second to one chat; above that it answers 429.  Replies,
broadcasts, reminders and the organizer's progress edits all spend that one budget, so they
all ask this scheduler for a slot before their request leaves:

* **No second holds more than the rate.**  What Telegram counts is when a request arrives,
  which the bot never sees; it lies between the moment a slot is granted and the moment the
  answer is back.  A slot counts from its grant until one second after its answer, less the
  shortest round trip seen lately (`_floor`, less a margin): the request arrived at least a
  return trip before its answer, and the next one will arrive at least an outward trip after
  it leaves.  A stall anywhere (this process between grant and write, the network, Telegram)
  delays the answer, so it only makes the count longer, never too short.  With steady latency
  a slot counts for about one second whatever the latency: 100 ms of it costs a broadcast
  about 1 %, not 10 %.  Until its answer is back a slot counts, however long that takes: a
  slow Telegram slows the broadcast with it, and one request that hangs holds one slot, not
  the window (slots expire in any order).
* **Replies first, but never all of it.**  A supporter who waits is worse off than a
  broadcast that takes a second longer, so free slots go to waiting replies first, except
  that a broadcast with work always gets its guaranteed share (`broadcast_share` of the rate,
  a third: replies keep two thirds, so a rush of supporters is answered in time): no number
  of flooding accounts can stop a broadcast.
* **Nothing dropped silently.**  A reply over budget waits in a bounded queue (`max_waiting`);
  one that could leave only after `max_wait` seconds (the supporter stopped waiting) is
  dropped with `ReplyDropped`, a metric and a log line.  A 429 pauses every slot for its
  `retry_after` (`pause`), and the reply is sent again (`bot.telegram.request`).
* **Per chat**, sends (not edits) to one chat are paced to `chat_rate` a second with a burst
  of `chat_burst`, as Telegram asks (a group: 20 a minute, `GROUP_RATE`); a reply waits for its
  chat's turn within the same `max_wait`.

The broadcast engine asks with `broadcast()` (evenly spaced at its rate, so there is no burst
at the start); the Application's request backend asks with `reply()`.  Both call `answered`
when the answer is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from telegram.error import TelegramError

from bot.core.metrics import Metrics, metrics

__all__ = [
    "TELEGRAM_PAID_RATE",
    "TELEGRAM_RATE",
    "ReplyDropped",
    "SendBudget",
    "Slot",
    "counts_toward_limit",
    "paced_per_chat",
]

log = logging.getLogger(__name__)


#: Telegram's limit for one bot: messages (sends and edits) a second, and paid broadcasts'.
TELEGRAM_RATE: Final = 30.0
TELEGRAM_PAID_RATE: Final = 1000.0

#: Telegram's limit for one group: 20 messages a minute; a few at once.
GROUP_RATE: Final = 20 / 60
GROUP_BURST: Final = 3

#: How far a paced broadcast may fall behind its schedule and catch up: seconds, and sends.
CATCH_UP: Final = 0.1
CATCH_UP_SENDS: Final = 3

#: Round trips remembered for the shortest one (`SendBudget._floor`), and the margin kept below
#: it for Telegram's own time to answer.
ROUND_TRIPS: Final = 256
ROUND_TRIP_MARGIN: Final = 0.01
FLOOR_EVERY: Final = 64


def counts_toward_limit(method: str) -> bool:
    """Whether a Bot API call spends the bot's message budget (sends, copies, forwards, edits)."""
    if method == "sendChatAction":
        return False
    return method.startswith(("send", "copy", "forward", "edit"))


def paced_per_chat(method: str) -> bool:
    """Whether a call is a new message in a chat (Telegram's one-a-second guidance): not edits."""
    return counts_toward_limit(method) and not method.startswith("edit")


class ReplyDropped(TelegramError):
    """A reply could leave only after the supporter stopped waiting for it: not sent."""

    __slots__ = ()


class Slot:
    """One request in the window, until it stops counting against the rate."""

    __slots__ = ("counted", "expires", "free", "kind", "left")

    def __init__(self, left: float, expires: float, kind: str, free: bool) -> None:
        self.left = left  # when it was granted (the request leaves right after)
        self.expires = expires
        self.counted = True  # still in the window
        self.kind = kind  # "reply" or "broadcast"
        self.free = free  # counts against the free rate (not a paid broadcast)


@dataclass
class _ChatBucket:
    tokens: float
    stamp: float


class SendBudget:
    """The one window every send and edit goes through; see the module's docstring."""

    def __init__(
        self,
        rate: float = TELEGRAM_RATE,
        *,
        paid_rate: float = TELEGRAM_PAID_RATE,
        broadcast_share: float = 1 / 3,
        chat_rate: float = 1.0,
        chat_burst: int = 10,
        max_wait: float = 30.0,
        max_waiting: int = 2000,
        clock: Callable[[], float] = time.monotonic,
        registry: Metrics = metrics,
    ) -> None:
        if rate <= 0 or paid_rate <= 0 or chat_rate <= 0 or chat_burst < 1:
            raise ValueError("rates must be positive and the burst at least 1")
        self.rate = rate
        self.paid_rate = max(paid_rate, rate)
        self.broadcast_share = broadcast_share
        self.chat_rate = chat_rate
        self.chat_burst = chat_burst
        self.max_wait = max_wait
        self.max_waiting = max_waiting
        self._round_trips: deque[float] = deque(maxlen=ROUND_TRIPS)
        self._floor = 0.0  # the shortest recent round trip, less the margin
        self._answers = 0
        self._clock = clock
        self.metrics = registry
        self._live = 0  # slots that count now, answered or not
        # When answered slots stop counting: (expiry, tie-breaker, slot); an entry whose expiry
        # is no longer its slot's is stale and skipped.
        self._expiries: list[tuple[float, int, Slot]] = []
        self._order = itertools.count()
        self._free = 0  # slots in the window that count against the free rate
        self._broadcast_all = 0  # slots in the window that are a broadcast's (paid or not)
        self._replies: deque[asyncio.Future[Slot]] = deque()  # waiting, first come first
        self._broadcast: tuple[asyncio.Future[Slot | None], bool] | None = None
        self._broadcasts_stopped = False
        # Until when a broadcast counts as running (it asked for a slot within the last second).
        self._broadcast_active_until = -math.inf
        self._broadcast_paid = False
        self._due = -math.inf  # when the broadcast's next evenly spaced send is due
        self._paused_until = -math.inf
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf
        self._chats: dict[int, _ChatBucket] = {}
        self._next_sweep = clock() + 60.0

    # -- what callers use -------------------------------------------------------------------

    def now(self) -> float:
        """The budget's clock."""
        return self._clock()

    async def reply(
        self, method: str, chat_id: int | None = None, *, since: float | None = None
    ) -> Slot:
        """Wait for a slot for an interactive request; `ReplyDropped` if it would be too late.

        `since` is when the reply first tried to leave (a retry after 429 keeps its deadline).
        """
        start = self._clock() if since is None else since
        deadline = start + self.max_wait
        if chat_id is not None and paced_per_chat(method):
            turn = self._chat_turn(chat_id, deadline)
            if turn is None:
                self._drop("its chat's turn came too late")
            elif turn > 0:
                await asyncio.sleep(turn)
        if len(self._replies) >= self.max_waiting:
            self._drop("too many replies were waiting")
        future: asyncio.Future[Slot] = asyncio.get_running_loop().create_future()
        self._replies.append(future)
        self._grant()
        if not future.done():
            try:
                await asyncio.wait_for(asyncio.shield(future), deadline - self._clock())
            except TimeoutError:
                if not future.done():
                    future.cancel()
                    with contextlib.suppress(ValueError):
                        self._replies.remove(future)
                    self._drop("no room in the rate in time")
            except asyncio.CancelledError:
                self._forget(future)
                raise
        slot = future.result()
        self.metrics.replies_waited.observe(max(0.0, self._clock() - start))
        return slot

    async def broadcast(self, rate: float, *, paid: bool = False) -> Slot | None:
        """Wait for the next slot of a broadcast sending at `rate` a second; None if stopped.

        Sends are evenly spaced (no burst at the start or after a pause); a broadcast that fell
        behind, because replies took its slots, may catch up by `CATCH_UP` seconds of sends.
        """
        if self._broadcast is not None:
            raise RuntimeError("one broadcast slot is asked for at a time")
        self._broadcast_active_until = self._clock() + 1.0 + 1.0 / rate
        self._broadcast_paid = paid
        wait = self._due - self._clock()
        if wait > 0 and not self._broadcasts_stopped:
            await asyncio.sleep(wait)
        if self._broadcasts_stopped:
            return None
        future: asyncio.Future[Slot | None] = asyncio.get_running_loop().create_future()
        self._broadcast = (future, paid)
        self._grant()
        try:
            slot = await future
        except asyncio.CancelledError:
            if self._broadcast is not None and self._broadcast[0] is future:
                self._broadcast = None
            granted = future.result() if future.done() and not future.cancelled() else None
            if granted is not None:
                self.release(granted)  # granted as the ask was cancelled: never used
            self._grant()
            raise
        if slot is not None:
            now, spacing = self._clock(), 1.0 / rate
            self._broadcast_active_until = now + 1.0 + spacing
            if now - self._due > 1.0:  # the first send, or the first after a long pause
                self._due = now + spacing
            else:  # behind schedule: catch up a little, never in a burst
                self._due = max(self._due, now - min(CATCH_UP, CATCH_UP_SENDS * spacing))
                self._due += spacing
        return slot

    def stop_broadcasts(self) -> None:
        """A broadcast waiting for a slot gets None now, and so does every later ask."""
        self._broadcasts_stopped = True
        self._broadcast_active_until = -math.inf
        if self._broadcast is not None:
            future, _ = self._broadcast
            self._broadcast = None
            if not future.done():
                future.set_result(None)

    def allow_broadcasts(self) -> None:
        """Undo `stop_broadcasts` (the engine started again)."""
        self._broadcasts_stopped = False

    def release(self, slot: Slot) -> None:
        """A granted slot that was not used: it stops counting now."""
        self._expire_at(slot, -math.inf)
        self._expire(self._clock())
        self._grant()

    def answered(self, slot: Slot) -> None:
        """The answer is back: the slot counts one second more, less the shortest round trip."""
        now = self._clock()
        trip = now - slot.left
        self._round_trips.append(trip)
        self._answers += 1
        if self._answers == 1 or self._answers % FLOOR_EVERY == 0:  # it may rise again
            self._floor = max(0.0, min(self._round_trips) - ROUND_TRIP_MARGIN)
        else:  # and falls at once: a floor too low is only a little slow, never too fast
            self._floor = min(self._floor, max(0.0, trip - ROUND_TRIP_MARGIN))
        self._expire_at(slot, now + 1.0 - self._floor)
        if (self._replies or self._broadcast is not None) and slot.expires < self._timer_at:
            self._arm(slot.expires)  # someone waits: look again when this slot frees

    def pause(self, seconds: float) -> None:
        """Grant nothing for `seconds` (Telegram said 429, or it is failing)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        self._arm(self._paused_until)

    def in_window(self) -> int:
        """Slots counting against the free rate now (what a test can check)."""
        self._expire(self._clock())
        return self._free

    # -- the scheduler ----------------------------------------------------------------------

    def _grant(self) -> None:
        """Give free slots to waiters: a broadcast under its share first, then replies."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._timer_at = math.inf
        now = self._clock()
        self._expire(now)
        if now < self._paused_until:
            if self._replies or self._broadcast is not None:
                self._arm(self._paused_until)
            return
        while True:
            self._drop_cancelled()
            # While a (free) broadcast is running, replies leave room for its share.
            reserve = 0.0
            running = self._broadcast is not None or now < self._broadcast_active_until
            if running and not self._broadcast_paid:
                reserve = max(0.0, self.broadcast_share * self.rate - self._broadcast_all)
            reply_room = self._free + reserve < self.rate and self._live < self.paid_rate
            if self._broadcast is not None:
                future, paid = self._broadcast
                limit = self.paid_rate if paid else self.rate
                used = self._live if paid else self._free
                under_share = self._broadcast_all < self.broadcast_share * limit
                if used < limit and (not self._replies or not reply_room or under_share):
                    self._broadcast = None
                    # It will ask again within a second: replies keep leaving it its share.
                    self._broadcast_active_until = max(self._broadcast_active_until, now + 1.0)
                    future.set_result(self._take("broadcast", free=not paid, now=now))
                    continue
            if self._replies and reply_room:
                waiter = self._replies.popleft()
                waiter.set_result(self._take("reply", free=True, now=now))
                continue
            break
        if self._replies or self._broadcast is not None:
            wake = self._next_expiry()
            if self._replies and now < self._broadcast_active_until:
                wake = min(wake, self._broadcast_active_until)
            self._arm(wake)

    def _take(self, kind: str, *, free: bool, now: float) -> Slot:
        """Put a new slot in the window."""
        slot = Slot(now, math.inf, kind, free)  # counts until its answer is back, and then some
        self._live += 1
        self._free += free
        self._broadcast_all += kind == "broadcast"
        return slot

    def _expire_at(self, slot: Slot, when: float) -> None:
        """The slot stops counting at `when` (only ever earlier than before)."""
        if when < slot.expires:
            slot.expires = when
            heapq.heappush(self._expiries, (when, next(self._order), slot))

    def _expire(self, now: float) -> None:
        expiries = self._expiries
        while expiries and expiries[0][0] <= now:
            when, _, slot = heapq.heappop(expiries)
            if when != slot.expires or not slot.counted:
                continue  # a stale entry: the slot's expiry was moved earlier since
            slot.counted = False
            self._live -= 1
            self._free -= slot.free
            self._broadcast_all -= slot.kind == "broadcast"

    def _next_expiry(self) -> float:
        """When the next slot stops counting (infinity: none is answered yet)."""
        return self._expiries[0][0] if self._expiries else math.inf

    def _arm(self, when: float) -> None:
        """Look again at `when` (the loop's clock is `time.monotonic`, like ours by default)."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = None
        self._timer_at = when
        if when == math.inf:
            return  # an answer, a new request or a broadcast's ask will look again
        delay = max(0.0, when - self._clock())
        self._timer = asyncio.get_running_loop().call_later(delay, self._grant)

    def _drop_cancelled(self) -> None:
        while self._replies and self._replies[0].done():
            self._replies.popleft()
        if self._broadcast is not None and self._broadcast[0].done():
            self._broadcast = None

    def _forget(self, future: asyncio.Future[Slot]) -> None:
        """The waiting request was cancelled: give back its slot or its place in the queue."""
        if future.done() and not future.cancelled():
            self.release(future.result())
        else:
            future.cancel()
            with contextlib.suppress(ValueError):
                self._replies.remove(future)
        self._grant()

    def _drop(self, why: str) -> None:
        self.metrics.replies_dropped.inc()
        log.warning("a reply was not sent: %s", why)
        raise ReplyDropped(f"reply dropped: {why}")

    # -- per chat ---------------------------------------------------------------------------

    def _chat_turn(self, chat_id: int, deadline: float) -> float | None:
        """Seconds until this chat may get its next message (reserved now); None: too late."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        # Groups (negative ids) are allowed far less than private chats: 20 a minute.
        rate, burst = (
            (GROUP_RATE, GROUP_BURST) if chat_id < 0 else (self.chat_rate, self.chat_burst)
        )
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = self._chats[chat_id] = _ChatBucket(float(burst), now)
        else:
            bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
        wait = max(0.0, (1.0 - bucket.tokens) / rate)
        if now + wait > deadline:
            return None
        bucket.tokens -= 1.0  # may go below zero: a reservation for the turn waited for
        return wait

    def _sweep(self, now: float) -> None:
        """Forget chats whose bucket is full again: they hold nothing a new bucket would not."""
        full_after = max(self.chat_burst / self.chat_rate, GROUP_BURST / GROUP_RATE)
        self._chats = {
            key: bucket for key, bucket in self._chats.items() if now - bucket.stamp < full_after
        }
        self._next_sweep = now + 60.0
