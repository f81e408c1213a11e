"""Load: replies during a broadcast, a paid broadcast at 1,000/s, a flood during a broadcast.

It prints figures with the issue's goals next to them; it does not assert (a scenario that
cannot run at all fails loudly).  Three scenarios, each on a fresh fake Bot API, a fresh bot
process and a fresh temporary directory:

* **replies**: a broadcast to 3,000 followers at 30/s, through a fake that takes 100 ms per
  request and answers 429 above 30 sends and edits in any second, while 300 other supporters
  each do the whole journey.  Goals: 0 × 429; 0 supporters without a reply (a step unanswered
  for 30 s counts as none: the person gave up); reply p99 under 1.5 s; while both run, the
  broadcast at least 0.9 × (30 − the other sends and edits a second); at most 30 in any second.
* **paid**: a paid broadcast (``BOT_PAID_BROADCAST``) to 20,000 at 1,000/s, the fake's limit
  1,000/s, 100 ms latency.  Goals: 0 × 429; at least 0.95 of the rate.  Run three times: with
  the fake's full validation of every request, without it (``FakeTelegram(validate=False)``),
  and without it with this process's garbage collector paused during the broadcast.  The fake
  runs in this process: its CPU, and its pauses (a stall makes the requests that left during
  it arrive together, as network jitter would), can set the pace instead of the bot; the CPU
  seconds of both processes and this one's stalls say which side it was.
* **flood**: a broadcast to 1,000 at 30/s (no latency) while three accounts each send
  ``/nonsense`` ten times a second for 10 s.  Goals: the broadcast keeps at least half the rate
  during the flood; 0 × 429; each flooder is told once that the bot slows down for them.

Run from the repository root (the full run takes about six minutes on 2 cores)::

    python -m bench.load                      # all three, full scale
    python -m bench.load --quick              # about 10× smaller: a one-minute smoke run
    python -m bench.load --scenario replies   # one of: replies, paid, flood

Arrangement, as in `bench.journey` (whose pieces it reuses):

* the bot is the real application (`bench.journey --role journey`: Runner, the one send budget,
  the delivery engine) in a child process of its own, taking updates through the **real
  getUpdates polling loop**; the organizer's id and the paid-broadcast settings reach it as
  ``BOT_*`` environment variables, as in production;
* the followers are written into the bot's database before it starts, with the bot's own key
  and `Storage.subscribe`, exactly as the bot writes a supporter who follows a case;
* the broadcast is started as an organizer starts it: /broadcast, "All subscribers", the text,
  "Send to N"; so the progress edits of the organizer's message spend the budget as well;
* this process runs the fake and the simulated people.  A supporter's latency runs from the
  update being queued at the fake to the arrival at the fake of the step's effect (the reply,
  the edited screen, the answered button), which is when a person would see it.  Supporters
  start evenly spread over the broadcast's expected length and read for 0.5-1.5 × ``--think``
  seconds before each step, so the broadcast and the journeys overlap for most of it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import logging
import math
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import machine
from bench.journey import (
    JOURNEY,
    Watch,
    _cpu_seconds,
    _free_port,
    _get,
    _instrument,
    _server_side,
)
from bench.journey_bots import CASE, ROOT, SECRET_KEY
from bot.core.crypto import Vault
from bot.storage import Storage
from faketelegram import FakeTelegram, ServedFault, max_in_any_window

JSON = dict[str, Any]

#: The organizer (BOT_ADMINS); followers, supporters and flooders have ids in ranges of their own.
ORGANIZER = 100
FIRST_FOLLOWER = 7_000_001
FIRST_SUPPORTER = 2_000_001
FIRST_FLOODER = 3_000_001

#: How long a person waits for an answer before giving up: then it counts as no reply.
PATIENCE = 30.0

#: Journeys done before the broadcast: they warm the bot up and measure its sends per journey.
WARM_UP = 5

TEXT = "<b>Load test.</b> Alexei is still detained. Please write to the President today."


@dataclass(frozen=True)
class Options:
    """What the command line decided."""

    quick: bool
    think: float

    def scaled(self, full: int) -> int:
        """`full` at full scale, a tenth of it with --quick."""
        return full // 10 if self.quick else full


# -- the arena: a fake Bot API and the bot in a child process --------------------------------


class _Arrivals:
    """The fake as `_instrument` sees it, hooked where a request arrives, not where it leaves.

    `_instrument` wraps `_handle` and wakes the chat of the call recorded last.  With latency,
    `_handle` also waits for the answer's way back, and by then other calls may have been
    recorded, so the wrong chat would be woken.  `_answer` records a call and returns with no
    await in between: wrapping it wakes the right chat, at the moment the person would see it.
    """

    def __init__(self, fake: FakeTelegram) -> None:
        self.calls = fake.calls
        self.callback_queries = fake.callback_queries
        self._handle = fake._answer


def _watch_arrivals(fake: FakeTelegram, watch: Watch) -> None:
    """Wake a person's `Watch` event whenever the fake records a call in their chat."""
    view = _Arrivals(fake)
    _instrument(view, watch)
    fake._answer = view._handle  # type: ignore[method-assign]


