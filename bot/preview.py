"""`python -m bot preview`: the real bot in a terminal chat, against the fake Bot API.

Organizers need to see a case as a supporter will before it goes live, on any day of the
campaign, without a token or a test account. Nothing is simulated but Telegram itself: the
real handlers run on a throwaway database and every request crosses loopback HTTP to
`FakeTelegram`, which rejects what real Telegram would reject, and the preview says so.
"""

from __future__ import annotations

import re
import secrets
import tempfile
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TextIO

from telegram import Update

from bot.app import build_application, start_services, stop_services
from bot.checks.content import load_content
from bot.content.models import ContentError, Lang
from bot.core.clock import Clock, fixed_clock, system_clock
from bot.handlers.common import BotApplication
from bot.settings import Settings
from faketelegram import FakeTelegram, FakeUser, SentMessage

#: Never a real token: the preview talks only to the fake on loopback.
PREVIEW_TOKEN = "1000000:preview-not-a-real-token"
PREVIEW_USER_ID = 5550001
QUIT = "/quit"

#: How long the bot must stay quiet before a turn counts as finished (catches replies it
#: sends from background tasks rather than inside the handler).
_QUIET_SECONDS = 0.02

_BUTTON_PRESS = re.compile(r"^(?:(\d+)\.)?(\d+)$")

_RESET = "\x1b[0m"
_DIM = "\x1b[2m"

#: Entity type -> ANSI style, for a terminal that shows colour.
_ANSI = {
    "bold": "1",
    "italic": "3",
    "underline": "4",
    "strikethrough": "9",
    "spoiler": "7",
    "code": "36",
    "pre": "36",
    "text_link": "4;34",
    "text_mention": "4;34",
}

#: Entity type -> (opening, closing) markers, for a pipe or a file.
_MARKERS = {
    "bold": ("**", "**"),
    "italic": ("_", "_"),
    "underline": ("__", "__"),
    "strikethrough": ("~~", "~~"),
    "spoiler": ("||", "||"),
    "code": ("`", "`"),
    "pre": ("```\n", "\n```"),
    "text_link": ("[", "]"),
    "text_mention": ("[", "]"),
}

_QUOTES = frozenset({"blockquote", "expandable_blockquote"})
_QUOTE_BAR = "│ "


def _style(code: str, text: str, color: bool) -> str:
    return f"\x1b[{code}m{text}{_RESET}" if color else text


def _python_indexes(text: str) -> dict[int, int]:
    """UTF-16 offsets (what Telegram's entities count) -> indexes into the Python string."""
    indexes, offset = {}, 0
    for index, char in enumerate(text):
        indexes[offset] = index
        offset += 2 if ord(char) > 0xFFFF else 1
    indexes[offset] = len(text)
    return indexes


def render_text(text: str, entities: Iterable[dict[str, Any]], color: bool) -> str:
    """Message text with its formatting: ANSI styles if `color`, else plain markers."""
    indexes = _python_indexes(text)
    spans: list[tuple[int, int, str, dict[str, Any]]] = []
    for entity in entities:
        kind = str(entity.get("type"))
        if kind not in _ANSI and kind not in _QUOTES:
            continue  # mentions, hashtags, URLs...: Telegram shows them as they are typed
        start = indexes.get(int(entity["offset"]), len(text))
        end = indexes.get(int(entity["offset"]) + int(entity["length"]), len(text))
        if end > start:
            spans.append((start, end, kind, entity))
    # Outer entities open first and close last (Telegram's entities nest properly).
    spans.sort(key=lambda span: (span[0], -span[1]))
    out: list[str] = []
    active: list[tuple[int, int, str, dict[str, Any]]] = []

    def styles() -> str:
        codes = [_ANSI[kind] for _, _, kind, _ in active if kind in _ANSI]
        return _RESET + "".join(f"\x1b[{code}m" for code in codes)

    def bar() -> str:
        return _DIM + _QUOTE_BAR + styles() if color else _QUOTE_BAR

    for index in range(len(text) + 1):
        closing = [span for span in active if span[1] == index]
        opening = [span for span in spans if span[0] == index]
        for span in reversed(closing):
            active.remove(span)
            kind = span[2]
            if not color and kind in _MARKERS:
                out.append(_MARKERS[kind][1])
            if kind == "text_link":
                url = f" <{span[3].get('url', '')}>"
                out.append(_DIM + url + _RESET if color else url)
        if color and closing:
            out.append(styles())
        for span in opening:
            active.append(span)
            kind = span[2]
            if kind in _QUOTES and (index == 0 or text[index - 1] == "\n"):
                out.append(bar())
            elif not color and kind in _MARKERS:
                out.append(_MARKERS[kind][0])
        if color and opening:
            out.append(styles())
        if index == len(text):
            break
        out.append(text[index])
        if text[index] == "\n" and any(span[2] in _QUOTES for span in active):
            out.append(bar())
    return "".join(out)


