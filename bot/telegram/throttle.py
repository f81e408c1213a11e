"""Per-sender token buckets: how the bot notices a flood without remembering who flooded."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

#: Seconds without a refusal after which a flood is over (the next one is told again).
TELL_AGAIN: Final = 60.0


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
        self._refused: dict[int, float] = {}  # when each flooding key was last refused
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

    def first_refusal(self, key: int) -> bool:
        """True once per flood: whether `key` should be told that the bot slows down for it.

        A flood is over when `key` was not refused for `TELL_AGAIN` seconds.
        """
        now = self._clock()
        last = self._refused.get(key)
        self._refused[key] = now
        return last is None or now - last >= TELL_AGAIN

    def __len__(self) -> int:
        return len(self._buckets)

    def _sweep(self, now: float) -> None:
        """Forget buckets that have refilled, and floods that are over: they hold nothing."""
        full_after = self.burst / self.rate
        self._buckets = {
            key: bucket for key, bucket in self._buckets.items() if now - bucket.stamp < full_after
        }
        self._refused = {
            key: when for key, when in self._refused.items() if now - when < TELL_AGAIN
        }
        self._next_sweep = now + 60.0
