"""Pacing: a broadcast at 30/s against a fake Telegram that answers 429 above 30 in any second.

Prints the achieved rate against the configured one (goal ≥ 0.97), the 429s served (goal 0),
the most sends in any one-second window (goal ≤ the rate) and the total time.

    python -m bench.pacing                       # 3,000 recipients at 30/s, about 100 s
    python -m bench.pacing --recipients 300 --rate 30
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bench import TOKEN, broadcast, machine, prepare, until_done
from bot.campaigns.delivery import Delivery, build_delivery_bot
from faketelegram import FakeTelegram, max_in_any_window


async def run(recipients: int, rate: float) -> None:
    """Send one broadcast through the engine and print how well it kept the pace."""
    for line in machine():
        print(line)
    with tempfile.TemporaryDirectory() as folder:
        database, outbox, keys = await prepare(Path(folder) / "bench.sqlite3", recipients)
        async with FakeTelegram() as fake:
            fake.global_rate_limit_per_second = int(rate)

            async def progress(
                delivery_id: int, counts: dict[str, int], eta: float | None
            ) -> None:
                left = "" if eta is None else f", about {eta:.0f} s left"
                print(f"  sent {counts['sent']}/{recipients}{left}")

            engine = Delivery(
                outbox,
                build_delivery_bot(TOKEN, fake.base_url),
                rate=rate,
                progress=progress,
                progress_every=10.0,
            )
            delivery_id = await broadcast(outbox, keys)
            started = time.monotonic()
            await engine.start()
            counts = await until_done(outbox, delivery_id)
            total = time.monotonic() - started
            await engine.stop()
            times = sorted(fake.send_times)
            rate_limited = sum(1 for f in fake.faults_served if f.status == 429)
            errors = list(fake.errors)
        await database.close()
    achieved = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    print(f"recipients: {recipients}, configured rate: {rate:g}/s")
    print(f"final counts: {counts}")
    print(f"achieved rate: {achieved:.2f}/s = {achieved / rate:.3f} of configured (goal >= 0.97)")
    print(f"429 served: {rate_limited} (goal 0)")
    print(f"max sends in any 1 s window: {max_in_any_window(times)} (goal <= {int(rate)})")
    print(f"total time: {total:.1f} s (first to last send {times[-1] - times[0]:.1f} s)")
    if errors:
        print(f"requests the fake rejected: {errors[:3]}")


def main() -> None:
    """Parse the command line and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=30.0)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.recipients, arguments.rate))


if __name__ == "__main__":
    main()
