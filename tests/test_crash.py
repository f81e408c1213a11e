"""Real crashes: the bot process is killed with SIGKILL while supporters' taps are handled.

The bot runs as a separate process (as in production: long polling, against a fake Bot API
served by this test), supporters confirm actions, the process is `kill -9`-ed at several
moments, restarted on the same database, and Telegram re-delivers the updates of the moment
(same update ids).  Afterwards every confirmed tap is recorded exactly once, the anonymous
totals agree with the rows, and SQLite finds nothing half-written.  The last stop is a SIGTERM
with a slow reply in flight: the process finishes it and exits with 0.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bot.checks.content import load_content
from faketelegram import FakeTelegram, FakeUser
from tests.harness import CONTENT, ROOT, SECRET_KEY, TOKEN
from tests.test_processor import forget_stale_polls

JSON = dict[str, Any]
CASE = "ua-31-22"

# The bot as it is deployed: `python -m bot`, long polling, processor and health server.
COMMAND = [sys.executable, "-m", "bot"]

SUPPORTERS = 25
TAPS_EACH = 6  # five different actions and one second tap of the same button
WAVES = 4  # the first three end with a kill -9
# Each wave stays under getUpdates' 100 even when re-delivered in full (see `_redeliver`).


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def future_content(tmp: Path) -> Path:
    """A copy of the real content with the case's deadline moved 60 days ahead."""
    target = tmp / "content"
    shutil.copytree(CONTENT, target)
    case = target / "cases" / CASE / "case.yaml"
    deadline = date.today() + timedelta(days=60)
    text, found = re.subn(r"(?m)^deadline: .*$", f"deadline: {deadline}", case.read_text())
    assert found == 1
    case.write_text(text)
    return target


