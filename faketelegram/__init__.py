"""A fake Telegram Bot API on loopback for tests, benchmarks and the terminal preview.

It may import `bot.telegram.html` (Telegram's HTML rules, which the bot checks its own screens
against); the running bot never imports this package.
"""

from faketelegram.entities import format_text, parse_markdown, parse_markdown_v2
from faketelegram.records import (
    BOT_USER,
    ApiError,
    Call,
    Rejection,
    SentMessage,
    ServedFault,
    UploadedFile,
    max_in_any_window,
)
from faketelegram.server import FakeTelegram
from faketelegram.spec import SPEC_PATH, ApiSpec
from faketelegram.users import FakeUser

__all__ = [
    "BOT_USER",
    "SPEC_PATH",
    "ApiError",
    "ApiSpec",
    "Call",
    "FakeTelegram",
    "FakeUser",
    "Rejection",
    "SentMessage",
    "ServedFault",
    "UploadedFile",
    "format_text",
    "max_in_any_window",
    "parse_markdown",
    "parse_markdown_v2",
]