def callback_buttons(message: SentMessage) -> list[dict[str, Any]]:
    """The buttons a supporter can press (the ones the preview numbers), in reading order."""
    return [button for row in message.buttons for button in row if "callback_data" in button]


def render_buttons(message: SentMessage, color: bool) -> list[str]:
    """One line per button: `[1] label`, `[url] label → url`, `[copy] label: text`."""
    lines, number = [], 0
    for row in message.buttons:
        for button in row:
            label = str(button.get("text", ""))
            if "callback_data" in button:
                number += 1
                lines.append(f"{_style('1;33', f'[{number}]', color)} {label}")
            elif "url" in button:
                lines.append(f"{_style('2', '[url]', color)} {label} → {button['url']}")
            elif "copy_text" in button:
                text = button["copy_text"].get("text", "")
                lines.append(f"{_style('2', '[copy]', color)} {label}: {text}")
            else:
                kind = next((key for key in button if key != "text"), "button")
                lines.append(f"{_style('2', f'[{kind}]', color)} {label}")
    return lines


def render_message(message: SentMessage, color: bool, *, edited: bool) -> str:
    """A bot message as the terminal shows it: a header, the formatted text, the buttons."""
    note = " (edited)" if edited else ""
    header = _style("2", f"── bot · message {message.message_id}{note} ──", color)
    parts = [header]
    if message.media_type is not None:
        parts.append(f"[{message.media_type}: {message.filename or 'no file name'}]")
    if message.text:
        parts.append(render_text(message.text, message.entities, color))
    parts += render_buttons(message, color)
    return "\n".join(parts)


