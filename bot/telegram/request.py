"""An aiohttp request backend for python-telegram-bot, with errors that say whether a request
may have reached Telegram.

Why: PTB's default httpx backend managed ≈700 sendMessage/s against a local server, aiohttp
≈5,900/s; and a broadcast must know, after a failure, whether re-sending could duplicate a
message.  PTB turns every transport failure into a plain `NetworkError`; here they are split:

* `RequestNotSent` (and `ConnectTimedOut`): the connection could not be made or no pooled
  connection became free, so no byte of the request left; retrying cannot duplicate.
* `ResponseLost`: the connection broke after the request may have been written (reset,
  server disconnected, malformed answer); Telegram may have acted on it.
* `TimedOut`: no answer in time; Telegram may have acted on it.  A 504 Gateway Timeout is
  reported as `TimedOut` too: the gateway gave up waiting, the message may still go out.

Error messages name the aiohttp exception class (and the OS's reason) only, and are raised
without aiohttp's exception attached: its messages can carry the request URL, and the URL
carries the bot token.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Final
from urllib.parse import quote_plus

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.core.metrics import metrics
from bot.telegram.budget import ReplyDropped, SendBudget, counts_toward_limit

__all__ = ["AiohttpRequest", "ConnectTimedOut", "RequestNotSent", "ResponseLost"]

log = logging.getLogger(__name__)

_GATEWAY_TIMEOUT: Final = 504
_TOO_MANY_REQUESTS: Final = 429
_FORM_HEADERS: Final = {"Content-Type": "application/x-www-form-urlencoded"}


class RequestNotSent(NetworkError):
    """No byte of the request left this process: sending again cannot duplicate it."""

    __slots__ = ()


class ConnectTimedOut(RequestNotSent, TimedOut):
    """Connecting (or waiting for a pooled connection) took too long; nothing was sent."""

    __slots__ = ()

    def __init__(self, message: str = "Timed out while connecting") -> None:
        super().__init__(message)


class ResponseLost(NetworkError):
    """The connection failed after the request may have been written: outcome unknown."""

    __slots__ = ()


def _given(value: object, default: float | None) -> float | None:
    """A timeout passed to `do_request`, or this backend's default when PTB passed none."""
    if isinstance(value, (int, float)) or value is None:
        return value
    return default


