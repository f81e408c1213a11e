"""The limits Telegram and X put on what the bot sends, and how they measure text."""

from __future__ import annotations

import warnings
from html.parser import HTMLParser

# twitter-text-parser imports setuptools' pkg_resources, which warns on every start that it is
# deprecated: a line on stderr that is neither the bot's nor actionable for its operator.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
    from twitter_text import parse_tweet

MAX_MESSAGE = 4096


MAX_CALLBACK_DATA = 64


MAX_COPY_TEXT = 256


MAX_TWEET = 280


MAX_CALLBACK_ANSWER = 200


class _PlainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """The text Telegram shows for an HTML message: tags dropped, entities decoded."""
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def telegram_length(html: str) -> int:
    """Length as Telegram measures it after entity parsing (UTF-16 code units, the stricter)."""
    return len(plain_text(html).encode("utf-16-le")) // 2


def tweet_length(text: str) -> int:
    """Length as X counts it: weighted characters, every URL 23."""
    return int(parse_tweet(text).weightedLength)