@dataclass
class _Chat:
    """One simulated supporter's terminal chat: what was shown, what a number presses."""

    fake: FakeTelegram
    user: FakeUser
    out: TextIO
    color: bool
    shown: set[int] = field(default_factory=set)
    #: The message whose buttons a bare number presses: the last one shown with buttons.
    current: int | None = None
    errors_reported: int = 0

    def write(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def warn(self, text: str) -> None:
        self.write(_style("31", text, self.color))

    def find(self, message_id: int) -> SentMessage | None:
        return next(
            (m for m in self.fake.messages(self.user.id) if m.message_id == message_id), None
        )

    async def handle(self, line: str) -> None:
        """A bare number or `N.M` presses a button; anything else is typed to the bot."""
        match = _BUTTON_PRESS.match(line)
        current = self.find(self.current) if self.current is not None else None
        if match and match.group(1) is not None:
            await self.press(int(match.group(1)), int(match.group(2)))
        elif match and current is not None and callback_buttons(current):
            await self.press(current.message_id, int(match.group(2)))
        else:
            # No buttons to press: the bot may be asking for text (a name, a city).
            await self.turn(self.user.send(line))
        self.write()

    async def press(self, message_id: int, number: int) -> None:
        message = self.find(message_id)
        if message is None:
            self.warn(f"message {message_id} is not in the chat (deleted, or a typo)")
            return
        buttons = callback_buttons(message)
        if not buttons:
            self.warn(f"message {message_id} has no buttons to press")
            return
        if not 1 <= number <= len(buttons):
            self.warn(f"message {message_id} has buttons 1 to {len(buttons)}, not {number}")
            return
        data = str(buttons[number - 1]["callback_data"])
        self.write(_style("2", f"(you press “{buttons[number - 1]['text']}”)", self.color))
        unanswered = set(self.fake.unanswered_callbacks())
        await self.turn(self.user.click_data(data, message_id))
        answer = self.user.last_answer
        if answer and answer.get("text"):
            kind = "alert" if answer.get("show_alert") else "toast"
            self.write(_style("3", f"({kind}: {answer['text']})", self.color))
        if set(self.fake.unanswered_callbacks()) - unanswered:
            self.warn("Telegram would keep a spinner on the button: the press was not answered")

    async def turn(self, action: Awaitable[object]) -> None:
        """Run one user action, then show what the bot sent, edited or deleted meanwhile."""
        chat = self.user.id
        before_ids = {m.message_id for m in self.fake.messages(chat)}
        before = max((m.seq for m in self.fake.messages(chat)), default=0)
        await action
        await self.fake.settle(quiet=_QUIET_SECONDS)
        for message_id in sorted(before_ids - {m.message_id for m in self.fake.messages(chat)}):
            self.write(_style("2", f"── bot deleted message {message_id} ──", self.color))
        for message in self.fake.changes_since(chat, before):
            self.write(
                render_message(message, self.color, edited=message.message_id in self.shown)
            )
            self.shown.add(message.message_id)
            if callback_buttons(message):
                self.current = message.message_id
        self.report_rejections()

    def report_rejections(self) -> None:
        for error in self.fake.errors[self.errors_reported :]:
            self.warn(f"Telegram would reject: {error}")
        self.errors_reported = len(self.fake.errors)


def _settings(fake: FakeTelegram, database: Path, content_dir: Path) -> Settings:
    """Settings for the preview alone: validated, but never read from the environment or
    `.env` (which may hold the real token or webhook settings of a deployment)."""
    return Settings.model_validate(
        {
            "token": PREVIEW_TOKEN,
            # Throwaway, like the database it protects.
            "secret_key": secrets.token_urlsafe(32),
            "api_url": fake.base_url,
            "database": database,
            "content_dir": content_dir,
            "admins": frozenset(),
        }
    )


async def run_preview(
    content_dir: Path,
    as_of: date | None,
    lang: Lang,
    lines: Iterable[str],
    out: TextIO,
    *,
    color: bool | None = None,
    echo: bool = True,
) -> int:
    """Chat with the real bot: `lines` are what the supporter types; 1 if Telegram objected.

    `echo` writes each input line to `out` (for piped input and tests, where the terminal
    does not show what was typed).
    """
    color = out.isatty() if color is None else color
    try:
        content = load_content(content_dir)
        problems = content.problems
    except ContentError as error:
        problems = error.problems
    if problems:
        # The bot would serve the other cases; a preview is for checking, so it stops here.
        for problem in problems:
            out.write(_style("31", f"error: {problem}", color) + "\n")
        out.write("The content is not valid; fix it (see: python -m bot check) and try again.\n")
        return 1
    clock: Clock = system_clock
    if as_of is not None:
        clock = fixed_clock(datetime.combine(as_of, time(12, 0), UTC))
    with tempfile.TemporaryDirectory(prefix="ua-bot-preview-") as tmp:
        async with FakeTelegram() as fake:
            settings = _settings(fake, Path(tmp) / "preview.sqlite3", content_dir)
            app: BotApplication = build_application(settings, content, clock)
            await app.initialize()
            try:
                await start_services(app)
                user = fake.user(
                    PREVIEW_USER_ID, "Preview", lang, deliver=lambda update: _deliver(app, update)
                )
                chat = _Chat(fake, user, out, color)
                moment = clock().strftime("%Y-%m-%d %H:%M UTC")
                chat.write(
                    f"Preview of {content_dir}: {len(content.cases)} case(s), "
                    f"{len(content.warnings)} content warning(s) (see: python -m bot check); "
                    f"today is {moment}; the supporter's Telegram is in {lang}."
                )
                chat.write(
                    "Type a button's number to press it (N.M presses button M of message N), "
                    f"anything else to send it as a message; {QUIT} or Ctrl-D to leave."
                )
                chat.write()
                await _converse(chat, ["/start"], echo=True)
                await _converse(chat, lines, echo=echo)
            finally:
                await stop_services(app)
                await app.shutdown()
            chat.report_rejections()
            if fake.errors:
                chat.warn(f"Telegram would have rejected {len(fake.errors)} request(s).")
                return 1
    return 0


async def _deliver(app: BotApplication, data: dict[str, Any]) -> None:
    await app.process_update(Update.de_json(data, app.bot))


async def _converse(chat: _Chat, lines: Iterable[str], *, echo: bool) -> None:
    for raw in lines:
        line = raw.strip()
        if echo:
            chat.write(f"> {line}")
        if line == QUIT:
            return
        if line:
            await chat.handle(line)