@dataclass
class Arena:
    """One scenario's world: a fresh fake, the bot in a child process, a temporary directory."""

    fake: FakeTelegram
    watch: Watch
    process: asyncio.subprocess.Process
    workdir: Path
    port: int
    followers: int
    _sends: list[float] = field(default_factory=list)
    _scanned: int = 0

    def is_follower(self, chat: object) -> bool:
        """Whether a chat is one of the broadcast's recipients."""
        return isinstance(chat, int) and FIRST_FOLLOWER <= chat < FIRST_FOLLOWER + self.followers

    def broadcast_sends(self) -> list[float]:
        """Arrival times of the broadcast's messages so far (read on from where it stopped:
        at 1,000/s, scanning every recorded call each time would cost the fake its CPU)."""
        calls = self.fake.calls
        while self._scanned < len(calls):
            call = calls[self._scanned]
            self._scanned += 1
            if call.method == "sendMessage" and self.is_follower(call.chat_id):
                self._sends.append(call.time)
        return self._sends

    def rate_limited(self) -> list[ServedFault]:
        """The 429s the fake answered because the bot went over the rate."""
        return [fault for fault in self.fake.faults_served if fault.reason == "rate_limit"]

    def bot_cpu(self) -> float:
        """CPU seconds the bot process has used so far."""
        return _cpu_seconds(self.process.pid)

    async def metrics(self) -> str:
        """The bot's /metrics page."""
        return await _get(f"http://127.0.0.1:{self.port}/metrics")

    def log(self) -> list[str]:
        """What the bot wrote to stderr (warnings and errors: the child configures no logging)."""
        path = self.workdir / "bot.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []


async def _write_followers(path: Path, count: int) -> None:
    """`count` followers of the case in the bot's database, as the bot writes them."""
    started = time.perf_counter()
    storage = await Storage.open(path, Vault(SECRET_KEY))
    try:
        now = datetime.now(UTC)
        for user_id in range(FIRST_FOLLOWER, FIRST_FOLLOWER + count):
            await storage.subscribe(user_id, CASE, "en", now)
    finally:
        await storage.close()
    print(f"  set-up: {count:,} followers written in {time.perf_counter() - started:.1f} s")


