"""The journey benchmark's report: throughput, latency, ratios to the echo bots, profiles."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bench.journey_bots import ROOT


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


def summarise(raw: str, top: int = 25) -> str:
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


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def report(rounds: list[list[Result]], paced: list[Result]) -> None:
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
        f"throughput ratio, journey bot / bare PTB echo bot: median {median(bare):.2f}"
        f" (rounds: {', '.join(f'{r:.2f}' for r in bare)})  (goal ≥ 0.5)"
    )
    print(
        f"throughput ratio, journey bot / echo bot on our transport: median {median(tuned):.2f}"
        f" (rounds: {', '.join(f'{r:.2f}' for r in tuned)})  (stricter; not the goal)"
    )
    print(f"journey p99 ({'paced' if paced else 'flat out'}): {p99:.1f} ms  (goal < 50 ms)")
    print("goal met" if median(bare) >= 0.5 and p99 < 50 else "goal MISSED")
    for flat in rounds:
        for result in flat:
            if result.profile:
                print(
                    "\n--- where the journey bot's CPU goes (py-spy, flat out) ---\n"
                    + result.profile
                )
