"""One screen against Telegram's limits: its HTML as Telegram parses it, length, buttons."""

from __future__ import annotations

from telegram import InlineKeyboardButton

from bot.content.limits import MAX_COPY_TEXT, MAX_MESSAGE, telegram_length
from bot.screens.callbacks import MAX_BYTES
from bot.screens.screen import Screen
from bot.telegram.html import EntityParseError, parse_html, utf16_len


def check_screen(screen: Screen, where: str) -> list[str]:
    problems = []
    try:
        # Telegram's own HTML rules (the fake Bot API implements them): an unclosed tag in a
        # strings file would otherwise only show when Telegram refuses the message.
        text, _ = parse_html(screen.text)
        length = utf16_len(text)  # what Telegram counts: the text after entity parsing
    except EntityParseError as error:
        problems.append(f"{where}: Telegram would refuse this message's HTML: {error}")
        length = telegram_length(screen.text)
    if length > MAX_MESSAGE:
        problems.append(f"{where}: message is {length} characters, Telegram allows {MAX_MESSAGE}")
    for row in screen.keyboard:
        for key in row:
            problems += check_button(key, where)
    return problems


def check_button(key: InlineKeyboardButton, where: str) -> list[str]:
    problems = []
    if key.callback_data is not None and len(str(key.callback_data).encode()) > MAX_BYTES:
        problems.append(f"{where}: button {key.text!r} has callback data over {MAX_BYTES} bytes")
    if key.copy_text is not None and len(key.copy_text.text) > MAX_COPY_TEXT:
        problems.append(f"{where}: copy button {key.text!r} over {MAX_COPY_TEXT} characters")
    if not key.text.strip():
        problems.append(f"{where}: a button has no label")
    return problems
