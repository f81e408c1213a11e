"""What the fake records and answers: calls, refusals, faults, sent messages, API errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from bot.telegram.html import JSON

Deliver = Callable[[JSON], Awaitable[object]]


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
DEFAULT_DESCRIPTIONS: Final = {
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
        return find_button([self], text)[1]


@dataclass(slots=True)
class Fault:
    method: str
    chat_id: int | str | None
    status: int
    description: str
    retry_after: int | None
    remaining: int
    applied: bool


@dataclass(slots=True)
class Delay:
    method: str
    chat_id: int | str | None
    seconds: float
    remaining: int


@dataclass(slots=True)
class CallbackRecord:
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


def bad(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def find_button(messages: Sequence[SentMessage], text: str) -> tuple[SentMessage, JSON]:
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