@contextlib.asynccontextmanager
async def _arena(
    followers: int, *, limit: int, latency: float, validate: bool = True, paid: bool = False
) -> AsyncIterator[Arena]:
    """Start the fake and the bot; stop both (the bot always) and remove the directory."""
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    fake = FakeTelegram(validate=validate)
    watch = Watch()
    _watch_arrivals(fake, watch)
    process: asyncio.subprocess.Process | None = None
    try:
        await _write_followers(workdir / "bot.sqlite3", followers)
        await fake.start()
        fake.global_rate_limit_per_second = limit
        fake.latency = latency
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_ADMINS": str(ORGANIZER)}
        if paid:
            env |= {"BOT_PAID_BROADCAST": "true", "BOT_PAID_BROADCAST_RATE": str(limit)}
        command = [sys.executable, "-m", "bench.journey", "--role", "journey"]
        command += ["--api", fake.base_url, "--workdir", str(workdir), "--port", str(port)]
        with (workdir / "bot.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                *command, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=log
            )
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 120)
        arena = Arena(fake, watch, process, workdir, port, followers)
        if line.strip() != b"READY":
            raise RuntimeError("the bot did not start (see its log lines above)")
        yield arena
    except BaseException:
        log_file = workdir / "bot.log"
        if log_file.exists():
            tail = log_file.read_text(errors="replace").splitlines()[-20:]
            print("the bot's last log lines:\n" + "\n".join(tail), file=sys.stderr)
        raise
    finally:  # no bot process may outlive a run, failed or not
        # A stopping bot closes connections with requests on their way (its long poll): with
        # latency, the fake is still reading them and aiohttp logs each with a traceback.
        server_log = logging.getLogger("aiohttp.server")
        server_log.disabled = True
        try:
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 60)
                except TimeoutError:
                    process.kill()
                    await process.wait()
            await fake.stop()
        finally:
            server_log.disabled = False
        shutil.rmtree(workdir, ignore_errors=True)


async def _until(condition: Callable[[], bool], within: float, poll: float = 0.1) -> bool:
    """Wait until `condition` holds, at most `within` seconds; whether it does."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(poll)
    return True


# -- people -----------------------------------------------------------------------------------


class Person:
    """Someone in a private chat with the bot who waits for each answer, up to `patience`."""

    def __init__(self, arena: Arena, user_id: int, name: str, patience: float = PATIENCE) -> None:
        self.arena = arena
        self.user = arena.fake.user(user_id, name, "en", deliver=self._deliver)
        self.patience = patience
        #: (when the update was queued, seconds until its answer arrived) for each step.
        self.steps: list[tuple[float, float]] = []
        #: Taps answered with no new or edited message: the screen was lost on the way.
        self.bare_answers = 0
        self.first_push: float | None = None
        self.last_effect: float | None = None
        self._expect = 0

    async def step(self, kind: str, argument: str, replies: int) -> None:
        """Send a text or tap a button; `TimeoutError` if the bot did not answer in time.

        A text is answered by `replies` new or edited messages, a tap by answering the button
        (the bot answers it after its screen is shown).
        """
        self._expect = replies
        if kind == "send":
            await self.user.send(argument)
        else:
            await self.user.click(argument)

    async def _deliver(self, update: JSON) -> None:
        fake, chat = self.arena.fake, self.user.id
        before = fake._seq
        pushed = time.monotonic()
        fake.push_update(update)
        if self.first_push is None:
            self.first_push = pushed
        query = update.get("callback_query")
        done: Callable[[], bool]
        if query is not None:
            record = fake.callback_queries[query["id"]]

            def done() -> bool:
                return record.answer is not None

        else:
            expect = self._expect

            def done() -> bool:
                return len(fake.changes_since(chat, before)) >= expect

        await asyncio.wait_for(self.arena.watch.until(chat, done), self.patience)
        self.last_effect = time.monotonic()
        self.steps.append((pushed, self.last_effect - pushed))
        if query is not None and not fake.changes_since(chat, before):
            self.bare_answers += 1


async def _journey(person: Person, start: float, think: float) -> bool:
    """The whole journey, from `start`, read at a person's pace; False if they gave up."""
    pace = random.Random(person.user.id)
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    for kind, argument, replies in JOURNEY:
        await asyncio.sleep(pace.uniform(0.5, 1.5) * think)
        try:
            await person.step(kind, argument, replies)
        except TimeoutError:
            return False
    return True


async def _compose(arena: Arena) -> Person:
    """The organizer's steps up to the preview (the draft holds every recipient's row by then).

    Fails loudly if one goes unanswered: the scenario cannot run.
    """
    organizer = Person(arena, ORGANIZER, "Organizer", patience=300.0)
    await organizer.step("send", "/broadcast", 1)
    await organizer.step("click", "All subscribers", 0)
    await organizer.step("send", TEXT, 2)  # the preview, then "Send it?"
    return organizer


