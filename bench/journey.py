"""Benchmark: N supporters do the whole journey at once; the bot against a bare PTB echo bot.

Run from the repository root (prints figures; it is not a test)::

    python -m bench.journey                 # 100 supporters, 3 flat-out rounds, then paced
    python -m bench.journey --supporters 300 --think 2 --repeat 5 --profile

Arrangement, the same for every bot measured:

* this process runs the fake Bot API (`bot.fake_telegram`, with its full validation) and the
  simulated supporters;
* the bot runs in a child process of its own and takes updates through the **real getUpdates
  polling loop** (so the update processor, de-duplication and throttling are included), and
  answers over loopback HTTP.

Each supporter does the journey: /start, the President, Email, "Initials and city", types
"A. K.", types "Almaty", "I sent the email": 7 updates.  The echo bot gets the same 7 updates
per supporter (4 taps answered, 3 messages echoed), so both handle the same number of updates.
Latency is measured by the supporter: from the update being queued at the fake until its last
effect (reply sent, button answered).  Two phases:

* **flat out**: every supporter at once, each step as soon as the previous one is answered;
  gives the throughput (updates/second).  Latency here is mostly queueing: with N supporters
  waiting, latency ≈ N / throughput (Little's law), for any bot;
* **paced**: each supporter waits 0.5–1.5 × `--think` seconds before each step (a person
  reading), an offered load of about N / think updates/second; gives the latency a supporter
  feels at that load.

Two echo bots, each one MessageHandler replying with the text and one CallbackQueryHandler
answering:

* the **bare PTB echo bot** of the goal: python-telegram-bot as it comes (its httpx backend,
  one update at a time), as in PTB's own echobot example;
* the same echo bot given **our transport** (`bot.http.AiohttpRequest`) and 256 concurrent
  updates: PTB's ceiling on this machine, and a stricter yardstick.  The journey bot makes
  two Bot API calls per update with keyboards and formatted text (the echo bot one, with a
  few words), so it cannot come near this one; the ratio shows how far.

Flat-out rounds are interleaved (journey, bare, ours; repeated), so a noisy moment on a
shared machine hits every bot alike, and ratios are medians of rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import machine

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:BENCH-token"
SECRET_KEY = "bench-secret-key-0123456789-abcdefghijklmnop"
CASE = "ua-31-22"
WARM_UP = 10

JSON = dict[str, Any]

#: The journey: (kind, argument, new or edited messages that end the step for messages).
JOURNEY = [
    ("send", "/start", 1),
    ("click", "President of Kazakhstan", 0),
    ("click", "✉️ Email", 0),
    ("click", "Initials and city", 0),
    ("send", "A. K.", 1),
    ("send", "Almaty", 2),  # "signature saved" and the email
    ("click", "✅ I sent the email", 0),
]
#: The same kinds of updates for the echo bot: messages are echoed, taps answered.
ECHO = [
    ("send", "/start", 1),
    ("tap", "x", 0),
    ("tap", "x", 0),
    ("tap", "x", 0),
    ("send", "A. K.", 1),
    ("send", "Almaty", 1),
    ("tap", "x", 0),
]


# -- the bots, each in a process of its own ---------------------------------------------------


def _future_content(workdir: Path) -> Path:
    """The real content with the case's deadline ahead (the real one has passed)."""
    target = workdir / "content"
    if not target.exists():
        shutil.copytree(ROOT / "content", target)
        case = target / "cases" / CASE / "case.yaml"
        deadline = date.today() + timedelta(days=60)
        case.write_text(re.sub(r"(?m)^deadline: .*$", f"deadline: {deadline}", case.read_text()))
    return target


async def _until_sigterm() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for each in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(each, stop.set)
    print("READY", flush=True)
    await stop.wait()


async def _run_journey_bot(api: str, workdir: Path, port: int) -> None:
    from pydantic import SecretStr

    from bot.content import load_content
    from bot.processor import UpdateProcessor
    from bot.runner import Runner
    from bot.settings import Settings

    content_dir = _future_content(workdir)
    settings = Settings(
        token=SecretStr(TOKEN),
        secret_key=SecretStr(SECRET_KEY),
        api_url=api,
        database=workdir / "bot.sqlite3",
        content_dir=content_dir,
        listen_port=port,
    )
    runner = Runner(settings, load_content(content_dir))
    app = runner.application
    # Until bot/app.py wires the processor itself (then this does nothing).
    if not isinstance(app.update_processor, UpdateProcessor):
        app._update_processor = UpdateProcessor()  # type: ignore[misc]
    app.update_processor.attach(app)  # type: ignore[attr-defined]
    await runner.start()
    try:
        await _until_sigterm()
    finally:
        await runner.stop()


