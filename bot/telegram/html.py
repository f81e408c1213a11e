"""Telegram's HTML parse mode, as Telegram parses it: what a message shows, and what it refuses.

The bot's start-up check runs every screen through it (an unclosed tag in a strings file must
stop the bot, not a broadcast); the fake Bot API uses it to answer as Telegram would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

JSON = dict[str, Any]


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class EntityParseError(Exception):
    """Raised by the parsers; surfaces as "Bad Request: can't parse entities: ..."."""


_HTML_TAGS: Final = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "code",
        "pre",
        "blockquote",
    }
)
_SIMPLE_TAG_TYPES: Final = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_HTML_SPECIAL: Final = re.compile(r"[<&]")
_HTML_ENTITY: Final = re.compile(r"&(?:(lt|gt|amp|quot);|#([0-9]{1,7});|#[xX]([0-9a-fA-F]{1,6});)")
_NAMED_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
SPACE: Final = frozenset(" \t\r\n\f\v")
STRIP: Final = " \t\r\n\f\v"
_TIME_FORMAT: Final = re.compile(r"r|w?[dD]?[tT]?")


def byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8", "surrogatepass"))


def _decode_entity(match: re.Match[str]) -> str | None:
    named, dec, hexa = match.groups()
    if named:
        return _NAMED_ENTITIES[named]
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


@dataclass(slots=True)
class OpenTag:
    tag: str
    argument: str
    offset: int
    start_index: int
    byte_pos: int
    extra: str = ""


def _html_attributes(src: str, i: int, tag: str, begin: int) -> tuple[dict[str, str], int]:
    """Parse ``name=value`` pairs up to ``>`` as TDLib does; returns (attrs, index of '>')."""
    n = len(src)
    attrs: dict[str, str] = {}
    where = f'the tag "{tag}" at byte offset {byte_offset(src, begin)}'
    while True:
        while i < n and src[i] in SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(
                f'Unclosed start tag "{tag}" at byte offset {byte_offset(src, begin)}'
            )
        if src[i] == ">":
            return attrs, i
        name_start = i
        while i < n and src[i] not in SPACE and src[i] not in "=>":
            i += 1
        name = src[name_start:i].lower()
        if not name:
            raise EntityParseError(f"Empty attribute name in {where}")
        while i < n and src[i] in SPACE:
            i += 1
        if i >= n or src[i] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise EntityParseError(
                f"Expected equal sign in declaration of an attribute of {where}"
            )
        i += 1
        while i < n and src[i] in SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(src, begin)}")
        if src[i] in "'\"":
            quote = src[i]
            end = src.find(quote, i + 1)
            if end < 0:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {byte_offset(src, begin)}"
                )
            raw_value = src[i + 1 : end]
            value = _HTML_ENTITY.sub(lambda m: _decode_entity(m) or m.group(0), raw_value)
            i = end + 1
        else:
            token_start = i
            while i < n and (src[i].isalnum() or src[i] in ".-"):
                i += 1
            value = src[token_start:i].lower()
            if i < n and src[i] not in SPACE and src[i] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {byte_offset(src, token_start)}"
                )
        attrs[name] = value


def normalize_url(url: str) -> str | None:
    """Telegram's link check: http(s)/tg/ton links kept (bare domains get http://), else None."""
    url = url.strip()
    if not url or any(c in SPACE for c in url):
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if not scheme:
        if "." not in url.split("/", 1)[0]:
            return None
        url = "http://" + url
        parts = urlsplit(url)
        scheme = "http"
    if scheme in ("http", "https"):
        if not parts.netloc:
            return None
        return url if parts.path or parts.query or parts.fragment else url + "/"
    if scheme in ("tg", "ton"):
        return url
    return None


def tg_user_id(url: str) -> int | None:
    match = re.fullmatch(r"tg://user\?id=(\d{1,18})", url)
    return int(match.group(1)) if match else None


