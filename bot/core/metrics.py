"""A tiny metrics registry rendered in Prometheus' text format, for `GET /metrics`.

Why not `prometheus_client`: the bot needs six numbers and one histogram, and the outbox gauge
is read from the database at scrape time, which is an `await`; prometheus_client's collectors
are synchronous and its registry is process-global, so it would add a dependency and still
need a cache in front of the database.  The text format itself is a few lines.

Counters count from the process start (Prometheus handles restarts); no label carries personal
data: no user id, chat id or text ever becomes a label.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Final

log = logging.getLogger(__name__)

__all__ = ["Counter", "Gauge", "Histogram", "Metrics", "OutboxSource", "metrics"]

#: An async callable returning the number of outbox rows per state.
OutboxSource = Callable[[], Awaitable[dict[str, int]]]

#: Handling latencies worth telling apart: a tap should feel instant (< 0.1 s).
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_SCRAPE_TIMEOUT: Final = 2.0


def _number(value: float) -> str:
    """Integers without a trailing .0; infinities as Prometheus spells them."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value):
        return str(int(value))
    return repr(value)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    text = ",".join(f'{name}="{_escape(value)}"' for name, value in pairs)
    return f"{{{text}}}" if text else ""


def _header(name: str, kind: str, help_text: str) -> list[str]:
    return [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]


class Counter:
    """A number that only goes up; optionally split by one label (e.g. a reason)."""

    def __init__(self, name: str, help_text: str, label: str | None = None) -> None:
        self.name = name
        self.help = help_text
        self.label = label
        self._values: dict[str, float] = {} if label else {"": 0.0}

    def inc(self, amount: float = 1.0, *, label: str = "") -> None:
        """Add `amount` (≥ 0), to the series of `label` when the counter has a label."""
        if amount < 0:
            raise ValueError("a counter cannot go down")
        if bool(label) != bool(self.label):
            raise ValueError(f"{self.name}: label value given {label!r}, label {self.label!r}")
        self._values[label] = self._values.get(label, 0.0) + amount

    def value(self, label: str = "") -> float:
        """The current value (of one label's series)."""
        return self._values.get(label, 0.0)

    def render(self) -> list[str]:
        """The counter in the text format."""
        lines = _header(self.name, "counter", self.help)
        for label, value in sorted(self._values.items()):
            pairs = [(self.label, label)] if self.label else []
            lines.append(f"{self.name}{_labels(pairs)} {_number(value)}")
        return lines


class Gauge:
    """A number that goes up and down, set by the code that knows it."""

    def __init__(self, name: str, help_text: str) -> None:
        self.name = name
        self.help = help_text
        self._value = 0.0

    def set(self, value: float) -> None:
        """Replace the value."""
        self._value = value

    def inc(self, amount: float = 1.0) -> None:
        """Add `amount` (negative to subtract)."""
        self._value += amount

    def dec(self, amount: float = 1.0) -> None:
        """Subtract `amount`."""
        self._value -= amount

    def value(self) -> float:
        """The current value."""
        return self._value

    def render(self) -> list[str]:
        """The gauge in the text format."""
        return [*_header(self.name, "gauge", self.help), f"{self.name} {_number(self._value)}"]


class Histogram:
    """Observations counted into fixed cumulative buckets, with their sum and count."""

    def __init__(self, name: str, help_text: str, buckets: Sequence[float]) -> None:
        if list(buckets) != sorted(buckets) or not buckets:
            raise ValueError("buckets must be a non-empty increasing sequence")
        self.name = name
        self.help = help_text
        self.buckets = tuple(buckets)
        self._counts = [0] * (len(self.buckets) + 1)  # the last one is +Inf
        self._sum = 0.0

    def observe(self, value: float) -> None:
        """Count one observation."""
        self._sum += value
        for index, bound in enumerate(self.buckets):
            if value <= bound:
                self._counts[index] += 1
                return
        self._counts[-1] += 1

    @property
    def count(self) -> int:
        """How many observations so far."""
        return sum(self._counts)

    @property
    def sum(self) -> float:
        """The sum of all observations."""
        return self._sum

    def render(self) -> list[str]:
        """The histogram in the text format (buckets are cumulative, as Prometheus wants)."""
        lines = _header(self.name, "histogram", self.help)
        running = 0
        for bound, count in zip((*self.buckets, math.inf), self._counts, strict=True):
            running += count
            lines.append(f'{self.name}_bucket{{le="{_number(bound)}"}} {running}')
        lines.append(f"{self.name}_sum {_number(self._sum)}")
        lines.append(f"{self.name}_count {running}")
        return lines


