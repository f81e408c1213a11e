"""The terminal preview: an organizer walks the supporter's journey on any day, no Telegram."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bot.content.models import Lang
from bot.preview import render_message, render_text, run_preview
from faketelegram import SentMessage

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@dataclass(frozen=True)
class Press:
    """Type the number the preview shows next to this button label."""

    label: str


@dataclass(frozen=True)
class PressIn:
    """Type `N.M`: button M of message N, the last message shown with this button."""

    label: str


def message_and_number(transcript: str, label: str) -> str:
    screens = re.split(r"^── bot · message (\d+)(?: \(edited\))? ──$", transcript, flags=re.M)
    # re.split alternates: text, id, screen, id, screen...
    for message_id, screen in reversed(list(zip(screens[1::2], screens[2::2], strict=True))):
        if re.search(rf"^\[\d+\] [^\n]*{re.escape(label)}", screen, re.MULTILINE):
            return f"{message_id}.{number_of(screen, label)}"
    raise AssertionError(f"no button {label!r} on screen")


def number_of(transcript: str, label: str) -> str:
    """The number of the last button shown with `label`, as the organizer would read it."""
    numbers = re.findall(rf"^\[(\d+)\] [^\n]*{re.escape(label)}", transcript, re.MULTILINE)
    assert numbers, f"no button {label!r} on screen:\n{transcript[-2000:]}"
    return str(numbers[-1])


async def preview(
    *steps: str | Press | PressIn,
    as_of: date | None = date(2022, 5, 5),
    lang: Lang = "en",
    content: Path = CONTENT,
) -> tuple[int, str]:
    """Run a scripted session; each step is typed after the bot answered the previous one."""
    out = io.StringIO()

    def typed() -> Iterator[str]:
        for step in steps:
            if isinstance(step, Press):
                yield number_of(out.getvalue(), step.label)
            elif isinstance(step, PressIn):
                yield message_and_number(out.getvalue(), step.label)
            else:
                yield step

    code = await run_preview(content, as_of, lang, typed(), out, color=False)
    return code, out.getvalue()


def after(transcript: str, typed: str) -> str:
    """What the preview showed after the organizer typed `typed` (the last time)."""
    return transcript.rsplit(f"\n> {typed}\n", 1)[1]


async def test_organizer_walks_the_journey_to_the_thank_you() -> None:
    code, transcript = await preview(
        Press("President of Kazakhstan"),
        Press("Email"),
        Press("Unsigned"),
        Press("I sent the email"),
        "/quit",
    )

    assert code == 0
    assert "Telegram would reject" not in transcript
    card = after(transcript, "/start")
    assert "Urgent Action 31.22" in card and "Zhanbolat Mamay" in card
    assert "[1] ✍️ President of Kazakhstan Kassym-Jomart Tokayev" in card
    assert "[url] 📣 Share the case → https://t.me/share/url?" in card
    # Formatting shows as markers when the output is not a terminal.
    assert "**Urgent Action 31.22**" in card

    assert "(you press “✉️ Email”)" in transcript
    email = after(transcript, number_of(transcript, "Unsigned"))
    assert "Уважаемый господин Президент!" in email  # the President prefers Russian
    assert "**To:** `udp@udp-rk.kz`" in email
    assert "[copy] 📋 Copy the email address: udp@udp-rk.kz" in email

    thanks = transcript.rsplit("(you press “✅ I sent the email”)", 1)[1]
    assert "**Thank you!**" in thanks
    assert "[1] ✅ Counted, thank you" in thanks  # the letter's message, edited
    assert "(toast: " in thanks
    assert transcript.rstrip().endswith("> /quit")


async def test_a_week_before_the_deadline_the_card_counts_the_days() -> None:
    code, transcript = await preview("/quit", as_of=date(2022, 5, 5))

    assert code == 0
    assert "today is 2022-05-05 12:00 UTC" in transcript
    assert "Please act by **12 May 2022**: 7 days left." in after(transcript, "/start")


async def test_after_the_deadline_nothing_can_be_counted() -> None:
    code, transcript = await preview(
        Press("Ended cases"), Press("Zhanbolat Mamay"), Press("President"), Press("Email"),
        Press("Unsigned"), "/quit", as_of=date(2022, 6, 1),
    )  # fmt: skip

    assert code == 0
    assert "no open Urgent Action" in after(transcript, "/start")
    card = after(transcript, number_of(transcript, "Zhanbolat Mamay"))
    assert "This appeal ended on **12 May 2022**" in card
    email = after(transcript, number_of(transcript, "Unsigned"))
    assert "udp@udp-rk.kz" in email
    assert "I sent the email" not in email


async def test_a_russian_supporter_sees_russian() -> None:
    code, transcript = await preview(Press("Президент"), "/quit", lang="ru")

    assert code == 0
    card = after(transcript, "/start")
    assert "Здравствуйте!" in card and "Срочная акция 31.22" in card
    assert "осталось 7 дней" in card
    assert "[1] ✉️ Email" in after(transcript, "1")


async def test_typed_text_goes_to_the_bot_and_older_buttons_stay_pressable() -> None:
    code, transcript = await preview(
        Press("President"), Press("Email"), Press("Initials and city"), "A. K.", "Almaty",
        "2.9", Press("I sent the email"), PressIn("What does it say?"),
        "/language", Press("Русский"), "/quit",
    )  # fmt: skip

    assert code == 0
    assert "Telegram would reject" not in transcript
    assert "✅ Your letters will be signed: **A. K., Almaty**." in after(transcript, "Almaty")
    assert "message 2 has no buttons to press" in after(transcript, "2.9")
    # Pressed on the email message, above the thank-you: the English meaning, quoted.
    assert "│ Dear Mr President," in transcript.rsplit("What does it say? (in English)”)", 1)[1]
    assert "✅ Язык: русский." in after(transcript, number_of(transcript, "Русский"))


async def test_end_of_input_ends_the_preview_cleanly() -> None:
    code, transcript = await preview(as_of=None)  # today: UA 31.22 ended in May 2022

    assert code == 0
    assert "Ended cases" in after(transcript, "/start")


async def test_html_telegram_would_reject_is_refused_before_the_preview(tmp_path: Path) -> None:
    # Unbalanced HTML: the content check applies Telegram's own parser, so the organizer
    # learns it from the check, naming the file, before any message is tried.
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    strings = content / "strings" / "en.yaml"
    text = strings.read_text(encoding="utf-8")
    strings.write_text(text.replace("<b>What we ask:</b>", "<b>What we ask:<b>"), "utf-8")

    code, transcript = await preview("/quit", content=content)

    assert code == 1
    assert "Telegram would refuse this message's HTML" in transcript


async def test_invalid_content_is_reported_instead_of_previewed(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    (content / "cases" / "ua-31-22" / "case.yaml").write_text("id: [", "utf-8")

    code, transcript = await preview("/quit", content=content)

    assert code == 1
    assert transcript.startswith(f"error: {content / 'cases' / 'ua-31-22' / 'case.yaml'}")


def test_formatting_renders_as_markers_or_terminal_styles() -> None:
    text = "Bold and code\nquoted line\nsecond 🙂 line"
    entities = [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "code", "offset": 9, "length": 4},
        {"type": "blockquote", "offset": 14, "length": 26},
        {"type": "italic", "offset": 36, "length": 4},  # after an emoji: UTF-16 offsets
    ]
    assert render_text(text, entities, color=False) == (
        "**Bold** and `code`\n│ quoted line\n│ second 🙂 _line_"
    )
    styled = render_text(text, entities, color=True)
    assert "\x1b[1mBold\x1b[0m" in styled and "\x1b[36mcode\x1b[0m" in styled
    assert "\x1b[3mline\x1b[0m" in styled


def test_buttons_are_numbered_and_links_and_copies_are_shown() -> None:
    message = SentMessage(
        chat_id=1,
        message_id=7,
        method="sendMessage",
        html="<b>Hi</b>",
        text="Hi",
        parse_mode="HTML",
        entities=[{"type": "bold", "offset": 0, "length": 2}],
        buttons=[
            [{"text": "✉️ Email", "callback_data": "e"}],
            [{"text": "Share", "url": "https://t.me/share/url?url=x"}],
            [{"text": "Copy", "copy_text": {"text": "udp@udp-rk.kz"}}],
            [{"text": "Back", "callback_data": "b"}],
        ],
        reply_markup=None,
        date=0,
        message={},
    )
    assert render_message(message, color=False, edited=True).splitlines() == [
        "── bot · message 7 (edited) ──",
        "**Hi**",
        "[1] ✉️ Email",
        "[url] Share → https://t.me/share/url?url=x",
        "[copy] Copy: udp@udp-rk.kz",
        "[2] Back",
    ]
