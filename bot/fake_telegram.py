"""A fake Telegram Bot API server on loopback, for tests, benchmarks and the terminal preview.

Why it exists: the bot must be exercised through python-telegram-bot's real HTTP stack, and every
call it makes must be checked against the official Bot API spec (vendored in
``bot_api_spec.json``) and against the limits Telegram enforces at runtime (HTML entity parsing,
4096-character messages, 64-byte callback data...).  Mistakes that only the real Telegram would
reveal then fail a test instead of a production broadcast.  The fake also records everything,
injects faults on demand and drives simulated users.

Typical use::

    async with FakeTelegram() as fake:
        app = ApplicationBuilder().token(TOKEN).base_url(f"{fake.base_url}/bot").build()
        user = fake.user(42, deliver=lambda d: app.process_update(Update.de_json(d, app.bot)))
        replies = await user.send("/start")
        assert fake.errors == []
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import re
import socket
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

from aiohttp import web

__all__ = [
    "BOT_USER",
    "SPEC_PATH",
    "ApiError",
    "Call",
    "FakeTelegram",
    "FakeUser",
    "Rejection",
    "SentMessage",
    "ServedFault",
    "UploadedFile",
    "max_in_any_window",
    "parse_html",
    "parse_markdown_v2",
    "utf16_len",
]

JSON = dict[str, Any]
Deliver = Callable[[JSON], Awaitable[object]]

SPEC_PATH: Final = Path(__file__).with_name("bot_api_spec.json")

#: The bot account that getMe returns and that authors every bot message.
BOT_USER: Final[JSON] = {
    "id": 777000001,
    "is_bot": True,
    "first_name": "Urgent Action Bot",
    "username": "ua_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}

TEXT_LIMIT: Final = 4096
CAPTION_LIMIT: Final = 1024
CALLBACK_ANSWER_LIMIT: Final = 200
CALLBACK_DATA_LIMIT: Final = 64
COPY_TEXT_LIMIT: Final = 256

BLOCKED: Final = "Forbidden: bot was blocked by the user"
QUERY_TOO_OLD: Final = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
NOT_MODIFIED: Final = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_DEFAULT_DESCRIPTIONS: Final = {
    0: "connection dropped",
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: BLOCKED,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def utf16_len(text: str) -> int:
    """Telegram measures text in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def max_in_any_window(times: Iterable[float], window: float = 1.0) -> int:
    """Largest number of events inside any half-open window ``(t - window, t]``.

    The same definition the fake's rate limiter uses, so ``max_in_any_window(fake.send_times)
    <= fake.rate_limit_per_second`` holds by construction.  Sliding two pointers, O(n log n).
    """
    ordered = sorted(times)
    best = 0
    start = 0
    for end, t in enumerate(ordered):
        while t - ordered[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class UploadedFile:
    """One multipart file part, kept in memory so tests can inspect an exported CSV or PNG."""

    name: str
    filename: str
    content_type: str
    data: bytes

    def text(self, encoding: str = "utf-8") -> str:
        return self.data.decode(encoding)


@dataclass(slots=True)
class Call:
    """A call the fake accepted: decoded params, uploaded files and the result it returned."""

    method: str
    params: JSON
    files: dict[str, UploadedFile]
    time: float
    result: Any = None

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


@dataclass(slots=True)
class Rejection:
    """A call the fake refused because the bot got the API wrong (mirrors ``fake.errors``)."""

    method: str
    params: JSON
    status: int
    description: str
    time: float


@dataclass(slots=True)
class ServedFault:
    """An error the test asked for (fail/blocked/rate limit), so it is not a bot bug."""

    method: str
    params: JSON
    status: int
    description: str
    time: float
    reason: str


@dataclass(slots=True, eq=False)
class SentMessage:
    """A message the bot sent to a chat, as a user would see it (updated in place on edits).

    ``html`` is the text or caption exactly as sent, ``text`` the plain text Telegram shows
    after entity parsing; ``message`` is the Message dict returned to the bot (and replayed in
    callback queries), ``seq`` orders creations/edits so FakeUser can report what changed.
    """

    chat_id: int
    message_id: int
    method: str
    html: str | None
    text: str | None
    parse_mode: str | None
    entities: list[JSON]
    buttons: list[list[JSON]]
    reply_markup: JSON | None
    date: int
    message: JSON
    document: bytes | None = None
    photo: bytes | None = None
    filename: str | None = None
    mime_type: str | None = None
    file_id: str | None = None
    media_type: str | None = None
    keyboard: list[list[JSON]] = field(default_factory=list)
    edited: bool = False
    edit_count: int = 0
    seq: int = 0

    @property
    def button_texts(self) -> list[str]:
        return [str(b.get("text", "")) for row in self.buttons for b in row]

    def button(self, text: str) -> JSON:
        """Return the inline button labelled ``text`` (exact, else substring) or fail loudly."""
        return _find_button([self], text)[1]


@dataclass(slots=True)
class _Fault:
    method: str
    chat_id: int | str | None
    status: int
    description: str
    retry_after: int | None
    remaining: int
    applied: bool


@dataclass(slots=True)
class _Delay:
    method: str
    chat_id: int | str | None
    seconds: float
    remaining: int


@dataclass(slots=True)
class _CallbackRecord:
    user_id: int
    chat_id: int | None
    delivered: float
    answer: JSON | None = None


class ApiError(Exception):
    """A Bot API error response; raised inside the fake and turned into JSON."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _bad(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


# --------------------------------------------------------------------------------------------
# Spec: compiled once into per-method field tables and per-type checkers
# --------------------------------------------------------------------------------------------


class _Invalid(Exception):
    """A type mismatch; ``depth`` lets a union report its most specific alternative."""

    def __init__(self, message: str, depth: int) -> None:
        super().__init__(message)
        self.message = message
        self.depth = depth


Checker = Callable[[Any, str, int], None]

# How a form/multipart string is turned into a typed value before validation.
_RAW, _INT, _FLOAT, _BOOL, _INT_STR, _JSON = range(6)
_PRIMITIVES: Final = frozenset({"Integer", "Float", "String", "Boolean", "True"})
_TRUE_STRINGS: Final = {"true": True, "True": True, "1": True}
_FALSE_STRINGS: Final = {"false": False, "False": False, "0": False}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check_int(value: Any, path: str, depth: int) -> None:
    if type(value) is not int:
        raise _Invalid(f'field "{path}" must be of type Integer', depth)


def _check_float(value: Any, path: str, depth: int) -> None:
    if type(value) not in (int, float):
        raise _Invalid(f'field "{path}" must be of type Float', depth)


def _check_str(value: Any, path: str, depth: int) -> None:
    if type(value) is not str:
        raise _Invalid(f'field "{path}" must be of type String', depth)


def _check_bool(value: Any, path: str, depth: int) -> None:
    if type(value) is not bool:
        raise _Invalid(f'field "{path}" must be of type Boolean', depth)


def _check_true(value: Any, path: str, depth: int) -> None:
    if value is not True:
        raise _Invalid(f'field "{path}" must be True', depth)


def _check_input_file(value: Any, path: str, depth: int) -> None:
    if isinstance(value, UploadedFile):
        return
    if isinstance(value, str) and value.startswith("attach://"):
        return
    raise _Invalid(f'field "{path}" must be an uploaded file (InputFile)', depth)


def _check_any_object(value: Any, path: str, depth: int) -> None:
    if not isinstance(value, dict):
        raise _Invalid(f'field "{path}" must be a JSON object', depth)


@dataclass(slots=True)
class FieldSpec:
    """One parameter or object field with its precompiled checker and form decoder."""

    name: str
    types: tuple[str, ...]
    required: bool
    const: str | None
    form: int
    check: Checker


@dataclass(slots=True)
class MethodSpec:
    """A Bot API method: field table, required names and declared return types."""

    name: str
    fields: dict[str, FieldSpec]
    required: tuple[str, ...]
    returns: tuple[str, ...]

    def has(self, name: str) -> bool:
        return name in self.fields


class _ObjectChecker:
    """Validates a JSON object against a spec type; fields compile lazily (types recurse)."""

    def __init__(self, spec: ApiSpec, name: str, raw_fields: list[JSON]) -> None:
        self.spec = spec
        self.name = name
        self.raw_fields = raw_fields
        self._fields: dict[str, FieldSpec] | None = None
        self._required: tuple[str, ...] = ()
        self._consts: tuple[tuple[str, str], ...] = ()

    def _compile(self) -> dict[str, FieldSpec]:
        fields = {f["name"]: self.spec.field(f) for f in self.raw_fields}
        self._required = tuple(n for n, f in fields.items() if f.required)
        self._consts = tuple((n, f.const) for n, f in fields.items() if f.const is not None)
        self._fields = fields
        return fields

    def __call__(self, value: Any, path: str, depth: int) -> None:
        fields = self._fields if self._fields is not None else self._compile()
        if not isinstance(value, dict):
            raise _Invalid(f'field "{path}" must be of type {self.name}', depth)
        for key, const in self._consts:
            if value.get(key) != const:
                raise _Invalid(f'field "{path}" must be of type {self.name}', depth)
        for key, item in value.items():
            spec = fields.get(key)
            if spec is None:
                raise _Invalid(f'unknown field "{_join(path, key)}" in {self.name}', depth + 1)
            if item is not None:
                spec.check(item, _join(path, key), depth + 1)
        for key in self._required:
            if key not in value:
                raise _Invalid(f'field "{_join(path, key)}" is required in {self.name}', depth + 1)


class _UnionChecker:
    """Accepts a value if any alternative does; reports the alternative that got furthest."""

    def __init__(self, spec: ApiSpec, names: Sequence[str]) -> None:
        self.spec = spec
        self.names = tuple(names)
        self._alts: tuple[Checker, ...] | None = None

    def __call__(self, value: Any, path: str, depth: int) -> None:
        if self._alts is None:
            self._alts = tuple(self.spec.checker(n) for n in self.names)
        best: _Invalid | None = None
        for alt in self._alts:
            try:
                alt(value, path, depth)
                return
            except _Invalid as exc:
                if best is None or exc.depth > best.depth:
                    best = exc
        if best is None or best.depth <= depth:
            raise _Invalid(f'field "{path}" must be of type {" or ".join(self.names)}', depth)
        raise best


def _array_checker(inner: Checker, expr: str) -> Checker:
    def check(value: Any, path: str, depth: int) -> None:
        if not isinstance(value, list):
            raise _Invalid(f'field "{path}" must be of type {expr}', depth)
        for i, item in enumerate(value):
            inner(item, f"{path}[{i}]", depth + 1)

    return check


class ApiSpec:
    """The vendored Bot API spec, compiled into lookup tables once per process."""

    def __init__(self, data: JSON) -> None:
        self.version: str = data.get("version", "")
        self.raw_methods: dict[str, JSON] = data["methods"]
        self.raw_types: dict[str, JSON] = data["types"]
        self.method_names: dict[str, str] = {n.lower(): n for n in self.raw_methods}
        self._methods: dict[str, MethodSpec] = {}
        self._checkers: dict[str, Checker] = {
            "Integer": _check_int,
            "Float": _check_float,
            "String": _check_str,
            "Boolean": _check_bool,
            "True": _check_true,
            "InputFile": _check_input_file,
        }

    @staticmethod
    def load(path: Path = SPEC_PATH) -> ApiSpec:
        """Parsed and cached per path, so many FakeTelegram instances share one table."""
        return _load_spec(path)

    def method(self, name: str) -> MethodSpec:
        spec = self._methods.get(name)
        if spec is None:
            raw = self.raw_methods[name]
            fields = {f["name"]: self.field(f) for f in raw.get("fields", [])}
            required = tuple(n for n, f in fields.items() if f.required)
            spec = MethodSpec(name, fields, required, tuple(raw["returns"]))
            self._methods[name] = spec
        return spec

    def field(self, raw: JSON) -> FieldSpec:
        types = tuple(raw["types"])
        check = self.checker(types[0]) if len(types) == 1 else _UnionChecker(self, types)
        return FieldSpec(
            raw["name"],
            types,
            bool(raw["required"]),
            raw.get("const"),
            self._form_kind(types),
            check,
        )

    @staticmethod
    def _form_kind(types: tuple[str, ...]) -> int:
        kinds = set(types)
        if kinds <= {"String", "InputFile"}:
            return _RAW
        if kinds == {"Integer"}:
            return _INT
        if kinds == {"Float"}:
            return _FLOAT
        if kinds <= {"Boolean", "True"}:
            return _BOOL
        if kinds == {"Integer", "String"}:
            return _INT_STR
        return _JSON

    def checker(self, expr: str) -> Checker:
        found = self._checkers.get(expr)
        if found is not None:
            return found
        check: Checker
        if expr.startswith("Array of "):
            check = _array_checker(self.checker(expr[len("Array of ") :]), expr)
        else:
            raw = self.raw_types.get(expr)
            if raw is None:
                raise KeyError(f"type {expr!r} is not in the Bot API spec")
            if "subtypes" in raw:
                check = _UnionChecker(self, raw["subtypes"])
            elif "fields" in raw:
                check = _ObjectChecker(self, expr, raw["fields"])
            else:
                check = _check_any_object
        self._checkers[expr] = check
        return check

    def sample(self, expr: str, depth: int = 0) -> Any:
        """A minimal value of a type (required fields only) for results we don't model."""
        if expr in ("Integer", "Float"):
            return 0
        if expr == "String":
            return ""
        if expr == "Boolean":
            return False
        if expr == "True":
            return True
        if expr.startswith("Array of ") or depth > 6:
            return []
        raw = self.raw_types.get(expr, {})
        if "subtypes" in raw:
            return self.sample(raw["subtypes"][0], depth + 1)
        out: JSON = {}
        for f in raw.get("fields", []):
            if f.get("const") is not None:
                out[f["name"]] = f["const"]
            elif f["required"]:
                out[f["name"]] = self.sample(f["types"][0], depth + 1)
        return out


@cache
def _load_spec(path: Path) -> ApiSpec:
    return ApiSpec(json.loads(path.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------------------------
# Formatting: HTML / MarkdownV2 / Markdown parsed the way Telegram does
# --------------------------------------------------------------------------------------------


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
_SPACE: Final = frozenset(" \t\r\n\f\v")
_STRIP: Final = " \t\r\n\f\v"
_TIME_FORMAT: Final = re.compile(r"r|w?[dD]?[tT]?")


def _byte_offset(text: str, index: int) -> int:
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
class _OpenTag:
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
    where = f'the tag "{tag}" at byte offset {_byte_offset(src, begin)}'
    while True:
        while i < n and src[i] in _SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(
                f'Unclosed start tag "{tag}" at byte offset {_byte_offset(src, begin)}'
            )
        if src[i] == ">":
            return attrs, i
        name_start = i
        while i < n and src[i] not in _SPACE and src[i] not in "=>":
            i += 1
        name = src[name_start:i].lower()
        if not name:
            raise EntityParseError(f"Empty attribute name in {where}")
        while i < n and src[i] in _SPACE:
            i += 1
        if i >= n or src[i] != "=":
            if tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            raise EntityParseError(
                f"Expected equal sign in declaration of an attribute of {where}"
            )
        i += 1
        while i < n and src[i] in _SPACE:
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        if src[i] in "'\"":
            quote = src[i]
            end = src.find(quote, i + 1)
            if end < 0:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(src, begin)}"
                )
            raw_value = src[i + 1 : end]
            value = _HTML_ENTITY.sub(lambda m: _decode_entity(m) or m.group(0), raw_value)
            i = end + 1
        else:
            token_start = i
            while i < n and (src[i].isalnum() or src[i] in ".-"):
                i += 1
            value = src[token_start:i].lower()
            if i < n and src[i] not in _SPACE and src[i] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(src, token_start)}"
                )
        attrs[name] = value


