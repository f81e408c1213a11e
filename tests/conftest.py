"""Fixtures: a fake Bot API per test and the real bot on a temp database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.content.models import Content
from faketelegram import FakeTelegram
from tests.harness import BotUnderTest, MutableClock, load_real_content

ADMIN_ID = 900001


@pytest.fixture(scope="session")
def content() -> Content:
    return load_real_content()


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server
        # Every request the bot made must have been valid, and every button answered.
        assert server.errors == []
        assert server.unanswered_callbacks() == []


@pytest.fixture
async def bot(
    fake: FakeTelegram, tmp_path: object, content: Content, clock: MutableClock
) -> AsyncIterator[BotUnderTest]:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    runner = BotUnderTest(fake, tmp_path / "bot.sqlite3", content, clock, admins=[ADMIN_ID])
    await runner.start()
    yield runner
    await runner.stop()
