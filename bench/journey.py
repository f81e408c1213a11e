"""Benchmark: N supporters do the whole journey at once; the bot against a bare PTB echo bot.

Run from the repository root (prints figures; it is not a test)::

    python -m bench.journey                 # 100 supporters, 3 flat-out rounds, then paced
    python -m bench.journey --supporters 300 --think 2 --repeat 5 --profile

Arrangement, the same for every bot measured:

* this process runs the fake Bot API (`faketelegram`, with its full validation) and the
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
* the same echo bot given **our transport** (`bot.telegram.request.AiohttpRequest`) and 256
  concurrent updates: PTB's ceiling on this machine, and a stricter yardstick.  The journey
  bot makes two Bot API calls per update with keyboards and formatted text (the echo bot one,
  with a few words), so it cannot come near this one; the ratio shows how far.

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
from pathlib import Path
from typing import Any

from bench import machine
from bench.journey_bots import ROOT, run_echo_bot, run_journey_bot
from bench.journey_report import BARE_RUN, JOURNEY_RUN, TUNED_RUN, Result, report, summarise

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
    from faketelegram import FakeTelegram

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
    text = summarise(profile_file.read_text()) if profile_file.exists() else ""
    shutil.rmtree(workdir, ignore_errors=True)
    return Result(
        name, supporters, len(latencies), seconds, latencies, cpu, fake_cpu, api_calls,
        server_side, text, think,
    )  # fmt: skip


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
    report(rounds, paced)


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
        asyncio.run(run_journey_bot(args.api, args.workdir, args.port))
    elif args.role in ("echo", "echo-bare"):
        asyncio.run(run_echo_bot(args.api, bare=args.role == "echo-bare"))
    else:
        asyncio.run(_orchestrate(args.supporters, args.think, args.repeat, args.profile))


if __name__ == "__main__":
    main()