def _normalize_url(url: str) -> str | None:
    """Telegram's link check: http(s)/tg/ton links kept (bare domains get http://), else None."""
    url = url.strip()
    if not url or any(c in _SPACE for c in url):
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


def _tg_user_id(url: str) -> int | None:
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
    stack: list[_OpenTag] = []
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
                    f'Unescaped "&" at byte offset {_byte_offset(src, j)}: only &lt; &gt; '
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
        while k < n and src[k] not in _SPACE and src[k] != ">":
            k += 1
        if k >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(src, j)}")
        tag = src[j + 1 : k].lower()
        if tag not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(src, j)}'
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
                    f'Tag "span" must have class "tg-spoiler" at byte offset '
                    f"{_byte_offset(src, j)}"
                )
        elif tag == "tg-emoji":
            argument = attrs.get("emoji-id", "")
        elif tag == "tg-time":
            argument, extra = attrs.get("unix", ""), attrs.get("format", "")
        elif tag == "blockquote":
            argument = "expandable" if "expandable" in attrs else ""
        stack.append(_OpenTag(tag, argument, offset, len(out), _byte_offset(src, j), extra))
        i = k + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return _finish("".join(out), entities)


def _html_end_tag(
    src: str, j: int, stack: list[_OpenTag], entities: list[JSON], offset: int, out: list[str]
) -> int:
    """Close the innermost open tag at ``src[j:]`` (``</...>``); returns the index after it."""
    n = len(src)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(src, j)}")
    k = j + 2
    while k < n and src[k] not in _SPACE and src[k] != ">":
        k += 1
    name = src[j + 2 : k].lower()
    while k < n and src[k] in _SPACE:
        k += 1
    if k >= n or src[k] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(src, j)}")
    top = stack.pop()
    if name and name != top.tag:
        raise EntityParseError(
            f'Unmatched end tag at byte offset {_byte_offset(src, j)}, expected "</{top.tag}>", '
            f'found "</{name}>"'
        )
    length = offset - top.offset
    if length > 0:
        entity = _html_entity(top, length, "".join(out[top.start_index :]), entities)
        if entity is not None:
            entities.append(entity)
    return k + 1