async def _run_echo_bot(api: str, bare: bool) -> None:
    from telegram import Update
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    from bot.http import AiohttpRequest

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    builder = ApplicationBuilder().token(TOKEN).base_url(f"{api}/bot")
    if not bare:
        builder = (
            builder.request(AiohttpRequest(connection_pool_size=256))
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
            .concurrent_updates(256)
        )
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(allowed_updates=["message", "callback_query"])
    try:
        await _until_sigterm()
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


# -- the supporters and the measurement ------------------------------------------------------


@dataclass
class Result:
    name: str
    supporters: int
    updates: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float
    fake_cpu_seconds: float
    api_calls: int
    server_side: str = ""
    profile: str = ""
    think: float = 0.0

    @property
    def rate(self) -> float:
        return self.updates / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass
class Watch:
    """Wakes a supporter when the fake records a call in their chat (instead of polling)."""

    events: dict[int, asyncio.Event] = field(default_factory=dict)

    def event(self, chat_id: int) -> asyncio.Event:
        return self.events.setdefault(chat_id, asyncio.Event())

    async def until(self, chat_id: int, condition: Callable[[], bool]) -> None:
        event = self.event(chat_id)
        while not condition():
            event.clear()
            await event.wait()


def _instrument(fake: Any, watch: Watch) -> None:
    """Wrap the fake's request handler to notify the chat a recorded call belonged to."""
    original = fake._handle

    async def handle(request: Any) -> Any:
        before = len(fake.calls)
        response = await original(request)
        if len(fake.calls) > before:  # nothing awaits between recording and returning
            call = fake.calls[-1]
            chat = call.params.get("chat_id")
            if call.method == "answerCallbackQuery":
                record = fake.callback_queries.get(str(call.params["callback_query_id"]))
                chat = record.chat_id if record else None
            if isinstance(chat, int):
                watch.event(chat).set()
        return response

    fake._handle = handle


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_side(metrics_text: str) -> str:
    """p50/p99 of the bot's own handling time, from its histogram (bucket upper bounds)."""
    pattern = r'ua_update_seconds_bucket\{le="([^"]+)"\} (\S+)'
    buckets = [(float(bound), float(count)) for bound, count in re.findall(pattern, metrics_text)]
    if not buckets or buckets[-1][1] == 0:
        return ""
    total = buckets[-1][1]

    def quantile(q: float) -> str:
        bound = next(b for b, count in buckets if count >= q * total)
        return f"≤ {bound * 1000:.0f} ms"

    return f"bot-side handling p50 {quantile(0.5)}, p99 {quantile(0.99)}"