async def _send(arena: Arena, organizer: Person) -> float:
    """The organizer taps "Send to N"; when they tapped, once the first message arrived."""
    tapped = time.monotonic()
    await organizer.step("click", "Send to", 0)
    if not await _until(lambda: bool(arena.broadcast_sends()), 60):
        raise RuntimeError("the broadcast did not start within 60 s of the organizer's tap")
    return tapped


async def _until_sent(arena: Arena, rate: float) -> bool:
    """Wait for every follower's message (at most 3× the time the rate needs, plus a minute)."""
    within = 3 * arena.followers / rate + 60
    return await _until(lambda: len(arena.broadcast_sends()) >= arena.followers, within)


class Stalls:
    """How long this process stalled: its event loop's lag (a 10 ms sleep woken late) and its
    garbage collector's pauses.

    The fake runs in this process.  While it stalls, requests that left the bot wait unread and
    then arrive together, which to a rate limiter looks like a burst (a real network can do the
    same); and if it stalls often, the fake, not the bot, sets the pace.
    """

    def __init__(self) -> None:
        self.lags: list[float] = []
        #: (when, seconds, generation) of each collection.
        self.pauses: list[tuple[float, float, int]] = []
        self._task: asyncio.Task[None] | None = None
        self._collecting = 0.0

    def start(self) -> None:
        """Start measuring."""
        self._task = asyncio.create_task(self._run())
        gc.callbacks.append(self._collection)

    async def stop(self) -> None:
        """Stop measuring."""
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._collection)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def summary(self) -> str:
        """Loop lag p50 / p99 / max, and the longest collection."""
        lags = self.lags
        text = (
            f"lag {_percentile(lags, 0.5) * 1000:.0f} / {_percentile(lags, 0.99) * 1000:.0f}"
            f" / {max(lags, default=0.0) * 1000:.0f} ms"
        )
        if self.pauses:
            _, longest, generation = max(self.pauses, key=lambda pause: pause[1])
            text += f"; GC {len(self.pauses)}×, longest {longest * 1000:.0f} ms (gen {generation})"
        return text

    def _collection(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._collecting = time.monotonic()
        else:
            now = time.monotonic()
            self.pauses.append((now, now - self._collecting, info["generation"]))

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            self.lags.append(time.monotonic() - before - 0.01)


# -- figures ----------------------------------------------------------------------------------


def _percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (the value at or above which 1 − q of them lie)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _rate(times: Sequence[float]) -> float:
    """Events a second from the first to the last: (n − 1) / (last − first)."""
    ordered = sorted(times)
    if len(ordered) < 2 or ordered[-1] == ordered[0]:
        return 0.0
    return (len(ordered) - 1) / (ordered[-1] - ordered[0])


def _between(times: Sequence[float], start: float, end: float) -> int:
    return sum(1 for t in times if start <= t <= end)


def _row(label: str, measured: str, goal: str = "", met: bool | None = None) -> None:
    """One figure, its goal and whether it was met."""
    verdict = "" if met is None else ("met" if met else "MISSED")
    print(f"  {label:<40} {measured:<40} {goal:<14} {verdict}".rstrip())


def _timeline(
    sends: Sequence[float],
    budget: Sequence[float],
    steps: Sequence[tuple[float, float]],
    slices: int = 10,
) -> None:
    """The broadcast in slices of time: its rate, the other sends and edits (replies, the
    organizer's progress), and the supporters' steps and their latency, so that one sees
    whether latency grew with the replies' own demand (the broadcast keeps half the rate)."""
    start, end = sends[0], sends[-1]
    width = (end - start) / slices
    print(
        f"    {'from s':>6} {'to s':>5} {'broadcast/s':>11} {'others/s':>8} {'steps':>5}", end=""
    )
    print(f" {'p50 s':>6} {'p99 s':>6} {'max s':>6}")
    for number in range(slices):
        low, high = start + number * width, start + (number + 1) * width
        inside = _between(sends, low, high)
        others = _between(budget, low, high) - inside
        latencies = [latency for pushed, latency in steps if low <= pushed < high]
        figures = "".join(
            f" {_percentile(latencies, q):>6.2f}" if latencies else f" {'-':>6}"
            for q in (0.5, 0.99, 1.0)
        )
        print(
            f"    {low - start:>6.0f} {high - start:>5.0f} {inside / width:>11.1f}"
            f" {others / width:>8.1f} {len(latencies):>5}{figures}"
        )


def _rate_limits(arena: Arena, first_send: float) -> None:
    """Where the 429s fell, if any: to whom, and when (seconds after the first broadcast send)."""
    limited = arena.rate_limited()
    if not limited:
        return
    broadcast = sum(1 for fault in limited if arena.is_follower(fault.params.get("chat_id")))
    when = sorted({round(fault.time - first_send, 1) for fault in limited})
    shown = ", ".join(f"{t:g}" for t in when[:12]) + (" …" if len(when) > 12 else "")
    _row("429s: broadcast / others", f"{broadcast} / {len(limited) - broadcast}")
    _row("429s: seconds after the first send", shown)
    # Telegram counts arrivals.  If one side stalls (a GC pause, a busy loop), requests that
    # left during the stall arrive together after it: a silence, then a burst, in the second
    # before a 429.
    first = min(fault.time for fault in limited)
    arrivals = sorted(t for t in arena.fake.budget_times if first - 1.1 <= t <= first)
    if len(arrivals) > 1:
        gap, after = max((b - a, b) for a, b in itertools.pairwise(arrivals))
        _row(
            "longest silence before the first 429",
            f"{gap * 1000:.0f} ms, ending {(first - after) * 1000:.0f} ms before it",
        )


def _metric(text: str, name: str) -> float:
    """One unlabelled value from a /metrics page (NaN if the bot does not export it)."""
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else math.nan


def _reply_waits(metrics_text: str) -> str:
    """p50 / p99 of the time replies waited for room in the budget, from the bot's histogram.

    `_server_side` reads the update-time histogram; the reply-wait one has the same buckets.
    """
    prefix = "ua_reply_wait_seconds_bucket"
    lines = metrics_text.splitlines()
    waits = [line.replace(prefix, "ua_update_seconds_bucket") for line in lines if prefix in line]
    quantiles = _server_side("\n".join(waits))
    return quantiles.removeprefix("bot-side handling ") or "none"


async def _settled(arena: Arena) -> str:
    """The bot's /metrics once its outbox has recorded every answer (results are written in
    batches after the answers come back), or after 10 s."""
    deadline = time.monotonic() + 10.0
    while True:
        text = await arena.metrics()
        states = _outbox_states(text)
        if states.get("pending", 0) + states.get("sending", 0) == 0:
            return text
        if time.monotonic() >= deadline:
            return text
        await asyncio.sleep(0.2)


def _outbox_states(metrics_text: str) -> dict[str, float]:
    """Outbox rows by state, from the bot's /metrics."""
    pattern = r'^ua_outbox_messages\{state="(\w+)"\} (\S+)$'
    return {state: float(n) for state, n in re.findall(pattern, metrics_text, re.MULTILINE)}


def _bot_side(arena: Arena, metrics_text: str) -> None:
    """What the bot itself counted and logged: dropped and retried replies, outbox states."""
    outbox = _outbox_states(metrics_text)
    states = ", ".join(f"{state} {n:,.0f}" for state, n in outbox.items() if n)
    _row("outbox rows at the end", states or "none")
    dropped = _metric(metrics_text, "ua_replies_dropped_total")
    retried = _metric(metrics_text, "ua_replies_retried_total")
    throttled = _metric(metrics_text, "ua_updates_throttled_total")
    _row("replies dropped / retried after 429", f"{dropped:.0f} / {retried:.0f}", "0 / 0")
    _row("replies' wait for the budget (bot)", _reply_waits(metrics_text))
    _row("update handling (bot)", _server_side(metrics_text).removeprefix("bot-side handling "))
    _row("updates throttled (floods)", f"{throttled:.0f}")
    lines = arena.log()
    problems = [line for line in lines if "WARNING" in line or "ERROR" in line or "429" in line]
    noted = [line for line in lines if line.strip() and not line.startswith(" ")]
    _row("bot log (stderr)", f"{len(lines)} lines, {len(noted)} messages")
    for line in sorted(set(noted or problems))[:5]:
        print(f"    {line[:150]}")
    errors = arena.fake.errors
    if errors:
        _row("requests the fake rejected", f"{len(errors)}: {errors[:3]}", "0", False)


# -- scenarios --------------------------------------------------------------------------------


async def replies(options: Options) -> None:
    """A broadcast at 30/s while supporters do the whole journey: do they all get answers?"""
    followers, supporters, rate = options.scaled(3000), options.scaled(300), 30
    print(
        f"\nreplies: a broadcast to {followers:,} at {rate}/s, 100 ms latency, while {supporters}"
        f" other supporters each do the whole journey (think {options.think:g} s)"
    )
    async with _arena(followers, limit=rate, latency=0.1) as arena:
        fake = arena.fake
        counted = len(fake.budget_times)
        warm = [Person(arena, FIRST_SUPPORTER - 1 - n, f"W{n}") for n in range(WARM_UP)]
        now = time.monotonic()
        if not all(await asyncio.gather(*(_journey(p, now, 0.2) for p in warm))):
            raise RuntimeError("a warm-up journey went unanswered before any broadcast")
        per_journey = (len(fake.budget_times) - counted) / WARM_UP

        tapped = await _send(arena, await _compose(arena))
        # How long the broadcast should last with the journeys' sends and edits (and the
        # organizer's progress edit every 3 s) in the same budget; the supporters start evenly
        # over that, less the length of one journey, so nearly all of it overlaps.
        expected = (followers + supporters * per_journey) / (rate - 1 / 3)
        journey_seconds = len(JOURNEY) * (options.think + 0.3)
        spread = max(1.0, expected - journey_seconds)
        print(
            f"  {per_journey:.1f} sends and edits per journey (warm-up); broadcast expected to"
            f" take {expected:.0f} s; supporters start over {spread:.0f} s"
        )
        cpu = arena.bot_cpu()
        stalls = Stalls()
        stalls.start()
        people = [Person(arena, FIRST_SUPPORTER + n, f"S{n}") for n in range(supporters)]
        start = time.monotonic()
        answered = await asyncio.gather(
            *(
                _journey(person, start + n * spread / supporters, options.think)
                for n, person in enumerate(people)
            )
        )
        complete = await _until_sent(arena, rate)
        cpu = arena.bot_cpu() - cpu
        await stalls.stop()
        metrics_text = await _settled(arena)
        sends = list(arena.broadcast_sends())
        budget = sorted(fake.budget_times)
        limited = arena.rate_limited()

        steps = sorted(step for person in people for step in person.steps)
        latencies = [latency for _, latency in steps]
        pushes = [p.first_push for p in people if p.first_push is not None]
        effects = [p.last_effect for p in people if p.last_effect is not None]
        begin, end = max(sends[0], min(pushes)), min(sends[-1], max(effects))
        span = end - begin
        during = _between(sends, begin, end) / span
        others = (_between(budget, begin, end) - _between(sends, begin, end)) / span
        share = during / (rate - others) if rate > others else math.inf
        gave_up = answered.count(False)
        bare = sum(person.bare_answers for person in people)

        _row("429 answers served", f"{len(limited)}", "0", not limited)
        _rate_limits(arena, sends[0])
        _row("supporters without a reply", f"{gave_up} of {supporters}", "0", gave_up == 0)
        if bare:
            _row("taps answered without their screen", f"{bare}", "0", False)
        p50, p95, p99 = (_percentile(latencies, q) for q in (0.5, 0.95, 0.99))
        _row(
            "reply latency p50 / p95 / p99 / max",
            f"{p50:.2f} / {p95:.2f} / {p99:.2f} / {max(latencies, default=math.nan):.2f} s",
            "p99 < 1.5 s",
            p99 < 1.5,
        )
        _row("steps answered", f"{len(latencies):,} of {supporters * len(JOURNEY):,}")
        _row(
            f"overlap (both running), {span:.0f} s",
            f"broadcast {during:.1f}/s, others {others:.1f}/s",
        )
        _row(
            "broadcast / (rate − others)",
            f"{during:.1f} / {rate - others:.1f} = {share:.2f}",
            "≥ 0.9",
            share >= 0.9,
        )
        most = max_in_any_window(budget)
        _row("most sends + edits in any 1 s", f"{most}", f"≤ {rate}", most <= rate)
        state = "" if complete else f" (INCOMPLETE: {len(sends):,} of {followers:,})"
        _row(
            "broadcast, first to last send",
            f"{sends[-1] - sends[0]:.1f} s at {_rate(sends):.1f}/s",
        )
        _row("total, organizer's tap to last send", f"{sends[-1] - tapped:.1f} s{state}")
        _row("bot CPU during the journeys", f"{cpu:.1f} s")
        _row("this process's stalls (the fake)", stalls.summary())
        print("  the broadcast in slices (steps by when they were sent):")
        _timeline(sends, budget, steps)
        _bot_side(arena, metrics_text)


async def paid(options: Options) -> None:
    """A paid broadcast at 1,000/s: does it keep the rate?  Three runs: the fake with its full
    validation, without it, and without it with this process's garbage collector paused during
    the broadcast (so that the fake never stalls, and what is left is the bot's own pacing)."""
    followers, rate = options.scaled(20_000), 1000
    for validate, collect in ((True, True), (False, True), (False, False)):
        checks = "full validation" if validate else "validate=False"
        collector = "" if collect else ", GC paused in this process"
        print(
            f"\npaid: a paid broadcast to {followers:,} at {rate:,}/s, 100 ms latency,"
            f" fake with {checks}{collector}"
        )
        async with _arena(
            followers, limit=rate, latency=0.1, validate=validate, paid=True
        ) as arena:
            organizer = await _compose(arena)
            stalls = Stalls()
            stalls.start()
            if not collect:
                gc.disable()
            bot_cpu, own_cpu = arena.bot_cpu(), time.process_time()
            try:
                tapped = await _send(arena, organizer)
                complete = await _until_sent(arena, rate)
                bot_cpu, own_cpu = arena.bot_cpu() - bot_cpu, time.process_time() - own_cpu
            finally:
                await stalls.stop()  # before collecting again: that pause is after the broadcast
                gc.enable()
            metrics_text = await _settled(arena)
            sends = list(arena.broadcast_sends())
            limited = arena.rate_limited()
            achieved = _rate(sends)
            wall = sends[-1] - tapped
            _row("429 answers served", f"{len(limited)}", "0", not limited)
            _rate_limits(arena, sends[0])
            _row(
                "achieved rate (n − 1) / (last − first)",
                f"{achieved:,.0f}/s = {achieved / rate:.3f} of the rate",
                "≥ 0.95",
                achieved >= 0.95 * rate,
            )
            most = max_in_any_window(arena.fake.budget_times)
            _row("most sends + edits in any 1 s", f"{most}", f"≤ {rate}", most <= rate)
            state = "" if complete else f" (INCOMPLETE: {len(sends):,} of {followers:,})"
            _row("total, organizer's tap to last send", f"{wall:.1f} s{state}")
            _row(
                "CPU: bot / this process (the fake)",
                f"{bot_cpu:.1f} s / {own_cpu:.1f} s"
                f" ({bot_cpu / wall:.0%} / {own_cpu / wall:.0%} of a core)",
            )
            _row("this process's stalls (the fake)", stalls.summary())
            _bot_side(arena, metrics_text)


async def flood(options: Options) -> None:
    """Three accounts flood the bot during a broadcast: does the broadcast keep half the rate?"""
    rate, accounts = 30, 3
    seconds, steady = (3.0, 1.0) if options.quick else (10.0, 2.0)
    # The broadcast must outlast the flood (and the steady start before it) at half the rate.
    followers = max(options.scaled(1000), round(2 * rate * (seconds + steady)))
    print(
        f"\nflood: a broadcast to {followers:,} at {rate}/s while {accounts} accounts each send"
        f" /nonsense 10 times a second for {seconds:g} s"
    )
    async with _arena(followers, limit=rate, latency=0.0) as arena:
        fake = arena.fake

        async def push(update: JSON) -> None:
            fake.push_update(update)  # a flooder does not wait for answers

        flooders = [
            fake.user(FIRST_FLOODER + n, f"F{n}", "en", deliver=push) for n in range(accounts)
        ]
        tapped = await _send(arena, await _compose(arena))
        await asyncio.sleep(steady)  # the broadcast at its steady pace first
        stalls = Stalls()
        stalls.start()
        started = time.monotonic()
        for tick in range(round(seconds * 10)):
            for flooder in flooders:
                await flooder.send("/nonsense")
            await asyncio.sleep(max(0.0, started + (tick + 1) / 10 - time.monotonic()))
        ended = time.monotonic()
        complete = await _until_sent(arena, rate)
        await stalls.stop()
        await asyncio.sleep(1.0)  # the flooders' last answers (the broadcast outlasted the flood)
        metrics_text = await _settled(arena)
        sends = list(arena.broadcast_sends())
        limited = arena.rate_limited()

        # If the broadcast ended during the flood, only its part of the flood counts.
        until = min(ended, sends[-1])
        during = _between(sends, started, until) / (until - started)
        before = _between(sends, sends[0], started) / (started - sends[0])
        _row(
            f"broadcast during the flood ({until - started:.1f} s)",
            f"{during:.1f}/s (before it {before:.1f}/s)",
            f"≥ {rate / 2:g}/s",
            during >= rate / 2,
        )
        _row("429 answers served", f"{len(limited)}", "0", not limited)
        _rate_limits(arena, sends[0])
        most = max_in_any_window(fake.budget_times)
        _row("most sends + edits in any 1 s", f"{most}", f"≤ {rate}", most <= rate)
        for flooder in flooders:
            texts = [message.text or "" for message in fake.messages(flooder.id)]
            answers = sum("no such command" in text for text in texts)
            notices = sum("faster than the bot can answer" in text for text in texts)
            _row(
                f"flooder {flooder.first_name}: answers / slow-down notices",
                f"{answers} / {notices} (of {round(seconds * 10)} updates)",
                "notices 1",
                notices == 1,
            )
        notices_total = _metric(metrics_text, "ua_flood_notices_total")
        _row("flood notices the bot counted", f"{notices_total:.0f}", f"{accounts}")
        state = "" if complete else f" (INCOMPLETE: {len(sends):,} of {followers:,})"
        _row("total, organizer's tap to last send", f"{sends[-1] - tapped:.1f} s{state}")
        _row("this process's stalls (the fake)", stalls.summary())
        _bot_side(arena, metrics_text)


SCENARIOS: dict[str, Callable[[Options], Awaitable[None]]] = {
    "replies": replies,
    "paid": paid,
    "flood": flood,
}


async def _run(names: Sequence[str], options: Options) -> None:
    for line in machine():
        print(line)
    scale = "quick (about a tenth of the goals' sizes)" if options.quick else "full"
    print(f"scale: {scale}; the bot in a child process, real getUpdates polling")
    started = time.monotonic()
    for name in names:
        began = time.monotonic()
        await SCENARIOS[name](options)
        print(f"  ({name}: {time.monotonic() - began:.0f} s with set-up and stops)")
    print(f"\nall done in {time.monotonic() - started:.0f} s")


def main() -> None:
    """Parse the command line and run the scenarios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="about 10× smaller: a smoke run")
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help="run only this one")
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds a supporter reads before each step"
    )
    arguments = parser.parse_args()
    names = [arguments.scenario] if arguments.scenario else list(SCENARIOS)
    asyncio.run(_run(names, Options(arguments.quick, arguments.think)))


if __name__ == "__main__":
    main()
