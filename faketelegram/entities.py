"""MarkdownV2 and Markdown parsed as Telegram does, and the text/entities of a send call."""

from __future__ import annotations

import re
from typing import Final

from bot.telegram.html import (
    JSON,
    SPACE,
    EntityParseError,
    OpenTag,
    byte_offset,
    finish_entities,
    normalize_url,
    parse_html,
    tg_user_id,
    utf16_len,
)
from faketelegram.records import bad

_MD2_RESERVED: Final = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_NAMES: Final = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def parse_markdown_v2(src: str) -> tuple[str, list[JSON]]:
    """MarkdownV2 as Telegram parses it: reserved characters must be escaped with ``\\``."""
    out: list[str] = []
    offset = 0
    stack: list[OpenTag] = []
    entities: list[JSON] = []
    quote: OpenTag | None = None
    n = len(src)
    i = 0

    def emit(chunk: str) -> None:
        nonlocal offset
        out.append(chunk)
        offset += utf16_len(chunk)

    while i < n:
        c = src[i]
        at_line_start = i == 0 or src[i - 1] == "\n"
        top = stack[-1].tag if stack else ""
        if at_line_start and top not in ("code", "pre"):
            starts_quote = c == ">" or src.startswith("**>", i)
            if quote is not None and not starts_quote:
                _close_quote(quote, offset, out, entities)
                quote = None
            if starts_quote:
                if quote is None:
                    kind = "expandable" if c == "*" else ""
                    quote = OpenTag("blockquote", kind, offset, len(out), byte_offset(src, i))
                i += 3 if c == "*" else 1
                continue
        if c == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
            emit(src[i + 1])
            i += 2
            continue
        if top in ("code", "pre"):
            reserved: frozenset[str] | str = "`"
        else:
            reserved = _MD2_RESERVED
        if c not in reserved:
            emit(c)
            i += 1
            continue
        nxt = src[i + 1] if i + 1 < n else ""
        if (
            quote is not None
            and quote.argument
            and c == "|"
            and nxt == "|"
            and src[i + 2 : i + 3] in ("", "\n")
        ):
            i += 2  # "||" closing an expandable block quotation
            continue
        closes = {
            "bold": c == "*",
            "italic": c == "_" and nxt != "_",
            "underline": c == "_" and nxt == "_",
            "strikethrough": c == "~",
            "spoiler": c == "|" and nxt == "|",
            "code": c == "`",
            "pre": src.startswith("```", i),
            "text_link": c == "]",
            "custom_emoji": c == "]",
        }.get(top, False)
        if not closes:
            if top in ("code", "pre"):
                raise EntityParseError(
                    "Character '`' is reserved and must be escaped with the preceding '\\'"
                )
            i = _md2_open(src, i, stack, offset, len(out))
            continue
        opened = stack.pop()
        i += {"underline": 2, "spoiler": 2, "pre": 3}.get(top, 1)
        length = offset - opened.offset
        entity: JSON = {"type": top, "offset": opened.offset, "length": length}
        linked: JSON | None = entity
        if top in ("text_link", "custom_emoji"):
            url = "".join(out[opened.start_index :])
            if src.startswith("(", i):
                end = i + 1
                chars: list[str] = []
                while end < n and src[end] != ")":
                    if src[end] == "\\" and end + 1 < n:
                        end += 1
                    chars.append(src[end])
                    end += 1
                if end >= n:
                    raise EntityParseError(
                        f"Can't find end of a url at byte offset {byte_offset(src, i)}"
                    )
                url = "".join(chars)
                i = end + 1
            linked = _md2_link_entity(top, url, entity)
        elif top == "pre" and opened.argument:
            entity["language"] = opened.argument
        if linked is not None and length > 0:
            entities.append(linked)
    if stack:
        name = _MD2_NAMES.get(stack[-1].tag, stack[-1].tag)
        raise EntityParseError(
            f"Can't find end of {name} entity at byte offset {stack[-1].byte_pos}"
        )
    if quote is not None:
        _close_quote(quote, offset, out, entities)
    return finish_entities("".join(out), entities)


def _close_quote(quote: OpenTag, offset: int, out: list[str], entities: list[JSON]) -> None:
    end = offset - (1 if out and out[-1].endswith("\n") else 0)
    if end > quote.offset:
        kind = "expandable_blockquote" if quote.argument else "blockquote"
        entities.append({"type": kind, "offset": quote.offset, "length": end - quote.offset})