async def _measure(
    name: str, role: list[str], supporters: int, profile: bool, think: float
) -> Result:
    from bot.fake_telegram import FakeTelegram

    steps = JOURNEY if role[0] == "journey" else ECHO
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    fake = FakeTelegram()
    watch = Watch()
    _instrument(fake, watch)
    await fake.start()
    port = _free_port()
    command = [sys.executable, "-m", "bench.journey", "--role", *role]
    command += ["--api", fake.base_url, "--workdir", str(workdir), "--port", str(port)]
    profile_file = workdir / "profile.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        *command, cwd=ROOT, stdout=asyncio.subprocess.PIPE, env=env
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        assert line.strip() == b"READY", line

        latencies: list[float] = []

        async def journey(user_id: int, record: bool) -> None:
            expect = [0]
            pace = random.Random(user_id)

            async def deliver(update: JSON) -> None:
                chat = user_id
                seen = max((m.seq for m in fake.messages(chat)), default=0)
                started = time.perf_counter()
                fake.push_update(update)
                if "callback_query" in update:
                    qid = update["callback_query"]["id"]
                    done = lambda: fake.callback_queries[qid].answer is not None  # noqa: E731
                else:
                    done = lambda: len(fake.changes_since(chat, seen)) >= expect[0]  # noqa: E731
                await asyncio.wait_for(watch.until(chat, done), 30)
                if record:
                    latencies.append(time.perf_counter() - started)

            user = fake.user(user_id, f"S{user_id}", "en", deliver=deliver)
            for kind, argument, replies in steps:
                if think:
                    await asyncio.sleep(pace.uniform(0.5, 1.5) * think)
                expect[0] = replies
                if kind == "send":
                    await user.send(argument)
                elif kind == "click":
                    await user.click(argument)
                else:
                    last = user.last
                    assert last is not None
                    await user.click_data(argument, last.message_id)

        await asyncio.gather(*(journey(1_000_000 + n, False) for n in range(WARM_UP)))
        spy = None
        if profile:  # py-spy samples the bot from outside: little overhead, idle time excluded
            spy = await asyncio.create_subprocess_exec(
                *(
                    "py-spy",
                    "record",
                    "--pid",
                    str(process.pid),
                    "--format",
                    "raw",
                    "--rate",
                    "500",
                ),
                *("--nonblocking", "--output", str(profile_file)),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            await asyncio.sleep(1.0)  # attached
        cpu_before = _cpu_seconds(process.pid)
        fake_cpu_before = time.process_time()
        calls_before = len(fake.calls)
        started = time.perf_counter()
        await asyncio.gather(*(journey(2_000_000 + n, True) for n in range(supporters)))
        seconds = time.perf_counter() - started
        cpu = _cpu_seconds(process.pid) - cpu_before
        fake_cpu = time.process_time() - fake_cpu_before
        api_calls = len(fake.calls) - calls_before
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            await spy.wait()
        server_side = ""
        if role[0] == "journey":
            server_side = _server_side(await _get(f"http://127.0.0.1:{port}/metrics"))
            assert _actions(workdir) == supporters + WARM_UP, "not every journey was counted"
        assert fake.errors == [], fake.errors[:5]
        assert fake.unanswered_callbacks() == []
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
    except BaseException:  # no bot process may outlive a failed run
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    await fake.stop()
    text = _summarise(profile_file.read_text()) if profile_file.exists() else ""
    shutil.rmtree(workdir, ignore_errors=True)
    return Result(
        name, supporters, len(latencies), seconds, latencies, cpu, fake_cpu, api_calls,
        server_side, text, think,
    )  # fmt: skip


def _summarise(raw: str, top: int = 25) -> str:
    """Where the bot's CPU goes, from py-spy's collapsed stacks: by function, inclusive and
    self, and by area (our code, PTB, HTTP, SQLite, templates, asyncio)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    areas: dict[str, int] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        total += count
        frames = [_frame(frame) for frame in stack.split(";")]
        for name in set(frames):
            inclusive[name] = inclusive.get(name, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
        area = _area(stack.split(";")[-1])
        areas[area] = areas.get(area, 0) + count
    if not total:
        return "no samples (is py-spy allowed to attach? try as root or with CAP_SYS_PTRACE)"
    lines = [f"{total} samples while busy; by area of the innermost frame:"]
    for area, count in sorted(areas.items(), key=lambda item: -item[1]):
        lines.append(f"  {count / total:6.1%}  {area}")
    lines.append("inclusive (function and what it calls), our code and PTB:")
    ranked = sorted(inclusive.items(), key=lambda item: -item[1])
    ours = [(n, c) for n, c in ranked if n.startswith(("bot/", "telegram/", "aiosqlite/"))]
    lines += [f"  {count / total:6.1%}  {name}" for name, count in ours[:top]]
    lines.append("self (innermost frame):")
    for name, count in sorted(own.items(), key=lambda item: -item[1])[:top]:
        lines.append(f"  {count / total:6.1%}  {name}")
    return "\n".join(lines)


def _frame(frame: str) -> str:
    """'function (path/to/module.py:12)' → 'module path: function'."""
    match = re.match(r"(.*) \((.*?):\d+\)$", frame)
    if not match:
        return frame
    function, path = match.groups()
    for marker in ("site-packages/", "/lib/python3", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}: {function}"


def _area(frame: str) -> str:
    for needle, area in (
        ("/bot/", "our code (bot/)"),
        ("telegram/", "python-telegram-bot"),
        ("aiohttp", "HTTP client (aiohttp)"),
        ("aiosqlite", "aiosqlite (thread hand-off)"),
        ("sqlite3", "SQLite"),
        ("jinja2", "Jinja templates"),
        ("json", "JSON"),
        ("asyncio", "asyncio event loop"),
        ("threading", "threads (aiosqlite's)"),
        ("selectors", "waiting for I/O"),
    ):
        if needle in frame:
            return area
    return "other: " + _frame(frame).split(":")[0]


def _actions(workdir: Path) -> int:
    with sqlite3.connect(workdir / "bot.sqlite3") as db:
        return int(db.execute("SELECT count(*) FROM actions").fetchone()[0])


async def _get(url: str) -> str:
    import aiohttp

    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return await response.text()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _table(title: str, results: list[Result]) -> None:
    print(f"\n{title}")
    header = f"{'bot':<42} {'updates':>7} {'upd/s':>6} {'p50 ms':>7} {'p99 ms':>7}"
    print(f"{header} {'bot CPU':>8} {'calls':>6} {'fake CPU':>9}")
    print(f"{'':<42} {'':>7} {'':>6} {'':>7} {'':>7} {'ms/upd':>8} {'/upd':>6} {'% core':>9}")
    for result in results:
        print(
            f"{result.name:<42} {result.updates:>7} {result.rate:>6.0f}"
            f" {result.percentile(0.5) * 1000:>7.1f} {result.percentile(0.99) * 1000:>7.1f}"
            f" {result.cpu_seconds / result.updates * 1000:>8.2f}"
            f" {result.api_calls / result.updates:>6.1f}"
            f" {result.fake_cpu_seconds / result.seconds:>9.0%}"
        )
        if result.server_side:
            print(f"    {result.server_side}")


JOURNEY_RUN = ("urgent-action bot (journey)", ["journey"])
BARE_RUN = ("bare PTB echo bot (PTB defaults)", ["echo-bare"])
TUNED_RUN = ("echo bot on our transport (aiohttp, 256)", ["echo"])


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _report(rounds: list[list[Result]], paced: list[Result]) -> None:
    for number, flat in enumerate(rounds, 1):
        _table(f"flat out, round {number} of {len(rounds)} (throughput):", flat)
    if paced:
        think = paced[0].think
        _table(
            f"paced (think {think:g} s, offered ≈ {paced[0].supporters / think:.0f} upd/s):", paced
        )
    bare = [flat[0].rate / flat[1].rate for flat in rounds]
    tuned = [flat[0].rate / flat[2].rate for flat in rounds]
    latency = paced[0] if paced else rounds[0][0]
    p99 = latency.percentile(0.99) * 1000
    print()
    print(
        f"throughput ratio, journey bot / bare PTB echo bot: median {_median(bare):.2f}"
        f" (rounds: {', '.join(f'{r:.2f}' for r in bare)})  (goal ≥ 0.5)"
    )
    print(
        f"throughput ratio, journey bot / echo bot on our transport: median {_median(tuned):.2f}"
        f" (rounds: {', '.join(f'{r:.2f}' for r in tuned)})  (stricter; not the goal)"
    )
    print(f"journey p99 ({'paced' if paced else 'flat out'}): {p99:.1f} ms  (goal < 50 ms)")
    print("goal met" if _median(bare) >= 0.5 and p99 < 50 else "goal MISSED")
    for flat in rounds:
        for result in flat:
            if result.profile:
                print(
                    "\n--- where the journey bot's CPU goes (py-spy, flat out) ---\n"
                    + result.profile
                )


async def _orchestrate(supporters: int, think: float, repeat: int, profile: bool) -> None:
    for line in machine():
        print(line)
    print(f"{supporters} supporters, 7 updates each, real getUpdates polling loop")
    rounds = []
    for number in range(repeat):  # interleaved, so a noisy moment hits every bot alike
        flat = []
        for name, role in (JOURNEY_RUN, BARE_RUN, TUNED_RUN):
            profiled = profile and number == 0 and role == JOURNEY_RUN[1]
            flat.append(await _measure(name, role, supporters, profiled, 0.0))
            print(f"  flat out, round {number + 1}: {name}: done", flush=True)
        rounds.append(flat)
    paced = []
    if think:
        for name, role in (JOURNEY_RUN, BARE_RUN):
            paced.append(await _measure(name, role, supporters, False, think))
            print(f"  paced: {name}: done", flush=True)
    _report(rounds, paced)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--supporters", type=int, default=100)
    parser.add_argument(
        "--think", type=float, default=1.0, help="seconds between steps when paced (0: skip)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="flat-out rounds (ratios: median of rounds)"
    )
    parser.add_argument("--profile", action="store_true", help="profile the journey bot")
    parser.add_argument("--role", choices=["journey", "echo", "echo-bare"], help=argparse.SUPPRESS)
    parser.add_argument("--api", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "journey":
        asyncio.run(_run_journey_bot(args.api, args.workdir, args.port))
    elif args.role in ("echo", "echo-bare"):
        asyncio.run(_run_echo_bot(args.api, bare=args.role == "echo-bare"))
    else:
        asyncio.run(_orchestrate(args.supporters, args.think, args.repeat, args.profile))


if __name__ == "__main__":
    main()
