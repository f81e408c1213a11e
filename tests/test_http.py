"""The aiohttp request backend under a real PTB `Bot`, against the fake Bot API over loopback."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.telegram.request import AiohttpRequest, ConnectTimedOut, RequestNotSent, ResponseLost
from faketelegram import FakeTelegram
from tests.harness import TOKEN

# PTB's own RetryAfter constructor warns that `retry_after` will become a timedelta.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

CHAT = 6_000_001


def make_bot(base_url: str, request: AiohttpRequest) -> Bot:
    return Bot(TOKEN, base_url=f"{base_url}/bot", request=request, get_updates_request=request)


@pytest.fixture
async def methods() -> list[str]:
    return []


@pytest.fixture
async def bot(fake: FakeTelegram, methods: list[str]) -> AsyncIterator[Bot]:
    request = AiohttpRequest(read_timeout=0.5, on_send=methods.append)
    async with make_bot(fake.base_url, request) as bot:
        yield bot


async def test_send_message_with_a_keyboard(fake: FakeTelegram, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Act", callback_data="act")]])
    message = await bot.send_message(CHAT, "<b>Hello</b> Алексей", "HTML", reply_markup=keyboard)
    assert message.chat.id == CHAT and message.text == "Hello Алексей"
    sent = fake.last_message(CHAT)
    assert sent is not None and sent.html == "<b>Hello</b> Алексей"
    assert sent.button_texts == ["Act"]


async def test_on_send_hears_every_method_before_it_leaves(bot: Bot, methods: list[str]) -> None:
    await bot.send_message(CHAT, "one")
    await bot.send_chat_action(CHAT, "typing")
    assert methods == ["getMe", "sendMessage", "sendChatAction"]


async def test_a_document_upload_arrives_byte_for_byte(fake: FakeTelegram, bot: Bot) -> None:
    data = b"case,actions\nua-31-22,1234\n" + bytes(range(256)) * 64
    message = await bot.send_document(
        CHAT,
        document=data,
        filename="report.csv",
        caption="<i>Weekly</i> report",
        parse_mode="HTML",
    )
    assert message.document is not None and message.caption == "Weekly report"
    sent = fake.last_message(CHAT)
    assert sent is not None and sent.document == data and sent.filename == "report.csv"
    # An open file handle works too.
    await bot.send_document(CHAT, document=io.BytesIO(b"from a handle"), filename="x.txt")
    last = fake.last_message(CHAT)
    assert last is not None and last.document == b"from a handle"


async def test_many_requests_at_once_share_the_pool(fake: FakeTelegram) -> None:
    request = AiohttpRequest(connection_pool_size=16)
    async with make_bot(fake.base_url, request) as bot:
        await asyncio.gather(*(bot.send_message(CHAT + i, "hi") for i in range(200)))
    assert all(len(fake.messages(CHAT + i)) == 1 for i in range(200))


async def test_no_answer_in_time_is_timed_out(fake: FakeTelegram, bot: Bot) -> None:
    fake.delay("sendMessage", 1.0)
    with pytest.raises(TimedOut) as raised:
        await bot.send_message(CHAT, "slow")
    assert not isinstance(raised.value, RequestNotSent)  # it may still be delivered
    # A per-call read timeout overrides the default.
    fake.delay("sendMessage", 0.3)
    await bot.send_message(CHAT, "patient", read_timeout=2.0)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequest),
        (403, Forbidden),
        (401, InvalidToken),
        (500, NetworkError),
        (502, NetworkError),
    ],
)
async def test_error_answers_map_to_ptb_errors(
    fake: FakeTelegram, bot: Bot, status: int, error: type[Exception]
) -> None:
    fake.fail("sendMessage", status=status)
    with pytest.raises(error) as raised:
        await bot.send_message(CHAT, "x")
    assert not isinstance(raised.value, TimedOut | RequestNotSent | ResponseLost)


async def test_429_is_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CHAT, "x")
    assert raised.value.retry_after == 3


async def test_a_gateway_timeout_is_timed_out(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail("sendMessage", status=504)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "x")


async def test_a_dropped_connection_is_response_lost(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail("sendMessage", status=0, applied=True)
    with pytest.raises(ResponseLost):
        await bot.send_message(CHAT, "x")
    assert len(fake.messages(CHAT)) == 1  # it landed: this is why it is not "not sent"
    await bot.send_message(CHAT, "the pool recovers")


async def test_a_refused_connection_is_request_not_sent() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = AiohttpRequest(connect_timeout=1.0)
    bot = make_bot(f"http://127.0.0.1:{port}", request)
    await request.initialize()
    try:
        with pytest.raises(RequestNotSent) as raised:
            await bot.send_message(CHAT, "x")
        assert TOKEN not in str(raised.value)
    finally:
        await request.shutdown()


async def test_waiting_too_long_for_a_pooled_connection_is_not_sent(fake: FakeTelegram) -> None:
    request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.1, connect_timeout=0.1)
    async with make_bot(fake.base_url, request) as bot:
        fake.delay("sendMessage", 0.6)
        slow = asyncio.create_task(bot.send_message(CHAT, "occupies the only connection"))
        await asyncio.sleep(0.05)
        with pytest.raises(ConnectTimedOut) as raised:
            await bot.send_message(CHAT + 1, "never leaves")
        assert isinstance(raised.value, TimedOut)  # still a TimedOut for PTB's handlers
        await slow
    assert fake.messages(CHAT + 1) == []


async def test_long_polling_uses_the_read_timeout(fake: FakeTelegram, bot: Bot) -> None:
    fake.push_update(
        {"message": {"message_id": 1, "date": 0, "chat": {"id": CHAT, "type": "private"}}}
    )
    updates = await bot.get_updates(timeout=1)
    assert len(updates) == 1 and updates[0].effective_chat is not None


async def test_requests_need_initialize_and_shutdown_is_idempotent() -> None:
    request = AiohttpRequest()
    bot = make_bot("http://127.0.0.1:9", request)
    with pytest.raises(RuntimeError):
        await request.do_request("http://127.0.0.1:9/botx/getMe", "POST")
    await request.initialize()
    await request.initialize()
    await request.shutdown()
    await request.shutdown()
    assert bot.request is request
