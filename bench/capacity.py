"""Capacity: how many messages per second the engine can push when nothing throttles it.

The fake Bot API runs in a separate process (``validate=False``: no spec checks), so the two
cores are shared between server and bot as they would be between Telegram and us. Sends go
end to end: claim in SQLite, send over loopback HTTP, record the result. The same number of
sends then goes through PTB's default httpx backend for comparison, through the engine and
bare (the engine's own send call from 128 concurrent tasks, no database).

    python -m bench.capacity                     # 20,000 messages per run
    python -m bench.capacity --messages 5000 --repeat 1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from telegram.request import BaseRequest, HTTPXRequest

from bench import TEXT, TOKEN, broadcast, machine, prepare, until_done
from bot.campaigns.delivery import Delivery, DeliveryBot
from bot.storage.outbox import Outbox
from bot.telegram.request import AiohttpRequest

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCY = 128

# The fake server's process: prints its base URL, then serves until terminated.
_SERVER = """
import asyncio
from faketelegram import FakeTelegram

async def serve():
    fake = FakeTelegram(validate=False)
    await fake.start()
    print(fake.base_url, flush=True)
    await asyncio.Event().wait()

asyncio.run(serve())
"""


@asynccontextmanager
async def fake_server() -> AsyncIterator[str]:
    """Run FakeTelegram in its own process; yields its base URL."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _SERVER, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        yield line.decode().strip()
    finally:
        process.terminate()
        await process.wait()


def bot_with(base_url: str, request: BaseRequest) -> DeliveryBot:
    return DeliveryBot(
        TOKEN, base_url=f"{base_url}/bot", request=request, get_updates_request=request
    )


async def through_engine(
    outbox: Outbox, keys: list[str], base_url: str, request: BaseRequest
) -> tuple[float, float]:
    """Messages per second of one broadcast through the engine (claim, send, record), and
    the share of one core this process used meanwhile (below 1.0: the server was the limit).
    """
    delivery_id = await broadcast(outbox, keys)
    engine = Delivery(outbox, bot_with(base_url, request), rate=1e9, max_in_flight=CONCURRENCY)
    started, cpu = time.perf_counter(), time.process_time()
    await engine.start()
    counts = await until_done(outbox, delivery_id, poll=0.01)
    elapsed = time.perf_counter() - started
    used = (time.process_time() - cpu) / elapsed
    await engine.stop()
    assert counts["sent"] == len(keys), counts
    return len(keys) / elapsed, used


async def bare(messages: int, base_url: str, request: BaseRequest) -> float:
    """Messages per second of the same sends without engine or database, 128 at a time."""
    bot = bot_with(base_url, request)
    await bot.initialize()
    gate = asyncio.Semaphore(CONCURRENCY)

    async def send(chat_id: int) -> None:
        async with gate:
            await bot.send_prepared(chat_id, TEXT, None)

    started = time.perf_counter()
    await asyncio.gather(*(send(8_000_001 + i) for i in range(messages)))
    elapsed = time.perf_counter() - started
    await bot.shutdown()
    return messages / elapsed


async def run(messages: int, repeat: int) -> None:
    """Measure the four configurations and print them (aiohttp runs repeated: shared machine)."""
    for line in machine():
        print(line)
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        database, outbox, keys = await prepare(Path(folder) / "bench.sqlite3", messages)
        async with fake_server() as base_url:
            measured = [
                await through_engine(outbox, keys, base_url, AiohttpRequest())
                for _ in range(repeat)
            ]
            engine_aiohttp = [rate for rate, _ in measured]
            engine_httpx, _ = await through_engine(outbox, keys, base_url, HTTPXRequest())
            bare_aiohttp = [
                await bare(messages, base_url, AiohttpRequest()) for _ in range(repeat)
            ]
            bare_httpx = await bare(messages, base_url, HTTPXRequest())
        await database.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"messages per run: {messages}, {CONCURRENCY} in flight, fake in its own process")
    best, median = max(engine_aiohttp), statistics.median(engine_aiohttp)
    runs = ", ".join(f"{r:.0f}" for r in engine_aiohttp)
    print(f"engine + AiohttpRequest: best {best:.0f}, median {median:.0f} msg/s end to end")
    cores = ", ".join(f"{used:.0%}" for _, used in measured)
    print(f"    runs: {runs} (goal >= 3,000); engine process used {cores} of a core")
    print(
        f"engine + HTTPXRequest:   {engine_httpx:.0f} msg/s   (median aiohttp/httpx:"
        f" {median / engine_httpx:.1f}x)"
    )
    bare_best = max(bare_aiohttp)
    print(
        f"bare sends, aiohttp:     best {bare_best:.0f} msg/s;  bare sends, httpx:"
        f" {bare_httpx:.0f} msg/s   ({bare_best / bare_httpx:.1f}x)"
    )


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each aiohttp case")
    arguments = parser.parse_args()
    asyncio.run(run(arguments.messages, arguments.repeat))


if __name__ == "__main__":
    main()
