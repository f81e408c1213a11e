"""Webhook mode: Telegram POSTs updates with a secret; health, metrics and a graceful stop.

The real bot runs as `python -m bot` runs it (`bot.runner.Runner`) with BOT_WEBHOOK_URL set,
its HTTP server on a free loopback port, against the fake Bot API.  Simulated supporters
"are Telegram": their updates are POSTed to the webhook with the secret header.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import time
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app import health
from bot.content.models import Content
from bot.core.metrics import metrics
from bot.runner import ALLOWED_UPDATES, Runner
from bot.telegram.webhook import SECRET_HEADER, WebServer
from faketelegram import FakeTelegram, FakeUser
from tests.harness import MutableClock
from tests.test_processor import settings_for, wait_until, wire_processor

JSON = dict[str, Any]
URL = "https://example.org/telegram"
SECRET = "webhook-secret_0123456789_abcdefghij"


class Webhook:
    """The bot in webhook mode, and a way to be Telegram calling it."""

    def __init__(self, fake: FakeTelegram, runner: Runner, http: aiohttp.ClientSession) -> None:
        self.fake = fake
        self.runner = runner
        self.http = http
        self.statuses: list[int] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.runner.port}"

    async def post(self, update: JSON, secret: str | None = SECRET, **kwargs: Any) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        async with self.http.post(
            f"{self.base}/telegram", json=update, headers=headers, **kwargs
        ) as response:
            self.statuses.append(response.status)
            return response.status

    async def get(self, path: str) -> tuple[int, str]:
        async with self.http.get(f"{self.base}{path}") as response:
            return response.status, await response.text()

    def user(self, user_id: int, name: str = "Ann") -> FakeUser:
        """A supporter whose messages and taps Telegram POSTs to the webhook."""
        return self.fake.user(user_id, name, "en", deliver=self.post)


def webhook_runner(
    fake: FakeTelegram, database: Path, content: Content, clock: MutableClock
) -> Runner:
    settings = settings_for(
        fake, database, webhook_url=URL, webhook_secret=SecretStr(SECRET), listen_host="127.0.0.1"
    )
    runner = Runner(settings, content, clock, port=0)
    wire_processor(runner.application)
    return runner


@pytest.fixture
async def webhook(
    fake: FakeTelegram, tmp_path: Path, content: Content, clock: MutableClock
) -> AsyncIterator[Webhook]:
    runner = webhook_runner(fake, tmp_path / "bot.sqlite3", content, clock)
    await runner.start()
    async with aiohttp.ClientSession() as http:
        yield Webhook(fake, runner, http)
    await runner.stop()


async def test_the_bot_registers_its_webhook_with_the_secret(webhook: Webhook) -> None:
    assert webhook.fake.webhook["url"] == URL
    assert webhook.fake.webhook["secret_token"] == SECRET
    assert webhook.fake.webhook["allowed_updates"] == ALLOWED_UPDATES
    assert not webhook.fake.webhook.get("drop_pending_updates")
    assert webhook.fake.calls_to("getUpdates") == []


async def test_a_supporter_starts_the_bot_through_the_webhook(webhook: Webhook) -> None:
    ann = webhook.user(3001)
    await ann.send("/start")
    card = await webhook.fake.wait_for_message(ann.id)
    assert "Urgent Action" in card.text
    await ann.click("✍️ President of Kazakhstan", card)
    await wait_until(lambda: card.edited and webhook.fake.unanswered_callbacks() == [])
    assert webhook.statuses == [200, 200]


async def test_without_the_right_secret_nothing_is_handled(webhook: Webhook) -> None:
    ann = webhook.user(3002)
    refused = metrics.webhook_refused.value()
    start = {
        "update_id": 77,
        "message": {
            "message_id": 1,
            "from": ann.as_user(),
            "chat": ann.as_chat(),
            "date": int(time.time()),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    assert await webhook.post(start, secret=None) == 403
    assert await webhook.post(start, secret="webhook-secret_0123456788") == 403
    assert await webhook.post(start, secret="") == 403
    await asyncio.sleep(0.2)
    assert ann.messages == []
    assert metrics.webhook_refused.value() == refused + 3
    # The right secret still works afterwards.
    assert await webhook.post(start) == 200
    await webhook.fake.wait_for_message(ann.id)


async def test_oversized_and_malformed_bodies_are_refused(webhook: Webhook) -> None:
    huge = {"update_id": 78, "padding": "x" * (1024 * 1024)}
    assert await webhook.post(huge) == 413
    assert await webhook.post({"no": "update"}) == 400
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    async with webhook.http.post(
        f"{webhook.base}/telegram", data=b"{not json", headers=headers
    ) as response:
        assert response.status == 400
    assert await webhook.post(huge, secret="wrong") == 403  # the secret is checked first


async def test_healthz_reports_database_and_content(webhook: Webhook) -> None:
    status, body = await webhook.get("/healthz")
    assert status == 200
    assert json.loads(body) == {"database": "ok", "content": "1 case"}


async def test_healthz_is_503_until_the_services_are_open(
    fake: FakeTelegram, tmp_path: Path, content: Content, clock: MutableClock
) -> None:
    runner = webhook_runner(fake, tmp_path / "bot.sqlite3", content, clock)
    # The application is built, not started.
    server = WebServer(runner.application, partial(health, runner.application))
    await server.start("127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.port}/healthz"
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 503
            assert (await response.json())["database"] == "not open"
    finally:
        await server.stop()


async def test_metrics_are_served_in_prometheus_text_format(webhook: Webhook) -> None:
    ann = webhook.user(3003)
    await ann.send("/start")
    await webhook.fake.wait_for_message(ann.id)

    async def outbox_counts() -> dict[str, int]:
        return {"pending": 3, "sent": 40}

    metrics.set_outbox_source(outbox_counts)
    try:
        status, text = await webhook.get("/metrics")
    finally:
        metrics.set_outbox_source(None)
    assert status == 200
    for name in (
        "ua_updates_total",
        "ua_updates_failed_total",
        "ua_updates_throttled_total",
        "ua_updates_duplicate_total",
        "ua_actions_recorded_total",
    ):
        assert f"# TYPE {name} counter" in text
        assert f"\n{name} " in text
    assert "# TYPE ua_update_seconds histogram" in text
    assert 'ua_update_seconds_bucket{le="+Inf"}' in text
    assert 'ua_outbox_messages{state="pending"} 3' in text
    assert 'ua_outbox_messages{state="sent"} 40' in text
    handled = next(line for line in text.splitlines() if line.startswith("ua_updates_total "))
    assert float(handled.split()[1]) >= 1


async def test_sigterm_lets_the_update_in_flight_finish(
    fake: FakeTelegram, tmp_path: Path, content: Content, clock: MutableClock
) -> None:
    database = tmp_path / "bot.sqlite3"
    runner = webhook_runner(fake, database, content, clock)
    serving = asyncio.create_task(runner.serve())  # installs the SIGTERM handler, then starts
    await wait_until(lambda: runner.server is not None and runner.application.running)
    fake.delay("sendMessage", 0.5)
    async with aiohttp.ClientSession() as http:
        webhook = Webhook(fake, runner, http)
        ann = webhook.user(3004)
        await ann.send("/start")  # answered 200 at once; the reply takes 0.5 s
        await wait_until(lambda: metrics.updates_in_flight.value() >= 1)

        os.kill(os.getpid(), signal.SIGTERM)  # as `docker stop` does
        assert await asyncio.wait_for(serving, 10) == 0

    assert len(ann.messages) == 1, "the slow reply was cut off"
    with sqlite3.connect(database) as connection:  # the id was recorded before closing
        handled = connection.execute("SELECT count(*) FROM handled_updates").fetchone()[0]
    assert handled == 1
