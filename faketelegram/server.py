"""The fake Bot API server: validates every call, records it, injects faults, enforces rates."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from aiohttp import web

from bot.telegram.html import JSON, utf16_len
from faketelegram.entities import format_text
from faketelegram.records import (
    BLOCKED,
    CAPTION_LIMIT,
    DEFAULT_DESCRIPTIONS,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    TEXT_LIMIT,
    ApiError,
    Call,
    Delay,
    Deliver,
    Fault,
    Rejection,
    SentMessage,
    ServedFault,
    UploadedFile,
    bad,
)
from faketelegram.spec import (
    FALSE_STRINGS,
    FORM_BOOL,
    FORM_FLOAT,
    FORM_INT,
    FORM_INT_STR,
    FORM_RAW,
    SPEC_PATH,
    TRUE_STRINGS,
    ApiSpec,
    FieldSpec,
    Invalid,
    MethodSpec,
)
from faketelegram.users import FakeUser
from faketelegram.validation import (
    CHAT_ACTIONS,
    STRING_LIMITS,
    check_commands,
    check_language,
    check_reply_markup,
    check_webhook,
    image_size,
    is_image,
)
from faketelegram.world import World

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


def _is_edit(method: str) -> bool:
    """Edits of messages: they spend the bot's budget of messages a second as sends do."""
    return method.startswith("editMessage")