class BotProcess:
    """`python -m bot` as a child process, started and killed at will."""

    def __init__(self, fake: FakeTelegram, tmp: Path, content: Path) -> None:
        self.port = free_port()
        self.log = tmp / "bot.log"
        self.database = tmp / "bot.sqlite3"
        self.cwd = tmp
        env = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
        env.update(
            PYTHONPATH=str(ROOT),
            BOT_TOKEN=TOKEN,
            BOT_SECRET_KEY=SECRET_KEY,
            BOT_API_URL=fake.base_url,
            BOT_DATABASE=str(self.database),
            BOT_CONTENT_DIR=str(content),
            BOT_LISTEN_HOST="127.0.0.1",
            BOT_LISTEN_PORT=str(self.port),
        )
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self, http: aiohttp.ClientSession) -> None:
        with self.log.open("a") as log:
            self.process = await asyncio.create_subprocess_exec(
                *COMMAND, env=self.env, cwd=self.cwd, stdout=log, stderr=log
            )
        self.starts += 1
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.returncode is None, f"the bot exited:\n{self.tail()}"
            try:
                async with http.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        raise AssertionError(f"the bot did not become healthy:\n{self.tail()}")

    async def kill(self) -> None:
        """kill -9: no cleanup of any kind."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        assert await self.process.wait() == -signal.SIGKILL

    async def terminate(self) -> int:
        """SIGTERM, as `docker stop` does; the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), 15)

    async def metric(self, http: aiohttp.ClientSession, name: str) -> float:
        async with http.get(f"http://127.0.0.1:{self.port}/metrics") as response:
            text = await response.text()
        match = re.search(rf"(?m)^{name} (\S+)$", text)
        assert match, f"{name} not in /metrics"
        return float(match.group(1))

    def handled(self, update_ids: list[int]) -> int:
        """How many of these updates the bot has recorded as handled (read as it runs)."""
        marks = ",".join("?" * len(update_ids))
        with sqlite3.connect(self.database) as db:
            query = f"SELECT count(*) FROM handled_updates WHERE update_id IN ({marks})"
            return int(db.execute(query, update_ids).fetchone()[0])

    async def ensure_stopped(self) -> None:
        """After a failed test: no bot process may outlive it."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def tail(self) -> str:
        return "\n".join(self.log.read_text().splitlines()[-30:])


def answered(fake: FakeTelegram, taps: list[JSON]) -> int:
    """How many of these taps the bot has answered."""
    records = (fake.callback_queries[tap["callback_query"]["id"]] for tap in taps)
    return sum(record.answer is not None for record in records)


def all_answered(fake: FakeTelegram, taps: list[JSON]) -> Callable[[], bool]:
    return lambda: answered(fake, taps) == len(taps)


def kill_moment(
    wave: int, fake: FakeTelegram, bot: BotProcess, taps: list[JSON]
) -> Callable[[], bool]:
    """Early (a tap answered), midway (a third answered), and late: once a third of the taps
    are recorded as handled, so that re-delivery must recognise them."""
    if wave == 0:
        return lambda: answered(fake, taps) >= 1
    if wave == 1:
        return lambda: answered(fake, taps) >= len(taps) // 3
    ids = [tap["update_id"] for tap in taps]
    return lambda: bot.handled(ids) >= len(ids) // 3


async def wait_for(condition: Callable[[], bool], bot: BotProcess, within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {within} s:\n{bot.tail()}")
        await asyncio.sleep(0.01)


async def test_kill_9_while_taps_are_handled_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    content_dir = future_content(tmp_path)
    case = load_content(content_dir).case(CASE)
    assert case is not None
    targets = [(o.id, c.value) for o in case.case.officials for c in o.channels]
    rng = random.Random(3122)

    async with FakeTelegram() as fake, aiohttp.ClientSession() as http:
        bot = BotProcess(fake, tmp_path, content_dir)
        try:
            pushed: list[JSON] = []

            async def push(update: JSON) -> None:
                pushed.append(update)
                fake.push_update(update)

            users = [
                fake.user(700_000 + n, f"S{n}", "en", deliver=push) for n in range(SUPPORTERS)
            ]
            await bot.start(http)
            for user in users:
                await user.send("/start")
            await wait_for(lambda: all(user.last is not None for user in users), bot)

            # Every supporter's taps: five different actions and one of them tapped twice.
            plans: dict[FakeUser, list[tuple[str, str]]] = {}
            for user in users:
                chosen = rng.sample(targets, TAPS_EACH - 1)
                plans[user] = [*chosen, rng.choice(chosen)]
                rng.shuffle(plans[user])
            confirmed = {(user.id, target) for user, plan in plans.items() for target in plan}

            duplicates_caught = 0
            for wave in range(WAVES):
                start = len(pushed)
                per_wave = TAPS_EACH * wave // WAVES, TAPS_EACH * (wave + 1) // WAVES
                for index in range(*per_wave):  # supporters tap at the same time, in turns
                    for user in users:
                        official, channel = plans[user][index]
                        card = user.messages[0]
                        await user.click_data(f"k:{CASE}:{official}:{channel}:en", card.message_id)
                taps = pushed[start:]
                assert len(taps) <= 50
                last_start = start
                if wave < WAVES - 1:
                    await wait_for(kill_moment(wave, fake, bot, taps), bot)
                    await bot.kill()
                    await forget_stale_polls(fake)  # the dead process's long poll
                    for tap in taps:  # Telegram re-delivers the same updates (same update_id)
                        fake.push_update(tap)
                    await bot.start(http)
                await wait_for(all_answered(fake, taps), bot)
                await fake.settle(quiet=0.1)
                if wave < WAVES - 1:
                    duplicates_caught += await bot.metric(http, "ua_updates_duplicate_total")

            assert await bot.metric(http, "ua_updates_throttled_total") == 0
            # A graceful stop with a slow reply in flight: the reply is sent, the exit code is 0.
            fake.delay("sendMessage", 0.5)
            await users[0].send("/help")
            deadline = time.monotonic() + 5
            while await bot.metric(http, "ua_updates_in_flight") < 1:
                assert time.monotonic() < deadline, bot.tail()
                await asyncio.sleep(0.01)
            assert await bot.terminate() == 0, bot.tail()
            assert users[0].messages[-1].text.startswith("How this bot works"), bot.tail()

            assert fake.unanswered_callbacks() == []
            # Telegram's own refusals the bot copes with, after a crash between answering a tap and
            # recording its update as handled: nothing else may have been refused.
            coped = (
                "answerCallbackQuery: Bad Request: query is too old",
                "message is not modified",
            )
            unexpected = [error for error in fake.errors if not error.startswith(coped[0])]
            unexpected = [error for error in unexpected if coped[1] not in error]
            assert unexpected == [], unexpected
        finally:
            await bot.ensure_stopped()

    assert bot.starts == WAVES
    assert duplicates_caught > 0, "no re-delivered update was recognised"
    with sqlite3.connect(bot.database) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = db.execute("SELECT official_id, channel, count(*) FROM actions GROUP BY 1, 2")
        per_target = {(official, channel): count for official, channel, count in rows}
        assert per_target == Counter(target for _, target in confirmed)
        actions = db.execute("SELECT count(*) FROM actions").fetchone()[0]
        assert actions == len(confirmed)
        assert db.execute("SELECT sum(count) FROM action_counts").fetchone()[0] == actions
        supporters = db.execute("SELECT count(DISTINCT user_key) FROM actions").fetchone()[0]
        assert supporters == SUPPORTERS
        assert db.execute(
            "SELECT count FROM supporter_counts WHERE case_id = ?", (CASE,)
        ).fetchone() == (SUPPORTERS,)
        # A crash between handling and recording leaves an update unrecorded (harmless: it was
        # handled); a graceful stop leaves none: the last process's updates are all recorded.
        handled = {row[0] for row in db.execute("SELECT update_id FROM handled_updates")}
        assert handled <= {update["update_id"] for update in pushed}
        assert {update["update_id"] for update in pushed[last_start:]} <= handled
