"""Whoever reads the logs must not be able to take the bot over: the token is never written.

The token leaks in two ways if nothing stops it: HTTP libraries put the request URL (which
holds it) into their error messages, and python-telegram-bot quotes a rejected token in its
InvalidToken message. Both are forced here, against the real request backend and the real
`python -m bot` process, and every line written is searched.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import socket
import sys
import traceback
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web
from telegram import Bot

from bot.core.logs import log_handler
from bot.telegram.request import AiohttpRequest, ConnectTimedOut
from faketelegram import FakeTelegram
from tests.harness import ROOT, SECRET_KEY, TOKEN

SECRET_PART = TOKEN.partition(":")[2]


def leaks(text: str) -> list[str]:
    """Every form of the token found in `text`."""
    forms = {TOKEN, quote(TOKEN, safe=""), SECRET_PART}
    return [form for form in forms if form in text]


def chain(error: BaseException) -> Iterator[BaseException]:
    """The exception and every exception it was raised from or during."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [current.__cause__, current.__context__]


def logged(error: BaseException, *, as_json: bool) -> str:
    """What the bot's log handler writes for `error` logged with its traceback."""
    stream = io.StringIO()
    logger = logging.getLogger("test.secrets")
    handler = log_handler([TOKEN], as_json=as_json, stream=stream)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.error("sending failed: %s", error, exc_info=error)
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return stream.getvalue()


async def test_a_connection_timeout_carries_no_url_and_logs_no_token(
    fake: FakeTelegram,
) -> None:
    # One pooled connection, held by a slow call: the next one times out while connecting,
    # which aiohttp reports as "Connection timeout to host <URL with the token>".
    request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.1, connect_timeout=0.1)
    bot = Bot(TOKEN, base_url=f"{fake.base_url}/bot", request=request)
    async with bot:
        fake.delay("sendMessage", 0.6)
        slow = asyncio.create_task(bot.send_message(1, "occupies the only connection"))
        await asyncio.sleep(0.05)
        with pytest.raises(ConnectTimedOut) as raised:
            await bot.send_message(2, "never leaves")
        await slow
    error = raised.value
    for link in chain(error):
        assert leaks(str(link)) == [], type(link).__name__
        assert leaks(repr(link)) == [], type(link).__name__
    assert leaks("".join(traceback.format_exception(error))) == []
    for as_json in (False, True):
        assert leaks(logged(error, as_json=as_json)) == []


@pytest.mark.parametrize("as_json", [False, True])
def test_a_traceback_that_quotes_the_token_is_redacted(as_json: bool) -> None:
    try:
        try:
            raise OSError(f"Cannot connect to https://api.telegram.org/bot{TOKEN}/getMe")
        except OSError as inner:
            raise RuntimeError(f"retrying bot{quote(TOKEN, safe='')}") from inner
    except RuntimeError as error:
        text = logged(error, as_json=as_json)
    assert "Traceback" in text and "OSError" in text  # the traceback is there, cleaned
    assert leaks(text) == []
    if as_json:
        assert [json.loads(line)["level"] for line in text.splitlines()] == ["ERROR"]


async def run_bot(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    """`python -m bot` as deployed, while this test's event loop serves the fake API."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        env=clean | {"PYTHONPATH": str(ROOT), "BOT_CONTENT_DIR": str(ROOT / "content")} | env,
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, (stdout + stderr).decode()


@asynccontextmanager
async def not_found_server() -> AsyncIterator[str]:
    """A server answering every path as api.telegram.org answers an unknown one: 404."""

    async def not_found(request: web.Request) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", not_found)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    port = sock.getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("mistake", ["api_url", "token"])
async def test_a_rejected_token_at_start_up_is_one_line_without_it(
    tmp_path: Path, mistake: str
) -> None:
    # A mistyped BOT_API_URL gets 404 and a revoked token 401: python-telegram-bot calls both
    # "InvalidToken" and quotes the token in its message.
    async with AsyncExitStack() as stack:
        if mistake == "api_url":
            url = await stack.enter_async_context(not_found_server())
        else:
            fake = FakeTelegram(token="654321:the-token-Telegram-knows")
            url = (await stack.enter_async_context(fake)).base_url
        code, output = await run_bot(
            {
                "BOT_TOKEN": TOKEN,
                "BOT_SECRET_KEY": SECRET_KEY,
                "BOT_API_URL": url,
                "BOT_DATABASE": str(tmp_path / "bot.sqlite3"),
            },
            tmp_path,
        )
    assert leaks(output) == []
    assert "Traceback" not in output
    assert code == 2
    # A failed start closes what it opened: no aiohttp "Unclosed client session" lines, and
    # one "stopped", not two.
    assert "Unclosed" not in output, output
    assert output.count("stopped") == 1, output
    [line] = [line for line in output.splitlines() if "BOT_TOKEN" in line]
    assert "BOT_API_URL" in line
