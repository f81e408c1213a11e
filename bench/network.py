"""Benchmark: a standing network at scale. Run as ``python -m bench.network`` (prints figures).

Goals (issue 10), each measured here on this machine:

* an alert about a new case to 100,000 subscribers is queued in under 5 s, under 200 MB;
* /start with 30 open cases, and /stats over 1,000,000 recorded actions, each take under
  50 ms of the bot's time (CPU of the bot's process per update; the fake Bot API runs in a
  process of its own, so none of its work is counted);
* with 200 cases every message stays within Telegram's limits (the start-up check renders
  every screen of every case and passes), and how long that check takes.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr
from telegram import Update

from bench import TOKEN, machine
from bench.capacity import fake_server
from bot.app import build_application, start_services, stop_services
from bot.campaigns.schedule import Campaigns
from bot.checks.content import load_content
from bot.content.render import Texts
from bot.core.crypto import Vault, generate_secret
from bot.screens.views import Views
from bot.settings import Settings
from bot.storage import Storage
from bot.storage.database import Database, iso

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ADMIN = 900_001


def make_cases(target: Path, count: int, *, first_deadline: date) -> Path:
    """`count` open cases made from UA 31.22 (new ids, people and deadlines)."""
    content = target / "content"
    shutil.copytree(ROOT / "content" / "strings", content / "strings")
    source = ROOT / "content" / "cases" / "ua-31-22"
    data = yaml.safe_load((source / "case.yaml").read_text("utf-8"))
    for index in range(count):
        case_id = f"ua-{index + 100}-26"
        folder = content / "cases" / case_id
        shutil.copytree(source, folder)
        data.update(
            id=case_id,
            ua_number=f"{index + 100}.26",
            deadline=(first_deadline + timedelta(days=index % 90)).isoformat(),
        )
        data["person"]["name"] = {"en": f"Person Number {index}", "ru": f"Человек {index}"}
        (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return content


def rss_mb() -> float:
    """The process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def alert_to_many(workdir: Path, subscribers: int) -> None:
    """Queue the alert of a new case to `subscribers` who asked for each new case."""
    content = load_content(make_cases(workdir, 1, first_deadline=date(2026, 12, 20)))
    vault = Vault(generate_secret())
    database = await Database.open(workdir / "alerts.sqlite3", vault)
    storage = Storage(database)
    started = time.perf_counter()
    rows = [
        (vault.user_key(user_id), vault.seal(str(user_id), "chat_id"), "each", iso(NOW))
        for user_id in range(10_000_000, 10_000_000 + subscribers)
    ]
    async with database.transaction() as db:
        await db.executemany(
            "INSERT INTO users (user_key, chat_id, alerts, created_at) VALUES (?, ?, ?, ?)", rows
        )
    del rows
    print(f"  set-up: {subscribers:,} subscribers in {time.perf_counter() - started:.1f} s")
    views = Views(content, Texts(content.strings), "ua_bot")
    campaigns = Campaigns(storage, retention_days=30)
    before = rss_mb()
    tracemalloc.start()
    started = time.perf_counter()
    created = await campaigns.schedule(content, views, NOW)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(created) == 1, created
    counts = await storage.outbox.counts(created[0])
    await storage.close()
    print(
        f"  alert queued to {counts['pending']:,} subscribers in {elapsed:.2f} s"
        f" (goal < 5 s); Python allocations peaked at {peak / 2**20:.0f} MB,"
        f" process peak RSS {rss_mb():.0f} MB (was {before:.0f} MB before)"
    )


def _message(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": "Ann", "language_code": "en"}
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(NOW.timestamp()),
            "chat": {"id": user_id, "type": "private", "first_name": "Ann"},
            "from": user,
            "text": text,
            "entities": entities,
        },
    }


async def per_update(app: Any, texts: list[tuple[int, str]], first_id: int) -> tuple[float, float]:
    """Bot CPU per update and wall time per update (ms), one update after another."""
    cpu, wall = time.process_time(), time.perf_counter()
    for offset, (user_id, text) in enumerate(texts):
        await app.process_update(
            Update.de_json(_message(first_id + offset, user_id, text), app.bot)
        )
    count = len(texts)
    return (
        (time.process_time() - cpu) / count * 1000,
        (time.perf_counter() - wall) / count * 1000,
    )