def _html_entity(top: _OpenTag, length: int, inner: str, entities: list[JSON]) -> JSON | None:
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
        user_id = _tg_user_id(url)
        if user_id is not None:
            return {
                "type": "text_mention",
                "offset": top.offset,
                "length": length,
                "user": {"id": user_id, "is_bot": False, "first_name": "User"},
            }
        normalized = _normalize_url(url)
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


def _finish(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip surrounding whitespace like Telegram and clip the entities to what remains."""
    for entity in entities:
        entity.pop("_lang", None)
    stripped = text.strip(_STRIP)
    if stripped != text:
        left = utf16_len(text[: len(text) - len(text.lstrip(_STRIP))])
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
    stack: list[_OpenTag] = []
    entities: list[JSON] = []
    quote: _OpenTag | None = None
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
                    quote = _OpenTag("blockquote", kind, offset, len(out), _byte_offset(src, i))
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
                        f"Can't find end of a url at byte offset {_byte_offset(src, i)}"
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
    return _finish("".join(out), entities)


def _close_quote(quote: _OpenTag, offset: int, out: list[str], entities: list[JSON]) -> None:
    end = offset - (1 if out and out[-1].endswith("\n") else 0)
    if end > quote.offset:
        kind = "expandable_blockquote" if quote.argument else "blockquote"
        entities.append({"type": kind, "offset": quote.offset, "length": end - quote.offset})


def _md2_open(src: str, i: int, stack: list[_OpenTag], offset: int, index: int) -> int:
    c = src[i]
    nxt = src[i + 1] if i + 1 < len(src) else ""
    pos = _byte_offset(src, i)
    if c == "_" and nxt == "_":
        stack.append(_OpenTag("underline", "", offset, index, pos))
        return i + 2
    simple = {"_": "italic", "*": "bold", "~": "strikethrough", "[": "text_link"}.get(c)
    if simple is not None:
        stack.append(_OpenTag(simple, "", offset, index, pos))
        return i + 1
    if c == "|" and nxt == "|":
        stack.append(_OpenTag("spoiler", "", offset, index, pos))
        return i + 2
    if c == "!" and nxt == "[":
        stack.append(_OpenTag("custom_emoji", "", offset, index, pos))
        return i + 2
    if c == "`":
        if src.startswith("```", i):
            j = i + 3
            end = src.find("\n", j)
            language = ""
            if end >= 0 and src[j:end] and not any(ch in _SPACE for ch in src[j:end]):
                language, j = src[j:end], end + 1
            elif end == j:
                j = end + 1
            stack.append(_OpenTag("pre", language, offset, index, pos))
            return j
        stack.append(_OpenTag("code", "", offset, index, pos))
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
    user_id = _tg_user_id(url)
    if user_id is not None:
        return {
            **entity,
            "type": "text_mention",
            "user": {"id": user_id, "is_bot": False, "first_name": "User"},
        }
    normalized = _normalize_url(url)
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
                f"Can't find end of the entity starting at byte offset {_byte_offset(src, begin)}"
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
                        f"Can't find end of a url at byte offset {_byte_offset(src, i)}"
                    )
                url, i = src[i + 1 : close], close + 1
            normalized = _normalize_url(url)
            entity["url"] = normalized or ""
            if normalized is None:
                entity = {}
        out.append(body)
        offset += utf16_len(body)
        if entity and entity["length"] > 0:
            entities.append(entity)
    return _finish("".join(out), entities)


def format_text(
    raw: str, parse_mode: str | None, entities: list[JSON] | None
) -> tuple[str, list[JSON]]:
    """Plain text + entities of a text/caption parameter, or ApiError like Telegram's."""
    try:
        raw.encode("utf-8")
    except UnicodeEncodeError:
        raise _bad("text must be encoded in UTF-8") from None
    if entities is not None:
        total = utf16_len(raw)
        for entity in entities:
            if entity.get("offset", 0) + entity.get("length", 0) > total:
                raise _bad("entity beyond the end of the text")
        return _finish(raw, [dict(e) for e in entities])
    if not parse_mode:
        return _finish(raw, [])
    mode = parse_mode.lower()
    parser = {"html": parse_html, "markdownv2": parse_markdown_v2, "markdown": parse_markdown}
    if mode not in parser:
        raise _bad(f"unsupported parse_mode {parse_mode!r}")
    try:
        return parser[mode](raw)
    except EntityParseError as exc:
        raise _bad(f"can't parse entities: {exc}") from None


# --------------------------------------------------------------------------------------------
# Telegram's runtime limits beyond the spec's types
# --------------------------------------------------------------------------------------------

_BUTTON_PASSIVE: Final = frozenset({"text", "icon_custom_emoji_id", "style"})
_BUTTON_STYLES: Final = frozenset({"danger", "success", "primary"})
_BUTTON_URL_SCHEMES: Final = frozenset({"http", "https", "tg"})
_COMMAND_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE: Final = re.compile(r"[a-z]{2}")
_CHAT_ACTIONS: Final = frozenset(
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
_STRING_LIMITS: Final = {
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
        or any(c in _SPACE for c in url)
        or (scheme != "tg" and not parts.netloc)
    ):
        raise _bad(f"BUTTON_URL_INVALID: {where}.url {url!r} must be an http, https or tg link")


def check_inline_keyboard(markup: JSON, path: str = "reply_markup") -> None:
    """Telegram's rules for inline buttons that the spec states only in prose."""
    rows = markup.get("inline_keyboard") or []
    for r, row in enumerate(rows):
        for c, button in enumerate(row):
            where = f"{path}.inline_keyboard[{r}][{c}]"
            if not str(button.get("text", "")).strip():
                raise _bad(f"BUTTON_TEXT_INVALID: {where}.text must be non-empty")
            actions = sorted(k for k in button if k not in _BUTTON_PASSIVE)
            if not actions:
                raise _bad(f"text buttons are unallowed in the inline keyboard ({where})")
            if len(actions) > 1:
                raise _bad(
                    f"can't parse inline keyboard button: {where} must use exactly one of the "
                    f"optional fields, got {', '.join(actions)}"
                )
            style = button.get("style")
            if style is not None and style not in _BUTTON_STYLES:
                raise _bad(f"BUTTON_STYLE_INVALID: {where}.style {style!r}")
            if "callback_data" in button:
                size = len(str(button["callback_data"]).encode("utf-8"))
                if not 1 <= size <= CALLBACK_DATA_LIMIT:
                    raise _bad(
                        f"BUTTON_DATA_INVALID: {where}.callback_data is {size} bytes, "
                        f"must be 1-{CALLBACK_DATA_LIMIT}"
                    )
            if "url" in button:
                _check_button_url(str(button["url"]), where)
            if "copy_text" in button:
                size = len(str(button["copy_text"].get("text", "")))
                if not 1 <= size <= COPY_TEXT_LIMIT:
                    raise _bad(
                        f"COPY_TEXT_INVALID: {where}.copy_text.text has {size} characters, "
                        f"must be 1-{COPY_TEXT_LIMIT}"
                    )
            web_app = button.get("web_app")
            if isinstance(web_app, dict) and not str(web_app.get("url", "")).startswith(
                "https://"
            ):
                raise _bad(f"BUTTON_URL_INVALID: {where}.web_app.url must be an HTTPS link")


def check_reply_markup(markup: Any) -> None:
    if not isinstance(markup, dict):
        return
    if "inline_keyboard" in markup:
        check_inline_keyboard(markup)
    for r, row in enumerate(markup.get("keyboard") or []):
        for c, button in enumerate(row):
            text = button if isinstance(button, str) else button.get("text", "")
            if not str(text).strip():
                raise _bad(f"BUTTON_TEXT_INVALID: reply_markup.keyboard[{r}][{c}] is empty")


def check_commands(params: JSON) -> None:
    commands = params.get("commands") or []
    if len(commands) > 100:
        raise _bad("BOT_COMMANDS_TOO_MUCH: at most 100 commands are allowed")
    for i, command in enumerate(commands):
        name = str(command.get("command", ""))
        if not _COMMAND_RE.fullmatch(name):
            raise _bad(
                f"BOT_COMMAND_INVALID: commands[{i}].command {name!r} must be 1-32 characters "
                "of a-z, 0-9 and _"
            )
        size = len(str(command.get("description", "")))
        if not 1 <= size <= 256:
            raise _bad(
                f"BOT_COMMAND_DESCRIPTION_INVALID: commands[{i}].description has {size} "
                "characters, must be 1-256"
            )
    _check_language(params)


def _check_language(params: JSON) -> None:
    code = params.get("language_code")
    if code and not _LANGUAGE_RE.fullmatch(str(code)):
        raise _bad(f"LANG_CODE_INVALID: language_code {code!r} must be two lowercase letters")


def _check_webhook(params: JSON) -> None:
    url = str(params.get("url", ""))
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if parts.port not in (None, 80, 88, 443, 8443):
            raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    token = params.get("secret_token")
    if token is not None and not _SECRET_TOKEN_RE.fullmatch(str(token)):
        raise _bad("bad webhook: secret token contains unallowed characters")


def _image_size(data: bytes) -> tuple[int, int] | None:
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


def _is_image(data: bytes) -> bool:
    return (
        data[:8] == b"\x89PNG\r\n\x1a\n"
        or data[:2] == b"\xff\xd8"
        or data[:6] in (b"GIF87a", b"GIF89a")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        or data[:2] == b"BM"
    )


# --------------------------------------------------------------------------------------------
# Simulated users
# --------------------------------------------------------------------------------------------


def _find_button(messages: Sequence[SentMessage], text: str) -> tuple[SentMessage, JSON]:
    """Exact label match in the newest message that has one, else a unique substring match."""
    for message in reversed(messages):
        for row in message.buttons:
            for button in row:
                if button.get("text") == text:
                    return message, button
    for message in reversed(messages):
        hits = [b for row in message.buttons for b in row if text in str(b.get("text", ""))]
        if len(hits) == 1:
            return message, hits[0]
        if len(hits) > 1:
            labels = ", ".join(repr(b.get("text")) for b in hits)
            raise AssertionError(
                f"button {text!r} is ambiguous in message {message.message_id}: {labels}"
            )
    available = [
        f"#{m.message_id}: {', '.join(repr(t) for t in m.button_texts)}"
        for m in messages
        if m.buttons
    ]
    raise AssertionError(
        f"no inline button {text!r}; available buttons: "
        + ("; ".join(available) if available else "none")
    )


class FakeUser:
    """A Telegram user in a private chat with the bot, driven by the test."""

    def __init__(
        self,
        fake: FakeTelegram,
        user_id: int,
        first_name: str = "Ann",
        language_code: str | None = "en",
        deliver: Deliver | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> None:
        self.fake = fake
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.last_name = last_name
        self.username = username
        self.deliver = deliver
        self.last_answer: JSON | None = None

    @property
    def chat_id(self) -> int:
        return self.id

    def as_user(self) -> JSON:
        """The ``User`` object Telegram puts in ``from``."""
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def as_chat(self) -> JSON:
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    @property
    def messages(self) -> list[SentMessage]:
        return self.fake.messages(self.id)

    @property
    def last(self) -> SentMessage | None:
        """The most recent bot message in this user's chat."""
        return self.fake.last_message(self.id)

    def _message(self, **content: Any) -> JSON:
        message: JSON = {
            "message_id": self.fake._next_message_id(self.id),
            "from": self.as_user(),
            "chat": self.as_chat(),
            "date": int(time.time()),
        }
        message.update(content)
        self.fake._user_messages.setdefault(self.id, {})[message["message_id"]] = message
        return message

    async def send(self, text: str) -> list[SentMessage]:
        """Type ``text``; a leading ``/command`` gets its bot_command entity (deep links too)."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = re.split(r"\s", text, maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return await self.deliver_update({"message": self._message(**content)})

    async def send_sticker(self, emoji: str = "👍") -> list[SentMessage]:
        file_id = self.fake._store_file(b"RIFF\x00\x00\x00\x00WEBP", "sticker.webp", "image/webp")
        sticker = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self.deliver_update({"message": self._message(sticker=sticker)})

    async def send_photo(self, caption: str | None = None) -> list[SentMessage]:
        file_id = self.fake._store_file(_TINY_PNG, "photo.png", "image/png")
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 1,
                "height": 1,
                "file_size": len(_TINY_PNG),
            }
        ]
        content: JSON = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return await self.deliver_update({"message": self._message(**content)})

    def button(self, text: str, message: SentMessage | None = None) -> JSON:
        """The inline button dict labelled ``text`` (url/copy_text buttons included)."""
        return _find_button([message] if message else self.messages, text)[1]

    async def click(
        self, button_text: str, message: SentMessage | None = None
    ) -> list[SentMessage]:
        """Press a callback button in ``message`` or the newest bot message that has it."""
        found, button = _find_button([message] if message else self.messages, button_text)
        if "callback_data" not in button:
            kinds = ", ".join(k for k in button if k not in _BUTTON_PASSIVE)
            raise AssertionError(
                f"button {button.get('text')!r} is a {kinds} button, not a callback button; "
                "use user.button(text) to assert on it"
            )
        if not any(m is found for m in self.fake.chats.get(self.id, [])):
            raise AssertionError(f"message {found.message_id} was deleted; cannot click it")
        return await self._callback(str(button["callback_data"]), copy.deepcopy(found.message))

    async def click_data(self, data: str, message_id: int) -> list[SentMessage]:
        """Send callback ``data`` for ``message_id`` directly (stale or forged buttons)."""
        stored = self.fake._find_message(self.id, message_id)
        if stored is not None:
            message = copy.deepcopy(stored.message)
        else:
            message = {"chat": self.as_chat(), "message_id": message_id, "date": 0}
        return await self._callback(data, message)

    async def _callback(self, data: str, message: JSON) -> list[SentMessage]:
        query_id = self.fake._new_callback(self.id, self.id)
        update = {
            "callback_query": {
                "id": query_id,
                "from": self.as_user(),
                "message": message,
                "chat_instance": f"ci{self.id}",
                "data": data,
            }
        }
        result = await self.deliver_update(update)
        record = self.fake.callback_queries[query_id]
        self.last_answer = record.answer
        return result

    async def block(self, notify: bool = True) -> list[SentMessage]:
        """Block the bot: later sends get 403; optionally deliver the my_chat_member update."""
        self.fake.blocked_chats.add(self.id)
        if not notify:
            return []
        bot_user = self.fake.bot_user
        return await self.deliver_update(
            {
                "my_chat_member": {
                    "chat": self.as_chat(),
                    "from": self.as_user(),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": bot_user},
                    "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0},
                }
            }
        )

    async def deliver_update(self, update: JSON, within: float = 5.0) -> list[SentMessage]:
        """Deliver any update; returns the bot messages sent or edited in this chat meanwhile."""
        fake = self.fake
        update = {"update_id": fake.next_update_id(), **update}
        before = fake._seq
        deliver = self.deliver or fake.deliver
        if deliver is not None:
            await deliver(update)
        else:
            fake.push_update(update)
            await fake._wait_fetched(update["update_id"], within)
            await fake.settle(within=within)
        return fake.changes_since(self.id, before)


_TINY_PNG: Final = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5c4a6d90000000049454e44ae426082"
)

# Media send methods: message key of the stub and the parameter holding the file.
_MEDIA: Final = {
    "sendDocument": ("document", "document"),
    "sendPhoto": ("photo", "photo"),
    "sendAudio": ("audio", "audio"),
    "sendVideo": ("video", "video"),
    "sendAnimation": ("animation", "animation"),
    "sendVoice": ("voice", "voice"),
    "sendVideoNote": ("video_note", "video_note"),
    "sendSticker": ("sticker", "sticker"),
}
_NO_RATE_LIMIT: Final = frozenset({"sendChatAction"})


def _is_send(method: str) -> bool:
    return (method.startswith("send") and method not in _NO_RATE_LIMIT) or method in (
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
    )


def _is_chat_write(method: str) -> bool:
    return method.startswith(("send", "edit", "copy", "forward"))


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeTelegram:
    """Bot API look-alike on 127.0.0.1 that validates, records, injects faults and plays users.

    State is plain attributes so tests can assert on it directly: ``calls``, ``errors``,
    ``chats``, ``faults_served``, ``send_times``, ``blocked_chats``, ``rate_limit_per_second``.
    Calls that time out on the client side still take effect, as they may with real Telegram.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        validate: bool = True,
        bot_user: JSON | None = None,
        callback_answer_timeout: float | None = 15.0,
        spec_path: Path = SPEC_PATH,
    ) -> None:
        self.token = token
        self.validate = validate
        self.bot_user: JSON = dict(bot_user or BOT_USER)
        self.callback_answer_timeout = callback_answer_timeout
        self.spec: ApiSpec = ApiSpec.load(spec_path)
        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.rejections: list[Rejection] = []
        self.faults_served: list[ServedFault] = []
        self.chats: dict[int, list[SentMessage]] = {}
        self.blocked_chats: set[int] = set()
        self.rate_limit_per_second: int | None = None
        self.global_rate_limit_per_second: int | None = None
        self.send_times: list[float] = []
        self.callback_queries: dict[str, _CallbackRecord] = {}
        self.files: dict[str, UploadedFile] = {}
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.webhook: JSON = {"url": ""}
        self.deliver: Deliver | None = None
        self.users: dict[int, FakeUser] = {}
        self._faults: list[_Fault] = []
        self._delays: list[_Delay] = []
        self._chat_send_times: dict[int, deque[float]] = {}
        self._all_send_times: deque[float] = deque()
        self._message_ids: dict[int, int] = {}
        self._user_messages: dict[int, dict[int, JSON]] = {}
        self._channel_ids: dict[str, int] = {}
        self._updates: list[JSON] = []
        self._fetched_upto = 0
        self._updates_changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._seq = 0
        self._last_activity = time.monotonic()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._host = "127.0.0.1"

    # ---- lifecycle ------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on ``host:port`` (0 picks a free port; see ``base_url``)."""
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self._host = host
        self._port = int(sock.getsockname()[1])
        self._closing.clear()

    async def stop(self) -> None:
        """Wake long polls and delayed calls, then close the server."""
        self._closing.set()
        self._updates_changed.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """``http://host:port``; build the bot with ``base_url(f"{fake.base_url}/bot")``."""
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self._host}:{self._port}"

    @property
    def file_base_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` so downloads hit the fake."""
        return f"{self.base_url}/file/bot"

    # ---- helpers for tests ----------------------------------------------------------------

    def messages(self, chat_id: int) -> list[SentMessage]:
        return list(self.chats.get(chat_id, []))

    def last_message(self, chat_id: int) -> SentMessage | None:
        chat = self.chats.get(chat_id)
        return chat[-1] if chat else None

    def calls_to(self, method: str) -> list[Call]:
        name = self.spec.method_names.get(method.lower(), method)
        return [c for c in self.calls if c.method == name]

    def reset_calls(self) -> None:
        """Forget recorded calls, errors, faults and send times (chats are kept)."""
        self.calls.clear()
        self.errors.clear()
        self.rejections.clear()
        self.faults_served.clear()
        self.send_times.clear()

    def unanswered_callbacks(self) -> list[str]:
        """Callback query ids the bot never answered (Telegram shows a spinner for those)."""
        return [qid for qid, rec in self.callback_queries.items() if rec.answer is None]

    def user(
        self,
        user_id: int,
        first_name: str = "Ann",
        language_code: str | None = "en",
        deliver: Deliver | None = None,
        **kwargs: Any,
    ) -> FakeUser:
        """A simulated user; without ``deliver`` its updates go through getUpdates."""
        user = FakeUser(self, user_id, first_name, language_code, deliver, **kwargs)
        self.users[user_id] = user
        return user

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def push_update(self, data: JSON) -> int:
        """Queue an update for getUpdates (a real polling loop); returns its update_id."""
        if "update_id" not in data:
            data = {"update_id": self.next_update_id(), **data}
        self._updates.append(data)
        self._updates_changed.set()
        return int(data["update_id"])

    def fail(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        status: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        applied: bool = False,
    ) -> None:
        """Make the next ``times`` matching calls (``"*"`` = any method) return an error.

        ``status=0`` drops the connection without a response (PTB raises NetworkError).
        ``applied=True`` still performs the call (the message lands) before answering with
        the error: the "sent but the client never heard back" case that causes duplicates.
        """
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after
            description = description or f"Too Many Requests: retry after {retry_after}"
        else:
            description = description or _DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        self._faults.append(
            _Fault(
                self._canonical(method), chat_id, status, description, retry_after, times, applied
            )
        )

    def delay(
        self, method: str, seconds: float, *, chat_id: int | str | None = None, times: int = 1
    ) -> None:
        """Make the next ``times`` matching calls sleep ``seconds`` before being handled."""
        self._delays.append(_Delay(self._canonical(method), chat_id, seconds, times))

    def changes_since(self, chat_id: int, seq: int) -> list[SentMessage]:
        """Bot messages in ``chat_id`` created or edited after change counter ``seq``."""
        return sorted((m for m in self.chats.get(chat_id, []) if m.seq > seq), key=lambda m: m.seq)

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        within: float = 2.0,
    ) -> SentMessage:
        """Wait for a (matching) bot message in ``chat_id``; for bots that reply in the
        background instead of inside the update handler."""
        deadline = time.monotonic() + within
        while True:
            for message in reversed(self.chats.get(chat_id, [])):
                if predicate is None or predicate(message):
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no matching bot message in chat {chat_id} after {within}s")
            await asyncio.sleep(0.01)

    async def settle(self, quiet: float = 0.05, within: float = 5.0) -> None:
        """Wait (at most ``within`` s) until the bot has made no API call for ``quiet`` s."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            idle = time.monotonic() - self._last_activity
            if idle >= quiet:
                return
            await asyncio.sleep(quiet - idle)

    # ---- internals shared with FakeUser ---------------------------------------------------

    def _canonical(self, method: str) -> str:
        if method == "*":
            return method
        name = self.spec.method_names.get(method.lower())
        if name is None:
            raise ValueError(f"unknown Bot API method {method!r}")
        return name

    def _next_message_id(self, chat_id: int) -> int:
        value = self._message_ids.get(chat_id, 0) + 1
        self._message_ids[chat_id] = value
        return value

    def _store_file(self, data: bytes, filename: str, mime: str) -> str:
        file_id = f"fake-file-{next(self._file_ids)}"
        self.files[file_id] = UploadedFile(file_id, filename, mime, data)
        return file_id

    def _new_callback(self, user_id: int, chat_id: int | None) -> str:
        query_id = str(1_000_000 + next(self._callback_ids))
        self.callback_queries[query_id] = _CallbackRecord(user_id, chat_id, time.monotonic())
        return query_id

    def _find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        for message in reversed(self.chats.get(chat_id, [])):
            if message.message_id == message_id:
                return message
        return None

    async def _wait_fetched(self, update_id: int, within: float) -> None:
        deadline = time.monotonic() + within
        while self._fetched_upto < update_id:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"update {update_id} was not fetched via getUpdates "
                    f"within {within}s; is the bot polling?"
                )
            await asyncio.sleep(0.005)

    def _chat_key(self, chat_id: Any) -> int:
        """Numeric chat id; ``@channel`` usernames map to stable synthetic channel ids."""
        if isinstance(chat_id, int):
            return chat_id
        text = str(chat_id)
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if text not in self._channel_ids:
            self._channel_ids[text] = -1_000_000_000_000 - len(self._channel_ids) - 1
        return self._channel_ids[text]

    def _chat_dict(self, chat_id: int) -> JSON:
        for name, cid in self._channel_ids.items():
            if cid == chat_id:
                return {
                    "id": cid,
                    "type": "channel",
                    "title": name.lstrip("@"),
                    "username": name.lstrip("@"),
                }
        if chat_id > 0:
            user = self.users.get(chat_id)
            return (
                user.as_chat()
                if user
                else {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
            )
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}

    # ---- HTTP -----------------------------------------------------------------------------

    @staticmethod
    def _json(payload: Any, status: int = 200) -> web.Response:
        return web.Response(
            body=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            status=status,
            content_type="application/json",
        )

    async def _handle_file(self, request: web.Request) -> web.Response:
        stored = self.files.get(request.match_info["path"].rsplit("/", 1)[-1])
        if stored is None:
            return self._json({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
        return web.Response(body=stored.data, content_type=stored.content_type)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self._last_activity = time.monotonic()
        if self.token is not None and request.match_info["token"] != self.token:
            error = ApiError(401, "Unauthorized")
            self._reject(request.match_info["method"], {}, error)
            return self._json(error.payload(), 401)
        raw_name = request.match_info["method"]
        name = self.spec.method_names.get(raw_name.lower())
        if name is None:
            error = ApiError(404, "Not Found")
            self._reject(raw_name, {}, error)
            return self._json(error.payload(), 404)
        params: JSON = {}
        try:
            method = self.spec.method(name)
            params, files = await self._read_params(request, method)
            prepared = self._check(method, params, files)
        except ApiError as error:
            self._reject(name, params, error)
            return self._json(error.payload(), error.status)

        delay = self._take(self._delays, name, params)
        if delay is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), delay.seconds)
        fault: _Fault | None = self._take(self._faults, name, params)
        fault_error: ApiError | None = None
        if fault is not None:
            parameters = {"retry_after": fault.retry_after} if fault.status == 429 else None
            fault_error = ApiError(fault.status, fault.description, parameters)
            if not fault.applied:
                return self._serve_fault(request, name, params, fault_error, "fail")
        if (
            self.blocked_chats
            and _is_chat_write(name)
            and "chat_id" in params
            and self._chat_key(params["chat_id"]) in self.blocked_chats
        ):
            return self._serve_fault(request, name, params, ApiError(403, BLOCKED), "blocked")
        is_send = _is_send(name)
        now = time.monotonic()
        send_key: int | None = None
        if is_send and "chat_id" in params:
            send_key = self._chat_key(params["chat_id"])
            limited = self._rate_limited(send_key, now)
            if limited is not None:
                return self._serve_fault(request, name, params, limited, "rate_limit")
        try:
            result = self._execute(method, params, files, prepared)
        except ApiError as error:
            self._reject(name, params, error)
            return self._json(error.payload(), error.status)
        if name == "getUpdates" and result is None:
            result = await self._long_poll(params)
        if is_send:
            self.send_times.append(now)
            self._all_send_times.append(now)
            if send_key is not None:
                self._chat_send_times.setdefault(send_key, deque()).append(now)
        self.calls.append(Call(name, params, files, now, result))
        self._last_activity = time.monotonic()
        if fault_error is not None:
            return self._serve_fault(request, name, params, fault_error, "fail_applied")
        return self._json({"ok": True, "result": result})

    def _take(self, items: list[Any], method: str, params: JSON) -> Any:
        """Consume one matching fault/delay, if any."""
        for item in items:
            if item.method not in ("*", method):
                continue
            if item.chat_id is not None and params.get("chat_id") not in (
                item.chat_id,
                str(item.chat_id),
            ):
                continue
            item.remaining -= 1
            if item.remaining <= 0:
                items.remove(item)
            return item
        return None

    def _serve_fault(
        self, request: web.Request, method: str, params: JSON, error: ApiError, reason: str
    ) -> web.Response:
        self.faults_served.append(
            ServedFault(method, params, error.status, error.description, time.monotonic(), reason)
        )
        if error.status == 0:
            if request.transport is not None:
                request.transport.close()  # client sees "Server disconnected"
            return web.Response()
        return self._json(error.payload(), error.status)

    def _reject(self, method: str, params: JSON, error: ApiError) -> None:
        self.errors.append(f"{method}: {error.description}")
        self.rejections.append(
            Rejection(method, params, error.status, error.description, time.monotonic())
        )

    def _rate_limited(self, chat_id: int, now: float) -> ApiError | None:
        checks: list[tuple[deque[float], int]] = []
        if self.rate_limit_per_second is not None:
            times = self._chat_send_times.get(chat_id)
            if times is not None:
                checks.append((times, self.rate_limit_per_second))
        if self.global_rate_limit_per_second is not None:
            checks.append((self._all_send_times, self.global_rate_limit_per_second))
        for times, limit in checks:
            while times and now - times[0] >= 1.0:  # same test as max_in_any_window
                times.popleft()
            if len(times) >= limit:
                return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        return None

    async def _read_params(
        self, request: web.Request, method: MethodSpec
    ) -> tuple[JSON, dict[str, UploadedFile]]:
        """Decode JSON, query string, urlencoded or multipart into typed params + files."""
        files: dict[str, UploadedFile] = {}
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise _bad("can't parse JSON body") from None
            if not isinstance(body, dict):
                raise _bad("JSON body must be an object")
            return {k: v for k, v in body.items() if v is not None}, files
        params: JSON = {}
        sources: list[Any] = [request.query]
        if request.method == "POST" and request.can_read_body:
            sources.append(await request.post())
        for source in sources:
            for key, value in source.items():
                if key in params:
                    continue
                if isinstance(value, str):
                    spec = method.fields.get(key)
                    params[key] = value if spec is None else self._decode(value, spec)
                else:  # aiohttp FileField
                    upload = UploadedFile(
                        key,
                        value.filename or key,
                        value.content_type or "application/octet-stream",
                        value.file.read(),
                    )
                    files[key] = upload
                    if key in method.fields:
                        params[key] = upload  # the checker decides whether a file is allowed
        return params, files

    @staticmethod
    def _decode(value: str, spec: FieldSpec) -> Any:
        kind = spec.form
        if kind == _RAW:
            return value
        if kind == _INT_STR:
            try:
                return int(value)
            except ValueError:
                return value
        if kind == _INT:
            try:
                return int(value)
            except ValueError:
                raise _bad(f'parameter "{spec.name}" must be of type Integer') from None
        if kind == _FLOAT:
            try:
                return float(value)
            except ValueError:
                raise _bad(f'parameter "{spec.name}" must be of type Float') from None
        if kind == _BOOL:
            if value in _TRUE_STRINGS:
                return True
            if value in _FALSE_STRINGS:
                return False
            raise _bad(f'parameter "{spec.name}" must be of type Boolean')
        try:
            decoded = json.loads(value)
        except ValueError:
            if "String" in spec.types:
                return value
            raise _bad(f'can\'t parse parameter "{spec.name}": invalid JSON') from None
        if "String" in spec.types and not isinstance(decoded, dict | list):
            return value
        return decoded

    # ---- validation -----------------------------------------------------------------------

    def _check(self, method: MethodSpec, params: JSON, files: dict[str, UploadedFile]) -> JSON:
        """Spec + Telegram-limit checks; returns pre-parsed text/caption for execution."""
        name = method.name
        if self.validate:
            fields = method.fields
            for key, value in params.items():
                spec = fields.get(key)
                if spec is None:
                    raise _bad(f'unknown parameter "{key}" for method {name}')
                try:
                    spec.check(value, key, 0)
                except _Invalid as exc:
                    raise _bad(exc.message) from None
            for key in method.required:
                if key not in params:
                    raise _bad(f'required parameter "{key}" is missing for method {name}')
            for value in params.values():
                if (
                    isinstance(value, str)
                    and value.startswith("attach://")
                    and (value[len("attach://") :] not in files)
                ):
                    raise _bad(f'file "{value}" is not attached to the request')
        prepared: JSON = {}
        if "text" in params and method.has("parse_mode") and isinstance(params["text"], str):
            text, entities = self._format(
                params["text"], params.get("parse_mode"), params.get("entities")
            )
            size = utf16_len(text)
            if self.validate and size == 0:
                raise _bad("message text is empty")
            if self.validate and size > TEXT_LIMIT:
                raise _bad(
                    f"message is too long ({size} > {TEXT_LIMIT} UTF-16 code units "
                    "after entity parsing)"
                )
            prepared["text"] = (text, entities)
        elif name == "editMessageText" and "rich_message" not in params and self.validate:
            raise _bad("message text is empty")
        if "caption" in params and isinstance(params["caption"], str):
            caption, entities = self._format(
                params["caption"], params.get("parse_mode"), params.get("caption_entities")
            )
            size = utf16_len(caption)
            if self.validate and size > CAPTION_LIMIT:
                raise _bad(
                    f"message caption is too long ({size} > {CAPTION_LIMIT} UTF-16 "
                    "code units after entity parsing)"
                )
            prepared["caption"] = (caption, entities)
        if not self.validate:
            return prepared
        if "reply_markup" in params:
            check_reply_markup(params["reply_markup"])
        for (limited, key), (low, high) in _STRING_LIMITS.items():
            if limited == name and key in params:
                size = len(str(params[key]))
                if not low <= size <= high:
                    raise _bad(f"{key} must be {low}-{high} characters, got {size}")
        if name == "setMyCommands":
            check_commands(params)
        elif name in ("getMyCommands", "deleteMyCommands"):
            _check_language(params)
        elif name == "sendChatAction" and params.get("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        elif name == "setWebhook":
            _check_webhook(params)
        if (
            name.startswith("edit")
            and "inline_message_id" not in params
            and (method.has("chat_id") and ("chat_id" not in params or "message_id" not in params))
        ):
            raise _bad("message identifier is not specified")
        return prepared

    def _format(self, raw: str, parse_mode: Any, entities: Any) -> tuple[str, list[JSON]]:
        if not self.validate:
            try:
                return format_text(raw, parse_mode, entities)
            except ApiError:
                return raw, []
        return format_text(raw, parse_mode, entities)

    # ---- execution ------------------------------------------------------------------------

    def _execute(
        self, method: MethodSpec, params: JSON, files: dict[str, UploadedFile], prepared: JSON
    ) -> Any:
        name = method.name
        handler = _HANDLERS.get(name)
        if handler is not None:
            return handler(self, params, files, prepared)
        if name.startswith("send") and "Message" in method.returns:
            return self._send(name, params, files, prepared).message
        if name.startswith("edit") and "Message" in method.returns:
            return self._edit(name, params, prepared)
        returns = method.returns
        if returns[0] == "Boolean" or returns[0] == "True":
            return True
        return self.spec.sample(returns[0])

    def _new_seq(self) -> int:
        self._seq += 1
        return self._seq

    def _send(
        self, name: str, params: JSON, files: dict[str, UploadedFile], prepared: JSON
    ) -> SentMessage:
        chat_id = self._chat_key(params["chat_id"])
        message_id = self._next_message_id(chat_id)
        date = int(time.time())
        message: JSON = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": self._chat_dict(chat_id),
            "date": date,
        }
        html: str | None = None
        text: str | None = None
        entities: list[JSON] = []
        if "text" in prepared:
            html = params.get("text")
            text, entities = prepared["text"]
            message["text"] = text
            if entities:
                message["entities"] = entities
        elif "caption" in prepared:
            html = params["caption"]
            text, entities = prepared["caption"]
            if text:
                message["caption"] = text
            if entities:
                message["caption_entities"] = entities
        sent = SentMessage(
            chat_id=chat_id,
            message_id=message_id,
            method=name,
            html=html,
            text=text,
            parse_mode=params.get("parse_mode"),
            entities=entities,
            buttons=[],
            reply_markup=None,
            date=date,
            message=message,
        )
        self._apply_markup(sent, params.get("reply_markup"))
        if name in _MEDIA:
            self._attach_media(sent, name, params)
        elif name in ("sendLocation", "sendVenue"):
            location = {
                "latitude": params.get("latitude", 0.0),
                "longitude": params.get("longitude", 0.0),
            }
            message["location"] = location
            if name == "sendVenue":
                message["venue"] = {
                    "location": location,
                    "title": params.get("title", ""),
                    "address": params.get("address", ""),
                }
        elif name == "sendContact":
            message["contact"] = {
                "phone_number": params.get("phone_number", ""),
                "first_name": params.get("first_name", ""),
            }
        elif name == "sendPoll":
            poll = self.spec.sample("Poll")
            option = self.spec.sample("PollOption")
            poll["question"] = params.get("question", "")
            poll["options"] = [
                {**option, "text": o.get("text", "") if isinstance(o, dict) else str(o)}
                for o in params.get("options", [])
            ]
            message["poll"] = poll
        elif name == "sendDice":
            message["dice"] = {"emoji": params.get("emoji", "🎲"), "value": 1}
        sent.seq = self._new_seq()
        self.chats.setdefault(chat_id, []).append(sent)
        return sent

    def _apply_markup(self, sent: SentMessage, markup: Any) -> None:
        """Inline keyboards are echoed in the Message; reply keyboards are only remembered."""
        sent.message.pop("reply_markup", None)
        sent.reply_markup = None
        sent.buttons = []
        if not isinstance(markup, dict):
            return
        if markup.get("inline_keyboard"):
            sent.reply_markup = markup
            sent.buttons = [list(row) for row in markup["inline_keyboard"]]
            sent.message["reply_markup"] = markup
        elif "keyboard" in markup:
            sent.keyboard = [
                [b if isinstance(b, dict) else {"text": b} for b in row]
                for row in markup["keyboard"]
            ]
        elif markup.get("remove_keyboard"):
            sent.keyboard = []

    def _attach_media(self, sent: SentMessage, name: str, params: JSON) -> None:
        key, param = _MEDIA[name]
        value = params.get(param)
        if isinstance(value, UploadedFile):
            if not value.data:
                raise _bad("file must be non-empty")
            if name == "sendPhoto" and self.validate and not _is_image(value.data):
                raise _bad("IMAGE_PROCESS_FAILED")
            file_id = self._store_file(value.data, value.filename, value.content_type)
            upload: UploadedFile | None = self.files[file_id]
        elif isinstance(value, str) and value in self.files:
            file_id, upload = value, self.files[value]
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            file_id, upload = self._store_file(b"", value.rsplit("/", 1)[-1], ""), None
        else:
            raise _bad("wrong file identifier/HTTP URL specified")
        data = upload.data if upload else b""
        stub: JSON = {"file_id": file_id, "file_unique_id": f"u{file_id}"}
        if data:
            stub["file_size"] = len(data)
        sent.file_id = file_id
        sent.media_type = key
        if upload is not None:
            sent.filename = upload.filename
            sent.mime_type = upload.content_type
        if key == "photo":
            width, height = _image_size(data) or (320, 320)
            if self.validate and (
                width + height > 10000 or max(width, height) > 20 * min(width, height)
            ):
                raise _bad("PHOTO_INVALID_DIMENSIONS")
            sent.photo = data
            scale = min(1.0, 90 / max(width, height))
            thumb = {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"u{file_id}-s",
                "width": max(1, int(width * scale)),
                "height": max(1, int(height * scale)),
            }
            sent.message["photo"] = [thumb, {**stub, "width": width, "height": height}]
            return
        if key == "document":
            sent.document = data
            if upload is not None:
                stub["file_name"] = upload.filename
                stub["mime_type"] = upload.content_type
        elif key == "sticker":
            stub.update(
                {
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                }
            )
        elif key in ("video", "animation"):
            width, height = _image_size(data) or (320, 240)
            stub.update({"width": width, "height": height, "duration": 1})
        elif key == "video_note":
            stub.update({"length": 240, "duration": 1})
        else:  # audio, voice
            stub["duration"] = 1
        sent.message[key] = stub

    def _locate(self, params: JSON, action: str) -> SentMessage:
        if "chat_id" not in params or "message_id" not in params:
            raise _bad("message identifier is not specified")
        chat_id = self._chat_key(params["chat_id"])
        found = self._find_message(chat_id, int(params["message_id"]))
        if found is None:
            if int(params["message_id"]) in self._user_messages.get(chat_id, {}):
                raise _bad(f"message can't be {action}ed")
            raise _bad(f"message to {action} not found")
        return found

    def _edit(self, name: str, params: JSON, prepared: JSON) -> Any:
        if "inline_message_id" in params:
            return True
        sent = self._locate(params, "edit")
        old = (sent.text, sent.entities, sent.reply_markup)
        markup = params.get("reply_markup")
        new_markup = markup if isinstance(markup, dict) and markup.get("inline_keyboard") else None
        if name == "editMessageText":
            if "text" not in sent.message:
                raise _bad("there is no text in the message to edit")
            text, entities = prepared["text"]
            if (text, entities, new_markup) == old:
                raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
            sent.html, sent.text, sent.entities = params["text"], text, entities
            sent.parse_mode = params.get("parse_mode")
            sent.message["text"] = text
            sent.message.pop("entities", None)
            if entities:
                sent.message["entities"] = entities
        elif name == "editMessageCaption":
            if sent.media_type is None:
                raise _bad("there is no caption in the message to edit")
            text, entities = prepared.get("caption", ("", []))
            if (text, entities, new_markup) == old:
                raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
            sent.html, sent.text, sent.entities = params.get("caption"), text, entities
            sent.parse_mode = params.get("parse_mode")
            for key in ("caption", "caption_entities"):
                sent.message.pop(key, None)
            if text:
                sent.message["caption"] = text
            if entities:
                sent.message["caption_entities"] = entities
        elif name == "editMessageReplyMarkup" and new_markup == sent.reply_markup:
            raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
        if name in (
            "editMessageText",
            "editMessageCaption",
            "editMessageReplyMarkup",
            "editMessageMedia",
        ):
            self._apply_markup(sent, markup)
        sent.edited = True
        sent.edit_count += 1
        sent.message["edit_date"] = int(time.time())
        sent.seq = self._new_seq()
        return sent.message

    async def _long_poll(self, params: JSON) -> list[JSON]:
        timeout = float(params.get("timeout", 0) or 0)
        deadline = time.monotonic() + timeout
        while True:
            batch = self._available_updates(params)
            if batch or self._closing.is_set():
                return batch
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._updates_changed.clear()
            try:
                await asyncio.wait_for(self._updates_changed.wait(), remaining)
            except TimeoutError:
                return []

    def _available_updates(self, params: JSON) -> list[JSON]:
        offset = params.get("offset")
        if offset is not None:
            offset = int(offset)
            if offset < 0:
                self._updates = self._updates[offset:]
            else:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = max(1, min(int(params.get("limit", 100) or 100), 100))
        allowed = params.get("allowed_updates") or None
        batch = [
            u
            for u in self._updates
            if allowed is None or any(k in allowed for k in u if k != "update_id")
        ][:limit]
        if batch:
            self._fetched_upto = max(self._fetched_upto, batch[-1]["update_id"])
        return batch


# ---- per-method behaviour ------------------------------------------------------------------

Handler = Callable[[FakeTelegram, JSON, dict[str, UploadedFile], JSON], Any]


def _h_get_me(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    return fake.bot_user


def _h_get_updates(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    if fake.webhook.get("url"):
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    return fake._available_updates(params) or (None if params.get("timeout") else [])


def _h_set_webhook(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    fake.webhook = {k: v for k, v in params.items() if not isinstance(v, UploadedFile)}
    if params.get("drop_pending_updates"):
        fake._updates.clear()
    return True


def _h_delete_webhook(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    fake.webhook = {"url": ""}
    if params.get("drop_pending_updates"):
        fake._updates.clear()
    return True


def _h_webhook_info(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    info: JSON = {
        "url": fake.webhook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(fake._updates),
    }
    for key in ("max_connections", "allowed_updates", "ip_address"):
        if key in fake.webhook:
            info[key] = fake.webhook[key]
    return info


def _h_send_media_group(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    results = []
    for item in params.get("media", []):
        media = item.get("media")
        if isinstance(media, str) and media.startswith("attach://"):
            attached = files.get(media[len("attach://") :])
            if attached is None:
                raise _bad(f'file "{media}" is not attached to the request')
            media = attached
        kind = item.get("type", "document")
        method = {"photo": "sendPhoto", "video": "sendVideo", "audio": "sendAudio"}.get(
            kind, "sendDocument"
        )
        sub: JSON = {"chat_id": params["chat_id"], _MEDIA[method][1]: media}
        sub_prepared: JSON = {}
        if isinstance(item.get("caption"), str):
            sub_prepared["caption"] = fake._format(
                item["caption"], item.get("parse_mode"), item.get("caption_entities")
            )
            sub["caption"] = item["caption"]
        results.append(fake._send(method, sub, files, sub_prepared).message)
    return results


def _copy_source(fake: FakeTelegram, params: JSON, message_id: int) -> JSON:
    source_chat = fake._chat_key(params["from_chat_id"])
    found = fake._find_message(source_chat, message_id)
    if found is not None:
        return found.message
    user_message = fake._user_messages.get(source_chat, {}).get(message_id)
    if user_message is None:
        raise _bad("message to copy not found")
    return user_message


def _h_copy_message(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    source = _copy_source(fake, params, int(params["message_id"]))
    sub: JSON = {"chat_id": params["chat_id"], "text": source.get("text", "")}
    if "reply_markup" in params:
        sub["reply_markup"] = params["reply_markup"]
    text = source.get("text") or source.get("caption") or ""
    sent = fake._send(
        "copyMessage", sub, files, {"text": (text, list(source.get("entities", [])))}
    )
    return {"message_id": sent.message_id}


def _h_forward_message(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    source = _copy_source(fake, params, int(params["message_id"]))
    text = source.get("text") or source.get("caption") or ""
    sent = fake._send(
        "forwardMessage",
        {"chat_id": params["chat_id"]},
        files,
        {"text": (text, list(source.get("entities", [])))},
    )
    sent.message["forward_origin"] = {
        "type": "user",
        "date": source.get("date", 0),
        "sender_user": source.get("from", fake.bot_user),
    }
    return sent.message


def _h_delete_message(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    chat_id = fake._chat_key(params["chat_id"])
    ids = params.get("message_ids") or [params.get("message_id")]
    removed = 0
    for message_id in ids:
        found = fake._find_message(chat_id, int(message_id))
        if found is not None:
            fake.chats[chat_id].remove(found)
            removed += 1
        elif fake._user_messages.get(chat_id, {}).pop(int(message_id), None) is not None:
            removed += 1
    if not removed and "message_id" in params:
        raise _bad("message to delete not found")
    return True


def _h_answer_callback(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    record = fake.callback_queries.get(str(params["callback_query_id"]))
    if record is None or record.answer is not None:
        raise _bad(QUERY_TOO_OLD[len("Bad Request: ") :])
    timeout = fake.callback_answer_timeout
    if timeout is not None and time.monotonic() - record.delivered > timeout:
        raise _bad(QUERY_TOO_OLD[len("Bad Request: ") :])
    record.answer = dict(params)
    return True


def _commands_key(params: JSON) -> tuple[str, str]:
    scope = json.dumps(params.get("scope") or {"type": "default"}, sort_keys=True)
    return scope, str(params.get("language_code", ""))


def _h_set_commands(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    fake.commands[_commands_key(params)] = list(params["commands"])
    return True


def _h_get_commands(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    return fake.commands.get(_commands_key(params), [])


def _h_delete_commands(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    fake.commands.pop(_commands_key(params), None)
    return True


def _h_get_file(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    file_id = str(params["file_id"])
    stored = fake.files.get(file_id)
    if stored is None:
        raise _bad("wrong file_id or the file is temporarily unavailable")
    return {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "file_size": len(stored.data),
        "file_path": f"documents/{file_id}",
    }


def _h_get_chat(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    chat = fake._chat_dict(fake._chat_key(params["chat_id"]))
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": fake.spec.sample("AcceptedGiftTypes"),
    }


def _h_get_chat_member(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    user_id = int(params["user_id"])
    user = fake.users.get(user_id)
    data = user.as_user() if user else {"id": user_id, "is_bot": False, "first_name": "User"}
    if user_id in fake.blocked_chats:
        return {"status": "kicked", "user": data, "until_date": 0}
    return {"status": "member", "user": data}


_HANDLERS: Final[dict[str, Handler]] = {
    "getMe": _h_get_me,
    "getUpdates": _h_get_updates,
    "setWebhook": _h_set_webhook,
    "deleteWebhook": _h_delete_webhook,
    "getWebhookInfo": _h_webhook_info,
    "sendMediaGroup": _h_send_media_group,
    "copyMessage": _h_copy_message,
    "forwardMessage": _h_forward_message,
    "deleteMessage": _h_delete_message,
    "deleteMessages": _h_delete_message,
    "answerCallbackQuery": _h_answer_callback,
    "setMyCommands": _h_set_commands,
    "getMyCommands": _h_get_commands,
    "deleteMyCommands": _h_delete_commands,
    "getFile": _h_get_file,
    "getChat": _h_get_chat,
    "getChatMember": _h_get_chat_member,
}
