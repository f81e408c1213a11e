"""Telegram's runtime limits beyond the spec's types: keyboards, commands, webhooks, files."""

from __future__ import annotations

import re
import struct
from typing import Any, Final
from urllib.parse import urlsplit

from bot.telegram.html import JSON, SPACE
from faketelegram.records import CALLBACK_ANSWER_LIMIT, CALLBACK_DATA_LIMIT, COPY_TEXT_LIMIT, bad

BUTTON_PASSIVE: Final = frozenset({"text", "icon_custom_emoji_id", "style"})
_BUTTON_STYLES: Final = frozenset({"danger", "success", "primary"})
_BUTTON_URL_SCHEMES: Final = frozenset({"http", "https", "tg"})
_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE: Final = re.compile(r"[a-z]{2}")
CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
STRING_LIMITS: Final = {
    ("answerCallbackQuery", "text"): (0, CALLBACK_ANSWER_LIMIT),
    ("setMyName", "name"): (0, 64),
    ("setMyDescription", "description"): (0, 512),
    ("setMyShortDescription", "short_description"): (0, 120),
}
_SECRET_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _check_button_url(url: str, where: str) -> None:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if (
        scheme not in _BUTTON_URL_SCHEMES
        or any(c in SPACE for c in url)
        or (scheme != "tg" and not parts.netloc)
    ):
        raise bad(f"BUTTON_URL_INVALID: {where}.url {url!r} must be an http, https or tg link")


def check_inline_keyboard(markup: JSON, path: str = "reply_markup") -> None:
    """Telegram's rules for inline buttons that the spec states only in prose."""
    rows = markup.get("inline_keyboard") or []
    for r, row in enumerate(rows):
        for c, button in enumerate(row):
            where = f"{path}.inline_keyboard[{r}][{c}]"
            if not str(button.get("text", "")).strip():
                raise bad(f"BUTTON_TEXT_INVALID: {where}.text must be non-empty")
            actions = sorted(k for k in button if k not in BUTTON_PASSIVE)
            if not actions:
                raise bad(f"text buttons are unallowed in the inline keyboard ({where})")
            if len(actions) > 1:
                raise bad(
                    f"can't parse inline keyboard button: {where} must use exactly one of the "
                    f"optional fields, got {', '.join(actions)}"
                )
            style = button.get("style")
            if style is not None and style not in _BUTTON_STYLES:
                raise bad(f"BUTTON_STYLE_INVALID: {where}.style {style!r}")
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode("utf-8"))
                if not 1 <= size <= CALLBACK_DATA_LIMIT:
                    raise bad(
                        f"BUTTON_DATA_INVALID: {where}.callback_data is {size} bytes, "
                        f"must be 1-{CALLBACK_DATA_LIMIT}"
                    )
            if "url" in button:
                _check_button_url(str(button["url"]), where)
            if "copy_text" in button:
                size = len(str(button["copy_text"].get("text", "")))
                if not 1 <= size <= COPY_TEXT_LIMIT:
                    raise bad(
                        f"COPY_TEXT_INVALID: {where}.copy_text.text has {size} characters, "
                        f"must be 1-{COPY_TEXT_LIMIT}"
                    )
            web_app = button.get("web_app")
            if isinstance(web_app, dict) and not str(web_app.get("url", "")).startswith(
                "https://"
            ):
                raise bad(f"BUTTON_URL_INVALID: {where}.web_app.url must be an HTTPS link")


def check_reply_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        return
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup)
    for r, row in enumerate(markup.get("keyboard") or []):
        for c, button in enumerate(row):
            text = button if isinstance(button, str) else button.get("text", "")
            if not str(text).strip():
                raise bad(f"BUTTON_TEXT_INVALID: reply_markup.keyboard[{r}][{c}] is empty")


def check_commands(params: JSON) -> None:
    commands = params.get("commands") or []
    if len(commands) > 100:
        raise bad("BOT_COMMANDS_TOO_MUCH: at most 100 commands are allowed")
    for i, command in enumerate(commands):
        name = str(command.get("command", ""))
        if not _COMMAND_RE.fullmatch(name):
            raise bad(
                f"BOT_COMMAND_INVALID: commands[{i}].command {name!r} must be 1-32 characters "
                "of a-z, 0-9 and _"
            )
        size = len(str(command.get("description", "")))
        if not 1 <= size <= 256:
            raise bad(
                f"BOT_COMMAND_DESCRIPTION_INVALID: commands[{i}].description has {size} "
                "characters, must be 1-256"
            )
    check_language(params)


def check_language(params: JSON) -> None:
    code = params.get("language_code")
    if code and not _LANGUAGE_RE.fullmatch(str(code)):
        raise bad(f"LANG_CODE_INVALID: language_code {code!r} must be two lowercase letters")


def check_webhook(params: JSON) -> None:
    url = str(params.get("url", ""))
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        if parts.port not in (None, 80, 88, 443, 8443):
            raise bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    token = params.get("secret_token")
    if token is not None and not _SECRET_TOKEN_RE.fullmatch(str(token)):
        raise bad("bad webhook: secret token contains unallowed characters")


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG, None if unknown; enough for PhotoSize stubs."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            size = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + int(size)
    return None


def is_image(data: bytes) -> bool:
    return (
        data[:8] == b"\x89PNG\r\n\x1a\n"
        or data[:2] == b"\xff\xd8"
        or data[:6] in (b"GIF87a", b"GIF89a")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        or data[:2] == b"BM"
    )
