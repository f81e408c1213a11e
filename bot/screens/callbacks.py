"""Callback data codec: every button carries its whole state, so buttons survive restarts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.content.models import LANGS, Channel, Lang

MAX_BYTES = 64
SEP = ":"


class Action(StrEnum):
    """Short prefixes keep callback data well under Telegram's 64 bytes."""

    MENU = "m"
    CASE = "c"
    BACKGROUND = "b"
    OFFICIAL = "o"
    VIEW = "v"
    MEANING = "x"
    CONFIRM = "k"
    SIGN = "s"
    LANGUAGE = "l"
    FORGET = "f"
    SUBSCRIBE = "n"
    BROADCAST = "B"


@dataclass(frozen=True)
class Callback:
    """One button press: an action and its arguments."""

    action: Action
    args: tuple[str, ...] = ()

    def pack(self) -> str:
        """Encode for `callback_data`; refuses data Telegram would reject."""
        if any(SEP in arg or not arg for arg in self.args):
            raise ValueError(f"callback argument empty or containing {SEP!r}: {self.args}")
        data = SEP.join((self.action.value, *self.args))
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    @classmethod
    def parse(cls, data: str | None) -> Callback | None:
        """Decode callback data; None for anything this version does not understand."""
        if not data:
            return None
        head, *args = data.split(SEP)
        try:
            return cls(Action(head), tuple(args))
        except ValueError:
            return None


@dataclass(frozen=True)
class Target:
    """A channel view: which case, which official, which channel, which letter language."""

    case_id: str
    official_id: str
    channel: Channel
    lang: Lang

    def args(self) -> tuple[str, ...]:
        """The four arguments as they travel in callback data."""
        return (self.case_id, self.official_id, self.channel.value, self.lang)

    @classmethod
    def from_args(cls, args: tuple[str, ...] | list[str]) -> Target | None:
        """Rebuild a target from callback arguments; None if malformed or outdated."""
        if len(args) != 4 or args[3] not in LANGS:
            return None
        try:
            channel = Channel(args[2])
        except ValueError:
            return None
        lang: Lang = "ru" if args[3] == "ru" else "en"
        return cls(args[0], args[1], channel, lang)


def pack(action: Action, *args: str) -> str:
    """Shorthand for `Callback(action, args).pack()`."""
    return Callback(action, args).pack()