class Metrics:
    """The bot's metrics; `render` produces the body of `GET /metrics`."""

    def __init__(self) -> None:
        self.updates = Counter("ua_updates_total", "Updates passed to the handlers.")
        self.updates_failed = Counter(
            "ua_updates_failed_total", "Updates whose handler raised an exception."
        )
        self.updates_throttled = Counter(
            "ua_updates_throttled_total", "Updates dropped because their sender was flooding."
        )
        self.updates_duplicate = Counter(
            "ua_updates_duplicate_total", "Re-delivered updates ignored (already handled)."
        )
        self.updates_ignored = Counter(
            "ua_updates_ignored_total", "Updates ignored by kind (channel posts, bots).", "reason"
        )
        self.update_seconds = Histogram(
            "ua_update_seconds", "Time to handle one update, in seconds.", LATENCY_BUCKETS
        )
        self.updates_in_flight = Gauge("ua_updates_in_flight", "Updates being handled now.")
        self.actions_recorded = Counter(
            "ua_actions_recorded_total", "Actions supporters confirmed (counted once each)."
        )
        self.webhook_refused = Counter(
            "ua_webhook_refused_total", "Webhook requests refused for a missing or wrong secret."
        )
        self.replies_waited = Histogram(
            "ua_reply_wait_seconds",
            "Time a reply waited for room in Telegram's rate before it left, in seconds.",
            LATENCY_BUCKETS,
        )
        self.replies_retried = Counter(
            "ua_replies_retried_total", "Replies sent again after Telegram answered 429."
        )
        self.replies_dropped = Counter(
            "ua_replies_dropped_total",
            "Replies not sent because they could only have left too late (or the queue was full).",
        )
        self.flood_notices = Counter(
            "ua_flood_notices_total", "Supporters told that the bot is slowing down for them."
        )
        self.started = Gauge("ua_start_time_seconds", "When the process started (Unix time).")
        self.started.set(round(time.time()))
        self._outbox_source: OutboxSource | None = None

    def set_outbox_source(self, source: OutboxSource | None) -> None:
        """Where `ua_outbox_messages` comes from: rows per state, asked at each scrape."""
        self._outbox_source = source

    async def _outbox_lines(self) -> list[str]:
        if self._outbox_source is None:
            return []
        try:
            counts = await asyncio.wait_for(self._outbox_source(), _SCRAPE_TIMEOUT)
        except Exception as error:  # a scrape must not fail because the outbox query did
            log.warning("metrics: outbox counts unavailable (%s)", type(error).__name__)
            return []
        lines = _header("ua_outbox_messages", "gauge", "Outbox messages by state.")
        for state, count in sorted(counts.items()):
            lines.append(f"ua_outbox_messages{_labels([('state', state)])} {_number(count)}")
        return lines

    async def render(self) -> str:
        """All metrics in Prometheus' text exposition format (version 0.0.4)."""
        lines: list[str] = []
        for metric in (
            self.updates,
            self.updates_failed,
            self.updates_throttled,
            self.updates_duplicate,
            self.updates_ignored,
            self.update_seconds,
            self.updates_in_flight,
            self.actions_recorded,
            self.webhook_refused,
            self.replies_waited,
            self.replies_retried,
            self.replies_dropped,
            self.flood_notices,
            self.started,
        ):
            lines.extend(metric.render())
        lines.extend(await self._outbox_lines())
        return "\n".join(lines) + "\n"


#: The process's metrics. Handlers count with e.g. `metrics.actions_recorded.inc()`.
metrics = Metrics()
