"""Every screen a supporter can reach is valid for Telegram, and every tweet fits X."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from twitter_text import parse_tweet

from bot.content.models import Content
from bot.content.render import Texts
from bot.telegram.budget import SendBudget
from bot.telegram.html import utf16_len
from faketelegram import FakeTelegram, SentMessage
from tests.harness import BotUnderTest, MutableClock


@dataclass(frozen=True)
class Seen:
    """A screen as it was when it arrived (messages are later edited in place)."""

    message_id: int
    text: str
    parse_mode: str | None
    buttons: list[list[dict[str, Any]]]


def snapshot(messages: list[SentMessage]) -> list[Seen]:
    return [
        Seen(m.message_id, m.text or "", m.parse_mode, copy.deepcopy(m.buttons)) for m in messages
    ]


async def crawl(bot: BotUnderTest, user_id: int, language: str) -> list[Seen]:
    """Tap every callback button reachable from /start once; return every screen seen."""
    user = bot.user(user_id, language_code=language)
    seen: list[Seen] = []
    queue = snapshot(await user.send("/start"))
    tapped: set[str] = set()
    while queue:
        message = queue.pop(0)
        seen.append(message)
        for row in message.buttons:
            for key in row:
                data = key.get("callback_data")
                if data is None or data in tapped or data.startswith("f:"):
                    continue
                tapped.add(data)
                replies = await user.click_data(data, message.message_id)
                if data.startswith("s:name") or data.startswith("s:initials"):
                    replies += await user.send("Анна <i>Ли</i> 🌍 & Co")
                    if data.startswith("s:initials"):
                        replies += await user.send("Алматы")
                queue.extend(snapshot(replies))
    assert len(tapped) > 40  # the crawl really went through the journey
    return seen


@pytest.fixture
async def crawler(
    fake: FakeTelegram, tmp_path: Path, content: Content, clock: MutableClock
) -> AsyncIterator[BotUnderTest]:
    """The bot with a budget no person needs: the crawl taps a thousand buttons in one chat,
    which Telegram's one message a second per chat would stretch over minutes."""
    runner = BotUnderTest(
        fake,
        tmp_path / "bot.sqlite3",
        content,
        clock,
        budget=lambda: SendBudget(10_000, chat_rate=10_000, chat_burst=10_000),
    )
    await runner.start()
    yield runner
    await runner.stop()


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_every_reachable_screen_fits_telegram_and_x(
    crawler: BotUnderTest, fake: FakeTelegram, language: str
) -> None:
    messages = await crawl(crawler, 5000 if language == "en" else 5001, language)
    tweets = 0
    for message in messages:
        assert 1 <= utf16_len(message.text) <= 4096
        assert message.parse_mode == "HTML"
        for row in message.buttons:
            for key in row:
                if "callback_data" in key:
                    assert len(key["callback_data"].encode()) <= 64
                if "copy_text" in key:
                    assert 1 <= len(key["copy_text"]["text"]) <= 256
                if "url" in key:
                    assert key["url"].startswith(("https://", "http://", "tg://"))
                    if "intent/tweet" in key["url"]:
                        text = parse_qs(urlparse(key["url"]).query)["text"][0]
                        assert parse_tweet(text).weightedLength <= 280
                        tweets += 1
    assert tweets >= 4  # two officials, tweeted in two languages each
    # The fake checked every call against the Bot API spec: none was refused.
    assert fake.errors == []


def test_remembered_labels_follow_their_values(content: Content) -> None:
    texts = Texts(content.strings)
    first = texts.button("en", "audience_subscribers", size=3)
    assert texts.button("en", "audience_subscribers", size=3) == first
    assert "3" in first
    assert "4" in texts.button("en", "audience_subscribers", size=4)
    # The same value as another type is another key (1 == True in Python).
    assert "1" in texts.button("en", "audience_subscribers", size=1)
    assert "True" in texts.button("en", "audience_subscribers", size=True)
    assert texts.button("ru", "audience_subscribers", size=3) != first
    # A value that cannot be a key is rendered, not refused.
    assert texts.button("en", "share_text", person=["x"]) == texts.button(
        "en", "share_text", person=["x"]
    )
    # Messages without values are the same text every time; with values, rendered each time.
    assert texts.message("en", "help") == texts.message("en", "help")
    assert "5" in texts.message("en", "admin_sending", size=5)
    assert "6" in texts.message("en", "admin_sending", size=6)
