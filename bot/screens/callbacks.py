"""Callback data codec: every button carries its whole state, so buttons survive restarts."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.content.languages import is_language_code
from bot.content.models import Channel

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
    ENDED = "e"
    ALERTS = "a"
    SETTINGS = "g"
    STATS = "T"
    #: Organizers' desk of a case (drafts, publishing, news): `bot.handlers.authoring`.
    DESK = "A"
    #: A supporter screen of a case shown to an organizer as a preview: `P:<lang>:<action>:…`.
    PREVIEW = "P"


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
    """A channel view: which case, which official, which channel, which text language."""

    case_id: str
    official_id: str
    channel: Channel
    #: The language of the letter, tweet or call script shown (any letter language code).
    lang: str

    def args(self) -> tuple[str, ...]:
        """The four arguments as they travel in callback data."""
        return (self.case_id, self.official_id, self.channel.value, self.lang)

    @classmethod
    def from_args(cls, args: tuple[str, ...] | list[str]) -> Target | None:
        """Rebuild a target from callback arguments; None if malformed or outdated."""
        if len(args) != 4 or not is_language_code(args[3]):
            return None
        try:
            channel = Channel(args[2])
        except ValueError:
            return None
        return cls(args[0], args[1], channel, args[3])


def pack(action: Action, *args: str) -> str:
    """Shorthand for `Callback(action, args).pack()`."""
    return Callback(action, args).pack()
