"""A screen (one message and its buttons) and the small builders every screen uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from telegram import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup

from bot.content.limits import MAX_COPY_TEXT, MAX_MESSAGE
from bot.content.models import Channel
from bot.screens.callbacks import Action, pack

Keyboard = list[list[InlineKeyboardButton]]

_CHANNEL_KEYS = {
    Channel.EMAIL: "email",
    Channel.TWEET: "tweet",
    Channel.POST: "post",
    Channel.FAX: "fax",
    Channel.PHONE: "phone",
    Channel.FACEBOOK: "facebook",
}


@dataclass(frozen=True)
class Screen:
    """One message: HTML text and its inline keyboard."""

    text: str
    keyboard: Keyboard = field(default_factory=list)

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        """The keyboard as Telegram wants it, or None for a message without buttons."""
        return InlineKeyboardMarkup(self.keyboard) if self.keyboard else None

    def after(self, note: str) -> Screen:
        """This screen with a note above it, as one message (one message per answer, not two).

        Where the two would not fit in one Telegram message, the screen alone: the note only
        explains why the screen came.
        """
        text = f"{note}\n\n{self.text}"
        if len(text) > MAX_MESSAGE:  # HTML is never shorter than what Telegram counts
            return self
        return Screen(text, self.keyboard)


def channel_key(channel: Channel | str) -> str:
    """The strings-file name of a channel ('email', 'tweet', ...)."""
    return _CHANNEL_KEYS[Channel(channel)]


def button(text: str, action: Action, *args: str) -> InlineKeyboardButton:
    """A callback button; the codec refuses data over Telegram's 64 bytes."""
    return InlineKeyboardButton(text, callback_data=pack(action, *args))


def url_button(text: str, url: str) -> InlineKeyboardButton:
    """A link button; Telegram accepts only http(s) and tg:// links there."""
    if not url.startswith(("https://", "http://", "tg://")):
        raise ValueError(f"not a URL Telegram accepts in a button: {url!r}")
    return InlineKeyboardButton(text, url=url)


def copy_button(text: str, value: str) -> InlineKeyboardButton | None:
    """A tap-to-copy button, or None when the value is too long for one."""
    if not value or len(value) > MAX_COPY_TEXT:
        return None
    return InlineKeyboardButton(text, copy_text=CopyTextButton(value))


def rows(*buttons: InlineKeyboardButton | None) -> Keyboard:
    return [[b] for b in buttons if b is not None]


def split_paragraphs(paragraphs: Sequence[str], limit: int) -> list[list[str]]:
    """Group paragraphs into chunks whose joined length stays within `limit`."""
    chunks: list[list[str]] = [[]]
    size = 0
    for paragraph in paragraphs:
        extra = len(paragraph) + 2
        if chunks[-1] and size + extra > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(paragraph)
        size += extra
    return chunks