def _md2_open(src: str, i: int, stack: list[OpenTag], offset: int, index: int) -> int:
    c = src[i]
    nxt = src[i + 1] if i + 1 < len(src) else ""
    pos = byte_offset(src, i)
    if c == "_" and nxt == "_":
        stack.append(OpenTag("underline", "", offset, index, pos))
        return i + 2
    simple = {"_": "italic", "*": "bold", "~": "strikethrough", "[": "text_link"}.get(c)
    if simple is not None:
        stack.append(OpenTag(simple, "", offset, index, pos))
        return i + 1
    if c == "|" and nxt == "|":
        stack.append(OpenTag("spoiler", "", offset, index, pos))
        return i + 2
    if c == "!" and nxt == "[":
        stack.append(OpenTag("custom_emoji", "", offset, index, pos))
        return i + 2
    if c == "`":
        if src.startswith("```", i):
            j = i + 3
            end = src.find("\n", j)
            language = ""
            if end >= 0 and src[j:end] and not any(ch in SPACE for ch in src[j:end]):
                language, j = src[j:end], end + 1
            elif end == j:
                j = end + 1
            stack.append(OpenTag("pre", language, offset, index, pos))
            return j
        stack.append(OpenTag("code", "", offset, index, pos))
        return i + 1
    raise EntityParseError(
        f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
    )


def _md2_link_entity(kind: str, url: str, entity: JSON) -> JSON | None:
    if kind == "custom_emoji":
        match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
        if match is None:
            raise EntityParseError("Custom emoji URL must have the form tg://emoji?id=<id>")
        return {**entity, "custom_emoji_id": match.group(1)}
    user_id = tg_user_id(url)
    if user_id is not None:
        return {
            **entity,
            "type": "text_mention",
            "user": {"id": user_id, "is_bot": False, "first_name": "User"},
        }
    normalized = normalize_url(url)
    return None if normalized is None else {**entity, "url": normalized}


def parse_markdown(src: str) -> tuple[str, list[JSON]]:
    """Legacy Markdown (bold, italic, code, pre, links); an unterminated marker is an error,
    as in Telegram, so a stray ``_`` in user content is caught."""
    out: list[str] = []
    entities: list[JSON] = []
    offset = 0
    n = len(src)
    i = 0
    while i < n:
        c = src[i]
        if c == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.append(src[i + 1])
            offset += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            offset += utf16_len(c)
            i += 1
            continue
        begin = i
        if src.startswith("```", i):
            end = src.find("```", i + 3)
            kind, body_start, skip = "pre", i + 3, 3
        else:
            closing = "]" if c == "[" else c
            end = src.find(closing, i + 1)
            kind = {"*": "bold", "_": "italic", "`": "code", "[": "text_link"}[c]
            body_start, skip = i + 1, 1
        if end < 0:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {byte_offset(src, begin)}"
            )
        body = src[body_start:end]
        i = end + skip
        entity: JSON = {"type": kind, "offset": offset, "length": utf16_len(body)}
        if kind == "text_link":
            url = ""
            if src.startswith("(", i):
                close = src.find(")", i)
                if close < 0:
                    raise EntityParseError(
                        f"Can't find end of a url at byte offset {byte_offset(src, i)}"
                    )
                url, i = src[i + 1 : close], close + 1
            normalized = normalize_url(url)
            entity["url"] = normalized or ""
            if normalized is None:
                entity = {}
        out.append(body)
        offset += utf16_len(body)
        if entity and entity["length"] > 0:
            entities.append(entity)
    return finish_entities("".join(out), entities)


def format_text(
    raw: str, parse_mode: str | None, entities: list[JSON] | None
) -> tuple[str, list[JSON]]:
    """Plain text + entities of a text/caption parameter, or ApiError like Telegram's."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise bad("text must be encoded in UTF-8") from None
    if entities is not None:
        total = utf16_len(raw)
        for entity in entities:
            if entity.get("offset", 0) + entity.get("length", 0) > total:
                raise bad("entity beyond the end of the text")
        return finish_entities(raw, [dict(e) for e in entities])
    if not parse_mode:
        return finish_entities(raw, [])
    mode = parse_mode.lower()
    parser = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
    if mode not in parser:
        raise bad(f"unsupported parse_mode {parse_mode!r}")
    try:
        return parser[mode](raw)
    except EntityParseError as exc:
        raise bad(f"can't parse entities: {exc}") from None