class AiohttpRequest(BaseRequest):
    """`BaseRequest` on an aiohttp session with its own connection pool.

    `on_send`, if given, is called with the Bot API method name just before each request.

    With a `budget` (the Application's backend has one), every request that sends or edits a
    message first waits for a slot in Telegram's rate (`SendBudget.reply`), shared with the
    broadcast engine; a 429 pauses the budget for its `retry_after` and the request is sent
    again, until the reply would be too late (`ReplyDropped`).

    `on_updates`, if given, is awaited with the `result` list of every successful getUpdates
    before the body is returned: python-telegram-bot confirms those updates to Telegram only
    with the next getUpdates, so what the callback stored is safe from then on.  If it raises,
    the request fails (PTB retries it with the same offset: Telegram sends them again).
    """

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
        on_send: Callable[[str], None] | None = None,
        budget: SendBudget | None = None,
        on_updates: Callable[[list[object]], Awaitable[None]] | None = None,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._on_send = on_send
        self._budget = budget
        self._on_updates = on_updates
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout (PTB adds it to the long-polling timeout)."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (inside the running loop, as aiohttp requires); idempotent."""
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}
            )

    async def shutdown(self) -> None:
        """Close the session and its connections; idempotent."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(
        self,
        read: float | None,
        write: float | None,
        connect: float | None,
        pool: float | None,
    ) -> aiohttp.ClientTimeout:
        """Map PTB's four timeouts onto aiohttp's.

        aiohttp's `connect` covers waiting for a pooled connection plus connecting; it has no
        per-write timeout, so the write timeout bounds the whole exchange together with the
        others (a stuck upload cannot hang forever).
        """
        parts = (read, write, connect, pool)
        total = None if any(part is None for part in parts) else sum(p or 0.0 for p in parts)
        wait = None if connect is None or pool is None else connect + pool
        return aiohttp.ClientTimeout(
            total=total, connect=wait, sock_connect=connect, sock_read=read
        )

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Send one request; return (HTTP status, body) or raise a PTB `NetworkError`."""
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        has_files = request_data is not None and request_data.contains_files
        default_write = self._media_write_timeout if has_files else self._write_timeout
        timeout = self._timeout(
            _given(read_timeout, self._read_timeout),
            _given(write_timeout, default_write),
            _given(connect_timeout, self._connect_timeout),
            _given(pool_timeout, self._pool_timeout),
        )
        data: aiohttp.FormData | bytes | None = None
        headers: dict[str, str] | None = None
        if request_data is not None and has_files:
            data = _form(request_data)
        elif request_data is not None:
            # Encoded here rather than by aiohttp's FormData: same bytes, far less work.
            data = _urlencoded(request_data.json_parameters)
            headers = _FORM_HEADERS
        name = url.rsplit("/", 1)[-1]
        if self._on_send is not None:
            self._on_send(name)
        budget = self._budget
        if budget is None or not counts_toward_limit(name):
            return await self._exchange(method, url, data, headers, timeout)
        chat_id = _chat_of(request_data)
        first = budget.now()
        while True:
            slot = await budget.reply(name, chat_id, since=first)
            try:
                status, body = await self._exchange(method, url, data, headers, timeout)
            finally:
                budget.answered(slot)
            if status != _TOO_MANY_REQUESTS:
                return status, body
            # Telegram counted differently from us (or another process shares the token):
            # everything waits, and this reply goes again unless it would be too late.
            retry_after = _retry_after(body)
            budget.pause(retry_after)
            if budget.now() + retry_after > first + budget.max_wait:
                metrics.replies_dropped.inc()
                log.warning("a reply was not sent: 429 until after its supporter stopped waiting")
                raise ReplyDropped("reply dropped: Telegram asked to wait too long")
            metrics.replies_retried.inc()
            log.info("Telegram answered 429 to %s: sending it again in %.1f s", name, retry_after)
            chat_id = None  # its chat's turn was taken already

    async def _exchange(
        self,
        method: str,
        url: str,
        data: aiohttp.FormData | bytes | None,
        headers: dict[str, str] | None,
        limits: aiohttp.ClientTimeout,
    ) -> tuple[int, bytes]:
        """One HTTP exchange; (status, body) or a `NetworkError` that says if it may have left."""
        assert self._session is not None
        failure: NetworkError | None = None
        try:
            async with self._session.request(
                method, url, data=data, headers=headers, timeout=limits
            ) as answer:
                body = await answer.read()
                status = answer.status
        except aiohttp.ConnectionTimeoutError:
            failure = ConnectTimedOut()
        except TimeoutError as error:
            failure = TimedOut(f"Timed out ({type(error).__name__})")
        except aiohttp.ClientConnectorError as error:
            failure = RequestNotSent(f"aiohttp.{type(error).__name__}{_reason(error)}")
        except aiohttp.ClientError as error:
            failure = ResponseLost(f"aiohttp.{type(error).__name__}")
        if failure is not None:
            # Raised here, outside the except clause, so that it has no __context__: aiohttp's
            # error holds the request URL, and the URL holds the token.
            raise failure
        if status == _GATEWAY_TIMEOUT:
            raise TimedOut("Gateway Timeout (504)")
        if self._on_updates is not None and status == 200 and url.endswith("/getUpdates"):
            await self._on_updates(_updates_in(body))
        return status, body


def _chat_of(request_data: RequestData | None) -> int | None:
    """The numeric chat a request writes to, if any (for the per-chat pace)."""
    if request_data is None:
        return None
    chat_id = request_data.parameters.get("chat_id")
    return chat_id if isinstance(chat_id, int) else None


def _retry_after(body: bytes) -> float:
    """The seconds a 429 answer asks to wait (1 if it does not say)."""
    try:
        value = json.loads(body)["parameters"]["retry_after"]
    except (ValueError, KeyError, TypeError):
        return 1.0
    return float(value) if isinstance(value, (int, float)) and value >= 0 else 1.0


def _updates_in(body: bytes) -> list[object]:
    """The updates of a getUpdates answer (none if it is not a successful one)."""
    answer = json.loads(body)
    result = answer.get("result") if isinstance(answer, dict) and answer.get("ok") else None
    return result if isinstance(result, list) else []


def _reason(error: aiohttp.ClientConnectorError) -> str:
    """Why connecting failed, from the OS ("Connection refused"), never the URL."""
    reason = error.os_error.strerror
    return f" ({reason})" if reason else ""


@lru_cache(maxsize=1024)
def _quoted(value: str) -> str:
    """Percent-encoding, remembered: a broadcast sends one text to thousands of chats."""
    return quote_plus(value)


def _urlencoded(parameters: dict[str, str]) -> bytes:
    """application/x-www-form-urlencoded, as `urllib.parse.urlencode` would write it."""
    return "&".join(f"{_quoted(k)}={_quoted(v)}" for k, v in parameters.items()).encode()


def _form(request_data: RequestData) -> aiohttp.FormData:
    """multipart/form-data: parameters as JSON-encoded fields, files as file parts."""
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mime)
    return form
