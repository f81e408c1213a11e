"""Benchmarks of the delivery engine; run as ``python -m bench.pacing`` / ``bench.capacity``.

They print figures, they do not assert: the numbers depend on the machine, which they name.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sqlite3
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from bot.core.crypto import Vault, generate_secret
from bot.storage import Storage
from bot.storage.database import Database
from bot.storage.outbox import Outbox, Payload

TOKEN = "123456:BENCH-token"
TEXT = "<b>Day 30.</b> Alexei is still detained. Please write to the President today."


def machine() -> list[str]:
    """Lines naming what the figures were measured on."""
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    libraries = ", ".join(
        f"{name} {version(name)}"
        for name in ("python-telegram-bot", "aiohttp", "httpx", "aiosqlite")
    )
    return [
        f"nproc: {len(os.sched_getaffinity(0))}   CPU: {model}",
        f"Python {platform.python_version()} ({platform.python_implementation()}),"
        f" SQLite {sqlite3.sqlite_version}",
        libraries,
    ]


async def prepare(
    path: Path, supporters: int, first_id: int = 7_000_001
) -> tuple[Database, Outbox, list[str]]:
    """A fresh database with `supporters` who follow a case; returns their user keys."""
    database = await Database.open(path, Vault(generate_secret()))
    storage = Storage(database)
    now = datetime.now(UTC)
    started = time.perf_counter()
    keys = []
    for user_id in range(first_id, first_id + supporters):
        await storage.subscribe(user_id, "ua-31-22", "en", now)
        keys.append(storage._key(user_id))
    print(f"set-up: {supporters} supporters in {time.perf_counter() - started:.1f} s")
    return database, Outbox(database), keys


async def broadcast(outbox: Outbox, keys: list[str]) -> int:
    """One broadcast of the same text to every key; returns its id."""
    started = time.perf_counter()
    delivery_id = await outbox.create_delivery(
        "broadcast",
        "ua",
        None,
        "subscribers",
        "bench",
        False,
        ((key, Payload(TEXT)) for key in keys),
        now=datetime.now(UTC),
    )
    assert delivery_id is not None
    print(f"outbox: {len(keys)} rows created in {time.perf_counter() - started:.2f} s")
    return delivery_id


async def until_done(outbox: Outbox, delivery_id: int, poll: float = 0.05) -> dict[str, int]:
    """Wait until the delivery is done; its final counts."""
    while True:
        info = await outbox.get(delivery_id)
        assert info is not None
        if info.state == "done":
            return await outbox.counts(delivery_id)
        await asyncio.sleep(poll)