async def start_and_stats(workdir: Path, cases: int, actions: int, repeat: int) -> None:
    """/start with `cases` open cases; /stats after `actions` recorded actions."""
    content = load_content(make_cases(workdir, cases, first_deadline=date(2026, 12, 10)))
    database = workdir / "network.sqlite3"
    secret = generate_secret()
    vault = Vault(secret)
    # Recorded actions: supporters acting on every case, through the same table and trigger
    # the bot uses (the trigger keeps the anonymous counts /stats reads).
    opened = await Database.open(database, vault)
    started = time.perf_counter()
    case_ids = list(content.cases)
    per_user = 20
    officials = ("president", "ambassador")
    channels = ("e", "t", "p", "f", "h")
    async with opened.transaction() as db:
        users = [(f"key{n}", iso(NOW)) for n in range(actions // per_user)]
        await db.executemany("INSERT INTO users (user_key, created_at) VALUES (?, ?)", users)
        await db.executemany(
            "INSERT INTO actions (user_key, case_id, official_id, channel, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                (
                    f"key{n // per_user}",
                    case_ids[(n // 10) % len(case_ids)],
                    officials[n % 2],
                    channels[(n // 2) % 5],
                    iso(NOW - timedelta(days=n % 60, seconds=n % 86_400)),
                )
                for n in range(actions)
            ),
        )
    [(recorded,)] = await opened.connection.execute_fetchall("SELECT count(*) FROM actions")
    await opened.close()
    print(
        f"  set-up: {recorded:,} actions on {cases} cases in {time.perf_counter() - started:.1f} s"
    )

    async with fake_server() as api:
        settings = Settings(
            token=SecretStr(TOKEN),
            secret_key=SecretStr(secret),
            api_url=api,
            database=database,
            content_dir=content.directory,
            admins=frozenset({ADMIN}),
        )
        app = build_application(settings, content, lambda: NOW, campaign_interval=None)
        await app.initialize()
        await start_services(app)
        try:
            await per_update(app, [(5000 + n, "/start") for n in range(20)], 1)  # warm-up
            cpu, wall = await per_update(app, [(6000 + n, "/start") for n in range(repeat)], 1000)
            print(
                f"  /start with {cases} open cases: {cpu:.1f} ms of bot CPU per update"
                f" (goal < 50 ms), {wall:.1f} ms from update to reply"
            )
            cpu, wall = await per_update(app, [(ADMIN, "/stats")] * repeat, 5000)
            print(
                f"  /stats over {recorded:,} actions (overview of {cases} cases):"
                f" {cpu:.1f} ms of bot CPU (goal < 50 ms), {wall:.1f} ms to the reply"
            )
            # One case: its numbers, and its chart (drawn by matplotlib in a worker thread).
            cpu, wall = await per_update(app, [(ADMIN, f"/stats {case_ids[0]}")] * 5, 9000)
            print(
                f"  /stats for one case with a chart: {cpu:.1f} ms of CPU including the"
                f" chart, {wall:.1f} ms to the reply"
            )
        finally:
            await stop_services(app)
            await app.shutdown()


def many_cases(workdir: Path, count: int) -> None:
    """The start-up check over `count` cases: every screen within Telegram's limits."""
    directory = make_cases(workdir, count, first_deadline=date(2026, 12, 10))
    started = time.perf_counter()
    content = load_content(directory)
    elapsed = time.perf_counter() - started
    assert not content.problems, content.problems[:3]
    views = Views(content, Texts(content.strings), "x" * 32)
    pages = -(-count // 8)
    print(
        f"  {count} cases: every screen of every case rendered and within Telegram's limits,"
        f" 0 problems; check {elapsed:.1f} s ({elapsed / count * 1000:.0f} ms per case);"
        f" the case list has {pages} pages of 8"
        f" ({len(views.case_list('en', NOW.date(), pages - 1).keyboard)} rows on the last)"
    )
    started = time.perf_counter()
    load_content(directory)
    again = time.perf_counter() - started
    print(f"  the same check again (as /reload with nothing changed): {again:.1f} s")


async def main_async(args: argparse.Namespace) -> None:
    for line in machine():
        print(line)
    with tempfile.TemporaryDirectory(prefix="ua-bench-network-") as tmp:
        root = Path(tmp)
        print("Alert about a new case:")
        (root / "a").mkdir()
        await alert_to_many(root / "a", args.subscribers)
        print("/start and /stats:")
        (root / "b").mkdir()
        await start_and_stats(root / "b", args.cases, args.actions, args.repeat)
        print("Many cases:")
        (root / "c").mkdir()
        many_cases(root / "c", args.many)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--actions", type=int, default=1_000_000)
    parser.add_argument("--many", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=50)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