def parse_html(src: str) -> tuple[str, list[JSON]]:
    """Parse Bot API HTML into (plain text, entities) exactly where it matters for limits.

    Deliberately stricter than Telegram in one respect: a bare ``&`` that does not start one
    of the supported entities is an error (Telegram passes it through), because it always means
    user content was interpolated without escaping, and the next ``<`` in it would break.
    """
    out: list[str] = []
    offset = 0
    stack: list[OpenTag] = []
    entities: list[JSON] = []
    n = len(src)
    i = 0
    while True:
        match = _HTML_SPECIAL.search(src, i)
        if match is None:
            chunk = src[i:]
            out.append(chunk)
            offset += utf16_len(chunk)
            break
        j = match.start()
        if j > i:
            chunk = src[i:j]
            out.append(chunk)
            offset += utf16_len(chunk)
        if src[j] == "&":
            ent = _HTML_ENTITY.match(src, j)
            char = _decode_entity(ent) if ent else None
            if ent is None or char is None:
                raise EntityParseError(
                    f'Unescaped "&" at byte offset {byte_offset(src, j)}: only &lt; &gt; '
                    "&amp; &quot; and numeric entities are supported; escape it as &amp;"
                )
            out.append(char)
            offset += utf16_len(char)
            i = ent.end()
            continue
        if j + 1 < n and src[j + 1] == "/":
            i = _html_end_tag(src, j, stack, entities, offset, out)
            continue
        k = j + 1
        while k < n and src[k] not in SPACE and src[k] != ">":
            k += 1
        if k >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(src, j)}")
        tag = src[j + 1 : k].lower()
        if tag not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {byte_offset(src, j)}'
            )
        attrs, k = _html_attributes(src, k, tag, j)
        argument, extra = "", ""
        if tag == "a":
            argument = attrs.get("href", "")
        elif tag == "code":
            cls = attrs.get("class", "")
            argument = cls[len("language-") :] if cls.startswith("language-") else ""
        elif tag == "span":
            if attrs.get("class") != "tg-spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(src, j)}'
                )
        elif tag == "tg-emoji":
            argument = attrs.get("emoji-id", "")
        elif tag == "tg-time":
            argument, extra = attrs.get("unix", ""), attrs.get("format", "")
        elif tag == "blockquote":
            argument = "expandable" if "expandable" in attrs else ""
        stack.append(OpenTag(tag, argument, offset, len(out), byte_offset(src, j), extra))
        i = k + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return finish_entities("".join(out), entities)


def _html_end_tag(
    src: str, j: int, stack: list[OpenTag], entities: list[JSON], offset: int, out: list[str]
) -> int:
    """Close the innermost open tag at ``src[j:]`` (``</...>``); returns the index after it."""
    n = len(src)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(src, j)}")
    k = j + 2
    while k < n and src[k] not in SPACE and src[k] != ">":
        k += 1
    name = src[j + 2 : k].lower()
    while k < n and src[k] in SPACE:
        k += 1
    if k >= n or src[k] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(src, j)}")
    top = stack.pop()
    if name and name != top.tag:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {byte_offset(src, j)}, expected "</{top.tag}>", '
            f'found "</{name}>"'
        )
    length = offset - top.offset
    if length > 0:
        entity = _html_entity(top, length, "".join(out[top.start_index :]), entities)
        if entity is not None:
            entities.append(entity)
    return k + 1


def _html_entity(top: OpenTag, length: int, inner: str, entities: list[JSON]) -> JSON | None:
    tag, arg = top.tag, top.argument
    simple = _SIMPLE_TAG_TYPES.get(tag)
    if simple is not None:
        return {"type": simple, "offset": top.offset, "length": length}
    if tag == "blockquote":
        kind = "expandable_blockquote" if arg else "blockquote"
        return {"type": kind, "offset": top.offset, "length": length}
    if tag == "tg-emoji":
        if not arg.isdigit() or int(arg) == 0:
            raise EntityParseError("Invalid custom emoji identifier specified")
        return {
            "type": "custom_emoji",
            "offset": top.offset,
            "length": length,
            "custom_emoji_id": arg,
        }
    if tag == "tg-time":
        if not arg.isdigit():
            raise EntityParseError('Invalid Unix time specified in tag "tg-time"')
        if top.extra and not _TIME_FORMAT.fullmatch(top.extra):
            raise EntityParseError(f'Invalid date and time format "{top.extra}" specified')
        entity: JSON = {
            "type": "date_time",
            "offset": top.offset,
            "length": length,
            "unix_time": int(arg),
        }
        if top.extra:
            entity["date_time_format"] = top.extra
        return entity
    if tag == "a":
        url = arg or inner
        user_id = tg_user_id(url)
        if user_id is not None:
            return {
                "type": "text_mention",
                "offset": top.offset,
                "length": length,
                "user": {"id": user_id, "is_bot": False, "first_name": "User"},
            }
        normalized = normalize_url(url)
        if normalized is None:
            return None  # Telegram silently drops links it can't use
        return {"type": "text_link", "offset": top.offset, "length": length, "url": normalized}
    if tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and last.get("_lang")
            and last["offset"] == top.offset
            and last["length"] == length
        ):
            entities.pop()
            return {
                "type": "pre",
                "offset": top.offset,
                "length": length,
                "language": last["_lang"],
            }
        return {"type": "pre", "offset": top.offset, "length": length}
    # code: remember the language in case the enclosing <pre> has the same bounds
    entity = {"type": "code", "offset": top.offset, "length": length}
    if arg:
        entity["_lang"] = arg
    return entity


def finish_entities(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip surrounding whitespace like Telegram and clip the entities to what remains."""
    for entity in entities:
        entity.pop("_lang", None)
    stripped = text.strip(STRIP)
    if stripped != text:
        left = utf16_len(text[: len(text) - len(text.lstrip(STRIP))])
        total = utf16_len(stripped)
        clipped: list[JSON] = []
        for entity in entities:
            start = max(entity["offset"] - left, 0)
            end = min(entity["offset"] + entity["length"] - left, total)
            if end > start:
                clipped.append({**entity, "offset": start, "length": end - start})
        entities = clipped
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, entities
