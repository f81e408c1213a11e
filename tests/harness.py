"""Test harness: the real Application, a temp database, the fake Bot API over HTTP.

Nothing inside the bot is mocked: updates go through `Application.process_update`, and every
request the bot makes crosses loopback HTTP to `FakeTelegram`, which checks it against the
Bot API spec and Telegram's limits.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from telegram import Update

from bot.app import build_application, start_services, stop_services
from bot.checks.content import load_content, with_folder
from bot.content.models import Content
from bot.handlers.common import BotApplication, Services
from bot.importer.writing import recover_cases
from bot.settings import Settings
from bot.telegram.budget import SendBudget
from faketelegram import FakeTelegram, FakeUser

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
TOKEN = "123456:TEST-token-never-logged"
SECRET_KEY = "fU9dHkJhJQyImZ4NM01EaHBhnfG7aWqe2PMF1wt0z6M"  # as `python -m bot genkey` makes them


@dataclass
class MutableClock:
    """A clock tests move by hand."""

    now: datetime = field(default_factory=lambda: datetime(2022, 5, 5, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


class BotUnderTest:
    """Starts, stops and restarts the real bot against the fake API on one database."""

    def __init__(
        self,
        fake: FakeTelegram,
        database: Path,
        content: Content,
        clock: MutableClock,
        admins: Sequence[int] = (),
        budget: Callable[[], SendBudget] | None = None,
        **overrides: Any,
    ) -> None:
        self.fake = fake
        self.database = database
        self.content = content
        self.clock = clock
        self.admins = frozenset(admins)
        self.overrides = overrides
        self.budget = budget  # makes each new Application's budget (None: the bot's own)
        self.app: BotApplication | None = None

    @property
    def settings(self) -> Settings:
        return Settings(
            token=SecretStr(TOKEN),
            secret_key=SecretStr(SECRET_KEY),
            api_url=self.fake.base_url,
            database=self.database,
            content_dir=self.content.directory,
            admins=self.admins,
            **self.overrides,
        )

    async def start(self) -> None:
        # Campaigns run when a test moves the clock and calls `services.run_campaigns()`.
        # Cases organizers made in Telegram are served after a restart, as in production
        # (`load_served_content`); the strings, unchanged, are not checked again.
        content = self.content
        cases = self.settings.cases_path
        recover_cases(cases)
        for folder in sorted(cases.iterdir()) if cases.is_dir() else []:
            if folder.is_dir() and not folder.name.startswith("."):
                content = with_folder(content, folder.name, folder)
        budget = None if self.budget is None else self.budget()
        app = build_application(
            self.settings, content, self.clock, campaign_interval=None, budget=budget
        )
        await app.initialize()
        await start_services(app)
        self.app = app

    async def stop(self) -> None:
        if self.app is not None:
            await stop_services(self.app)
            await self.app.shutdown()
            self.app = None

    async def restart(self) -> None:
        """A new Application on the same database, as after a redeploy or crash."""
        await self.stop()
        await self.start()

    @property
    def services(self) -> Services:
        assert self.app is not None
        services = self.app.bot_data["services"]
        assert isinstance(services, Services)
        return services

    async def deliver(self, data: dict[str, Any]) -> None:
        assert self.app is not None, "the bot is not running"
        await self.app.process_update(Update.de_json(data, self.app.bot))

    def user(self, user_id: int, language_code: str | None = "en", name: str = "Ann") -> FakeUser:
        return self.fake.user(user_id, name, language_code, deliver=self.deliver)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read the database file directly, as an auditor would."""
        with sqlite3.connect(self.database) as connection:
            return list(connection.execute(sql, params).fetchall())


async def wait_until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Poll until `condition` holds (background deliveries), failing after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def load_real_content() -> Content:
    return load_content(CONTENT)
