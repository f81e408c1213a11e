"""The pacing window: how many messages went out in the last second, replies included."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


def counts_toward_limit(method: str) -> bool:
    """Whether a Bot API call spends the bot's message budget (sends, copies, forwards, edits)."""
    if method == "sendChatAction":
        return False
    return method.startswith(("send", "copy", "forward", "edit"))


class Sent:
    """One paced send in the window, until it stops counting against the rate."""

    __slots__ = ("expires",)

    def __init__(self, expires: float) -> None:
        self.expires = expires


class SendWindow:
    """The sends of the last second, paced (broadcast) and interactive, on one clock.

    What Telegram counts is when a request *arrives*, which we never see: it lies between the
    moment we send and the moment the answer is back. So a paced send counts for one second
    after its answer came back (a certain bound), or one second after it left plus `jitter`
    if the answer takes longer (a slow answer must not slow the broadcast). A stall of this
    process between the two ends up inside the answer time, so it cannot squeeze 31 sends
    into Telegram's second; only network jitter above `jitter` could.

    Shared between the engine and the application's request backend (via its `on_send` hook)
    so that both together stay within Telegram's budget, and the broadcast is what yields:
    replies are never delayed; instead the broadcast keeps room for as many replies as the
    busiest second of the last few seconds had, so the next ones find room too.
    """

    def __init__(
        self,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        jitter: float = 0.03,
        memory: float = 3.0,
    ) -> None:
        self._clock = monotonic
        self._jitter = jitter
        self._memory = memory
        self._paced: deque[Sent] = deque()  # in the order they left
        self._interactive: deque[float] = deque()  # when each stops counting
        # (time, replies in the window then), counts decreasing: a sliding maximum.
        self._peaks: deque[tuple[float, int]] = deque()
        # When the next paced send is due: advanced by the spacing from when the last one was
        # due, not from when it left, so a late wake-up does not slow every later send.
        self._due = -math.inf
        self._paused_until = -math.inf

    def now(self) -> float:
        """The window's clock."""
        return self._clock()

    def note(self, method: str = "sendMessage") -> None:
        """Count a send made outside the engine (an interactive reply), just before it leaves."""
        if not counts_toward_limit(method):
            return
        now = self._clock()
        self._expire(now)
        self._interactive.append(now + 1.0 + self._jitter)
        count = len(self._interactive)
        while self._peaks and self._peaks[-1][1] <= count:
            self._peaks.pop()
        self._peaks.append((now, count))

    def pause(self, seconds: float) -> None:
        """Send nothing paced for `seconds` (Telegram said 429, or it is failing)."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _expire(self, now: float) -> None:
        # In leaving order: a send whose answer came back early may be counted a little
        # longer, behind a slower one; counting too long is the safe side.
        while self._paced and self._paced[0].expires <= now:
            self._paced.popleft()
        while self._interactive and self._interactive[0] <= now:
            self._interactive.popleft()
        while self._peaks and self._peaks[0][0] <= now - self._memory:
            self._peaks.popleft()

    def reserved(self, now: float) -> int:
        """Room kept for replies: the most seen in one window over the last few seconds."""
        self._expire(now)
        peak = self._peaks[0][1] if self._peaks else 0
        return max(peak, len(self._interactive))

    def wait_time(self, rate: float, now: float) -> float:
        """Seconds until a paced send at `rate` per second may leave (0 or less: now)."""
        wait = max(self._paused_until - now, self._due - now)
        allowed = max(1, int(rate)) - self.reserved(now)
        if allowed <= 0:
            return max(wait, 0.05)  # replies use the whole budget: look again shortly
        excess = len(self._paced) - allowed
        if excess >= 0:
            # The `excess + 1` oldest sends must all stop counting first.
            clear = max(self._paced[i].expires for i in range(excess + 1))
            wait = max(wait, clear - now)
        return wait

    def take(self, rate: float, now: float) -> Sent:
        """Record a paced send leaving at `now`; call `answered` when its answer is back."""
        sent = Sent(now + 1.0 + self._jitter)
        self._paced.append(sent)
        # Evenly spaced, so there is no burst at the start or after a pause.
        spacing = 1.0 / rate
        late = now - self._due
        self._due = self._due + spacing if late < spacing / 2 else now + spacing
        return sent

    def answered(self, sent: Sent) -> None:
        """The answer is back: Telegram saw the request by now, so it counts one second more."""
        sent.expires = min(sent.expires, self._clock() + 1.0)