class FakeTelegram(World):
    """Bot API look-alike on 127.0.0.1 that validates, records, injects faults and plays users.

    State is plain attributes so tests can assert on it directly: ``calls``, ``errors``,
    ``chats``, ``faults_served``, ``send_times``, ``budget_times``, ``blocked_chats``,
    ``rate_limit_per_second`` (per chat), ``global_rate_limit_per_second`` (per bot, sends and
    edits), ``latency``.
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
        super().__init__(bot_user)
        self.token = token
        self.validate = validate
        self.callback_answer_timeout = callback_answer_timeout
        self.spec: ApiSpec = ApiSpec.load(spec_path)
        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.rejections: list[Rejection] = []
        self.faults_served: list[ServedFault] = []
        self.rate_limit_per_second: int | None = None
        self.global_rate_limit_per_second: int | None = None
        #: Whether edits count towards ``global_rate_limit_per_second`` (as Telegram counts them).
        self.count_edits = True
        #: Network latency of each request, in seconds: half of it passes before the request
        #: arrives (and counts against a rate), half before the answer reaches the bot.
        self.latency = 0.0
        self.send_times: list[float] = []
        #: When each request counted against the bot's global rate arrived (sends and edits).
        self.budget_times: list[float] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.webhook: JSON = {"url": ""}
        self.users: dict[int, FakeUser] = {}
        self._faults: list[Fault] = []
        self._delays: list[Delay] = []
        self._chat_send_times: dict[int, deque[float]] = {}
        self._all_send_times: deque[float] = deque()
        self._channel_ids: dict[str, int] = {}
        self._closing = asyncio.Event()
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
        self.budget_times.clear()

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
            description = description or DEFAULT_DESCRIPTIONS.get(status, f"Error {status}")
        self._faults.append(
            Fault(
                self._canonical(method), chat_id, status, description, retry_after, times, applied
            )
        )

    def delay(
        self, method: str, seconds: float, *, chat_id: int | str | None = None, times: int = 1
    ) -> None:
        """Make the next ``times`` matching calls sleep ``seconds`` before being handled."""
        self._delays.append(Delay(self._canonical(method), chat_id, seconds, times))

    # ---- internals shared with FakeUser ---------------------------------------------------

    def _canonical(self, method: str) -> str:
        if method == "*":
            return method
        name = self.spec.method_names.get(method.lower())
        if name is None:
            raise ValueError(f"unknown Bot API method {method!r}")
        return name

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
        if self.latency > 0:
            await self._travel()
        response = await self._answer(request)
        if self.latency > 0:
            await self._travel()
        return response

    async def _travel(self) -> None:
        """Half the latency: the request on its way in, or the answer on its way back."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._closing.wait(), self.latency / 2)

    async def _answer(self, request: web.Request) -> web.StreamResponse:
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
        fault: Fault | None = self._take(self._faults, name, params)
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
        counted = is_send or (self.count_edits and _is_edit(name))
        now = time.monotonic()
        send_key: int | None = None
        if is_send and "chat_id" in params:
            send_key = self._chat_key(params["chat_id"])
        if counted:
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
        if counted:
            self.budget_times.append(now)
            self._all_send_times.append(now)
        if is_send:
            self.send_times.append(now)
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

    def _rate_limited(self, chat_id: int | None, now: float) -> ApiError | None:
        checks: list[tuple[deque[float], int]] = []
        if self.rate_limit_per_second is not None and chat_id is not None:
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
                raise bad("can't parse JSON body") from None
            if not isinstance(body, dict):
                raise bad("JSON body must be an object")
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
        if kind == FORM_RAW:
            return value
        if kind == FORM_INT_STR:
            try:
                return int(value)
            except ValueError:
                return value
        if kind == FORM_INT:
            try:
                return int(value)
            except ValueError:
                raise bad(f'parameter "{spec.name}" must be of type Integer') from None
        if kind == FORM_FLOAT:
            try:
                return float(value)
            except ValueError:
                raise bad(f'parameter "{spec.name}" must be of type Float') from None
        if kind == FORM_BOOL:
            if value in TRUE_STRINGS:
                return True
            if value in FALSE_STRINGS:
                return False
            raise bad(f'parameter "{spec.name}" must be of type Boolean')
        try:
            decoded = json.loads(value)
        except ValueError:
            if "String" in spec.types:
                return value
            raise bad(f'can\'t parse parameter "{spec.name}": invalid JSON') from None
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
                    raise bad(f'unknown parameter "{key}" for method {name}')
                try:
                    spec.check(value, key, 0)
                except Invalid as exc:
                    raise bad(exc.message) from None
            for key in method.required:
                if key not in params:
                    raise bad(f'required parameter "{key}" is missing for method {name}')
            for value in params.values():
                if (
                    isinstance(value, str)
                    and value.startswith("attach://")
                    and (value[len("attach://") :] not in files)
                ):
                    raise bad(f'file "{value}" is not attached to the request')
        prepared: JSON = {}
        if "text" in params and method.has("parse_mode") and isinstance(params["text"], str):
            text, entities = self._format(
                params["text"], params.get("parse_mode"), params.get("entities")
            )
            size = utf16_len(text)
            if self.validate and size == 0:
                raise bad("message text is empty")
            if self.validate and size > TEXT_LIMIT:
                raise bad(
                    f"message is too long ({size} > {TEXT_LIMIT} UTF-16 code units "
                    "after entity parsing)"
                )
            prepared["text"] = (text, entities)
        elif name == "editMessageText" and "rich_message" not in params and self.validate:
            raise bad("message text is empty")
        if "caption" in params and isinstance(params["caption"], str):
            caption, entities = self._format(
                params["caption"], params.get("parse_mode"), params.get("caption_entities")
            )
            size = utf16_len(caption)
            if self.validate and size > CAPTION_LIMIT:
                raise bad(
                    f"message caption is too long ({size} > {CAPTION_LIMIT} UTF-16 "
                    "code units after entity parsing)"
                )
            prepared["caption"] = (caption, entities)
        if not self.validate:
            return prepared
        if "reply_markup" in params:
            check_reply_markup(params["reply_markup"])
        for (limited, key), (low, high) in STRING_LIMITS.items():
            if limited == name and key in params:
                size = len(str(params[key]))
                if not low <= size <= high:
                    raise bad(f"{key} must be {low}-{high} characters, got {size}")
        if name == "setMyCommands":
            check_commands(params)
        elif name in ("getMyCommands", "deleteMyCommands"):
            check_language(params)
        elif name == "sendChatAction" and params.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        elif name == "setWebhook":
            check_webhook(params)
        if (
            name.startswith("edit")
            and "inline_message_id" not in params
            and (method.has("chat_id") and ("chat_id" not in params or "message_id" not in params))
        ):
            raise bad("message identifier is not specified")
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
                raise bad("file must be non-empty")
            if name == "sendPhoto" and self.validate and not is_image(value.data):
                raise bad("IMAGE_PROCESS_FAILED")
            file_id = self._store_file(value.data, value.filename, value.content_type)
            upload: UploadedFile | None = self.files[file_id]
        elif isinstance(value, str) and value in self.files:
            file_id, upload = value, self.files[value]
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            file_id, upload = self._store_file(b"", value.rsplit("/", 1)[-1], ""), None
        else:
            raise bad("wrong file identifier/HTTP URL specified")
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
            width, height = image_size(data) or (320, 320)
            if self.validate and (
                width + height > 10000 or max(width, height) > 20 * min(width, height)
            ):
                raise bad("PHOTO_INVALID_DIMENSIONS")
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
            width, height = image_size(data) or (320, 240)
            stub.update({"width": width, "height": height, "duration": 1})
        elif key == "video_note":
            stub.update({"length": 240, "duration": 1})
        else:  # audio, voice
            stub["duration"] = 1
        sent.message[key] = stub

    def _locate(self, params: JSON, action: str) -> SentMessage:
        if "chat_id" not in params or "message_id" not in params:
            raise bad("message identifier is not specified")
        chat_id = self._chat_key(params["chat_id"])
        found = self._find_message(chat_id, int(params["message_id"]))
        if found is None:
            if int(params["message_id"]) in self._user_messages.get(chat_id, {}):
                raise bad(f"message can't be {action}ed")
            raise bad(f"message to {action} not found")
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
                raise bad("there is no text in the message to edit")
            text, entities = prepared["text"]
            if (text, entities, new_markup) == old:
                raise bad(NOT_MODIFIED[len("Bad Request: ") :])
            sent.html, sent.text, sent.entities = params["text"], text, entities
            sent.parse_mode = params.get("parse_mode")
            sent.message["text"] = text
            sent.message.pop("entities", None)
            if entities:
                sent.message["entities"] = entities
        elif name == "editMessageCaption":
            if sent.media_type is None:
                raise bad("there is no caption in the message to edit")
            text, entities = prepared.get("caption", ("", []))
            if (text, entities, new_markup) == old:
                raise bad(NOT_MODIFIED[len("Bad Request: ") :])
            sent.html, sent.text, sent.entities = params.get("caption"), text, entities
            sent.parse_mode = params.get("parse_mode")
            for key in ("caption", "caption_entities"):
                sent.message.pop(key, None)
            if text:
                sent.message["caption"] = text
            if entities:
                sent.message["caption_entities"] = entities
        elif name == "editMessageReplyMarkup" and new_markup == sent.reply_markup:
            raise bad(NOT_MODIFIED[len("Bad Request: ") :])
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
                raise bad(f'file "{media}" is not attached to the request')
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
        raise bad("message to copy not found")
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
        raise bad("message to delete not found")
    return True


def _h_answer_callback(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    record = fake.callback_queries.get(str(params["callback_query_id"]))
    if record is None or record.answer is not None:
        raise bad(QUERY_TOO_OLD[len("Bad Request: ") :])
    timeout = fake.callback_answer_timeout
    if timeout is not None and time.monotonic() - record.delivered > timeout:
        raise bad(QUERY_TOO_OLD[len("Bad Request: ") :])
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


#: Bots may download files up to 20 MB with getFile.
MAX_DOWNLOAD = 20 * 1024 * 1024


def _h_get_file(
    fake: FakeTelegram, params: JSON, files: dict[str, UploadedFile], prepared: JSON
) -> Any:
    file_id = str(params["file_id"])
    stored = fake.files.get(file_id)
    if stored is None:
        raise bad("wrong file_id or the file is temporarily unavailable")
    if len(stored.data) > MAX_DOWNLOAD:
        raise bad("file is too big")
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
