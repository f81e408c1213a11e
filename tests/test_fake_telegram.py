"""Tests of the fake Telegram server itself, driven through python-telegram-bot's real Bot."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from bot.telegram.html import parse_html
from faketelegram import FakeTelegram, max_in_any_window, parse_markdown_v2

# PTB warns about RetryAfter.retry_after's future type whenever it builds one; not our concern.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

TOKEN = "123456:TEST-TOKEN"
CHAT = 4242


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    tg_bot = Bot(TOKEN, base_url=f"{fake.base_url}/bot")
    await tg_bot.initialize()
    yield tg_bot
    await tg_bot.shutdown()


async def raw_call(fake: FakeTelegram, method: str, payload: dict[str, Any]) -> tuple[int, Any]:
    """POST a JSON body directly, to see exactly what the fake answers."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{fake.base_url}/bot{TOKEN}/{method}", json=payload) as resp,
    ):
        return resp.status, await resp.json()


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([list(buttons)])


# ---- accepted calls ---------------------------------------------------------------------------


async def test_html_message_with_keyboard_is_accepted_and_recorded(
    fake: FakeTelegram, bot: Bot
) -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Sign ✍️", callback_data="sign:1"),
                InlineKeyboardButton("Read", url="https://www.amnesty.org/en/"),
            ],
            [InlineKeyboardButton("Copy", copy_text=CopyTextButton("Dear Minister"))],
        ]
    )
    html = '<b>Act now</b> &amp; <i>share</i> 😀 <a href="https://amnesty.org">link</a>'
    message = await bot.send_message(CHAT, html, parse_mode="HTML", reply_markup=markup)

    assert fake.errors == []
    assert message.text == "Act now & share 😀 link"
    assert message.from_user is not None and message.from_user.username == "ua_test_bot"
    assert [(e.type, e.offset, e.length) for e in message.entities] == [
        ("bold", 0, 7),
        ("italic", 10, 5),
        ("text_link", 19, 4),  # the emoji counts two UTF-16 code units
    ]
    stored = fake.last_message(CHAT)
    assert stored is not None
    assert stored.html == html and stored.text == message.text
    assert stored.parse_mode == "HTML"
    assert stored.button_texts == ["Sign ✍️", "Read", "Copy"]
    assert stored.buttons[1][0]["copy_text"] == {"text": "Dear Minister"}
    (call,) = fake.calls_to("sendmessage")
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "sign:1"
    assert call.result["message_id"] == message.message_id


async def test_get_me_returns_the_test_bot(bot: Bot) -> None:
    assert bot.id == 777000001
    assert bot.first_name == "Urgent Action Bot"
    assert bot.can_join_groups is True


async def test_send_document_upload_bytes_are_captured(fake: FakeTelegram, bot: Bot) -> None:
    csv = b"name,country\nAnn,NL\n"
    message = await bot.send_document(
        CHAT, csv, filename="export.csv", caption="<b>Export</b>", parse_mode="HTML"
    )
    assert fake.errors == []
    assert message.document is not None and message.document.file_name == "export.csv"
    assert message.caption == "Export"
    stored = fake.last_message(CHAT)
    assert stored is not None
    assert stored.document == csv and stored.filename == "export.csv"
    assert fake.calls_to("sendDocument")[0].files["document"].data == csv


async def test_send_photo_accepts_png_and_rejects_non_images(fake: FakeTelegram, bot: Bot) -> None:
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000c8000000640806000000")
    message = await bot.send_photo(CHAT, png)
    assert message.photo[-1].width == 200 and message.photo[-1].height == 100
    stored = fake.last_message(CHAT)
    assert stored is not None and stored.photo == png
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.send_photo(CHAT, b"not an image")


async def test_json_body_get_query_and_case_insensitive_names(fake: FakeTelegram) -> None:
    status, body = await raw_call(fake, "SENDMESSAGE", {"chat_id": 7, "text": "hi"})
    assert status == 200 and body["result"]["text"] == "hi"
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake.base_url}/bot{TOKEN}/getMe") as resp,
    ):
        assert (await resp.json())["result"]["is_bot"] is True
    assert fake.calls_to("sendMessage")[0].method == "sendMessage"


# ---- spec validation --------------------------------------------------------------------------


async def test_unknown_method_is_404(fake: FakeTelegram) -> None:
    status, body = await raw_call(fake, "sendTelegram", {})
    assert status == 404
    assert body == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert fake.errors == ["sendTelegram: Not Found"]


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        ({"chat_id": 1}, 'required parameter "text"'),
        ({"chat_id": 1, "text": "x", "colour": "red"}, 'unknown parameter "colour"'),
        ({"chat_id": 1, "text": 5}, 'field "text" must be of type String'),
        ({"chat_id": 1.5, "text": "x"}, '"chat_id" must be of type Integer or String'),
        (
            {"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[{"url": "x"}]]}},
            'field "reply_markup.inline_keyboard[0][0].text" is required',
        ),
        (
            {"chat_id": 1, "text": "x", "link_preview_options": {"is_disabled": "yes"}},
            'field "link_preview_options.is_disabled" must be of type Boolean',
        ),
        (
            {"chat_id": 1, "text": "x", "reply_parameters": {"message_id": 1, "bogus": 1}},
            'unknown field "reply_parameters.bogus"',
        ),
    ],
)
async def test_spec_violations_are_400(
    fake: FakeTelegram, payload: dict[str, Any], needle: str
) -> None:
    status, body = await raw_call(fake, "sendMessage", payload)
    assert status == 400, body
    assert body["error_code"] == 400
    assert body["description"].startswith("Bad Request: ")
    assert needle in body["description"]
    assert len(fake.errors) == 1 and fake.errors[0].startswith("sendMessage: Bad Request")
    assert fake.calls == []


async def test_form_encoded_nested_json_is_decoded_by_declared_type(fake: FakeTelegram) -> None:
    commands = json.dumps([{"command": "start", "description": "Begin"}])
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake.base_url}/bot{TOKEN}/setMyCommands",
            data={"commands": commands, "language_code": "nl"},
        ) as resp,
    ):
        assert resp.status == 200
    assert fake.calls[0].params["commands"] == [{"command": "start", "description": "Begin"}]


async def test_wrong_token_is_401_when_a_token_is_configured() -> None:
    async with FakeTelegram(token=TOKEN) as fake:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{fake.base_url}/bot1:WRONG/getMe") as resp,
        ):
            assert resp.status == 401
        assert fake.errors == ["getMe: Unauthorized"]


async def test_validation_can_be_switched_off() -> None:
    async with FakeTelegram(validate=False) as fake:
        status, _ = await raw_call(fake, "sendMessage", {"chat_id": 1, "text": "x", "extra": 1})
        assert status == 200 and fake.errors == []


# ---- Telegram's limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "needle"),
    [
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag"),
        ("Fish & chips", 'Unescaped "&"'),
        ('<span class="x">s</span>', 'must have class "tg-spoiler"'),
    ],
)
async def test_bad_html_is_rejected(fake: FakeTelegram, bot: Bot, html: str, needle: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)Can't parse entities") as info:
        await bot.send_message(CHAT, html, parse_mode="HTML")
    assert needle.lower() in str(info.value).lower()
    assert len(fake.errors) == 1 and "can't parse entities" in fake.errors[0]
    assert fake.messages(CHAT) == []


async def test_length_is_counted_after_entity_parsing(fake: FakeTelegram, bot: Bot) -> None:
    fits = "<b>" + "a" * 4095 + "&amp;</b>"  # tags are free, &amp; counts one
    message = await bot.send_message(CHAT, fits, parse_mode="HTML")
    assert len(message.text) == 4096
    await bot.send_message(CHAT, "😀" * 2048)  # 4096 UTF-16 code units
    assert fake.errors == []
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(CHAT, "<b>" + "a" * 4096 + "&amp;</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)too long"):
        await bot.send_message(CHAT, "😀" * 2048 + "a")
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(CHAT, b"x", filename="a.txt", caption="c" * 1025)
    assert len(fake.errors) == 4


@pytest.mark.parametrize(
    ("button", "needle"),
    [
        (InlineKeyboardButton("Go", callback_data="x" * 65), "BUTTON_DATA_INVALID"),
        (InlineKeyboardButton("Go", callback_data="é" * 33), "66 bytes"),
        (InlineKeyboardButton("Go", copy_text=CopyTextButton("c" * 257)), "COPY_TEXT_INVALID"),
        (InlineKeyboardButton("Mail", url="mailto:a@b.org"), "BUTTON_URL_INVALID"),
        (InlineKeyboardButton("Call", url="tel:+31201234567"), "BUTTON_URL_INVALID"),
        (InlineKeyboardButton("", callback_data="x"), "BUTTON_TEXT_INVALID"),
    ],
)
async def test_bad_buttons_are_rejected(
    fake: FakeTelegram, bot: Bot, button: InlineKeyboardButton, needle: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){re.escape(needle)}"):
        await bot.send_message(CHAT, "hi", reply_markup=keyboard(button))
    assert len(fake.errors) == 1


async def test_buttons_at_the_limits_are_accepted(fake: FakeTelegram, bot: Bot) -> None:
    markup = keyboard(
        InlineKeyboardButton("A", callback_data="x" * 64),
        InlineKeyboardButton("B", copy_text=CopyTextButton("c" * 256)),
        InlineKeyboardButton("C", url="tg://resolve?domain=amnesty"),
    )
    await bot.send_message(CHAT, "hi", reply_markup=markup)
    assert fake.errors == []


async def test_buttons_need_exactly_one_action(fake: FakeTelegram) -> None:
    both = {"text": "x", "url": "https://a.org", "callback_data": "y"}
    for button, needle in (
        ({"text": "x"}, "text buttons are unallowed"),
        (both, "exactly one"),
    ):
        payload = {"chat_id": 1, "text": "x", "reply_markup": {"inline_keyboard": [[button]]}}
        status, body = await raw_call(fake, "sendMessage", payload)
        assert status == 400 and needle in body["description"]


@pytest.mark.parametrize(
    ("commands", "language", "needle"),
    [
        ([BotCommand("Start", "Begin")], None, "BOT_COMMAND_INVALID"),
        ([BotCommand("s" * 33, "Begin")], None, "BOT_COMMAND_INVALID"),
        ([BotCommand("start", "")], None, "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([BotCommand("start", "d" * 257)], None, "BOT_COMMAND_DESCRIPTION_INVALID"),
        ([BotCommand("start", "Begin")], "eng", "LANG_CODE_INVALID"),
    ],
)
async def test_set_my_commands_validation(
    fake: FakeTelegram, bot: Bot, commands: list[BotCommand], language: str | None, needle: str
) -> None:
    with pytest.raises(BadRequest, match=f"(?i){re.escape(needle)}"):
        await bot.set_my_commands(commands, language_code=language)
    assert len(fake.errors) == 1


async def test_set_my_commands_round_trip(fake: FakeTelegram, bot: Bot) -> None:
    commands = [BotCommand("start", "Begin"), BotCommand("help_me", "h" * 256)]
    assert await bot.set_my_commands(commands, language_code="nl")
    assert await bot.get_my_commands(language_code="nl") == tuple(commands)
    assert await bot.get_my_commands() == ()
    assert fake.errors == []


async def test_edit_unknown_or_unchanged_message(fake: FakeTelegram, bot: Bot) -> None:
    markup = keyboard(InlineKeyboardButton("Go", callback_data="go"))
    sent = await bot.send_message(CHAT, "<b>v1</b>", parse_mode="HTML", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=CHAT, message_id=999)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "<b>v1</b>",
            chat_id=CHAT,
            message_id=sent.message_id,
            parse_mode="HTML",
            reply_markup=markup,
        )
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=markup)
    assert len(fake.errors) == 3

    await bot.edit_message_text("v2", chat_id=CHAT, message_id=sent.message_id)
    stored = fake.last_message(CHAT)
    assert stored is not None
    assert (stored.text, stored.edited, stored.buttons) == ("v2", True, [])  # keyboard dropped
    assert len(fake.calls_to("editMessageText")) == 1
    assert await bot.delete_message(CHAT, sent.message_id)
    assert fake.messages(CHAT) == []


async def test_answer_callback_query_must_be_delivered_and_answered_once(
    fake: FakeTelegram, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query("12345")
    query_id = fake._new_callback(CHAT, CHAT)
    assert await bot.answer_callback_query(query_id, text="Thanks!")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match=r"(?i)200"):
        await bot.answer_callback_query(fake._new_callback(CHAT, CHAT), text="t" * 201)
    assert len(fake.errors) == 3


def test_parse_html_entities_like_telegram() -> None:
    text, entities = parse_html(
        '\n <pre><code class="language-python">x = 1</code></pre>'
        "<blockquote expandable>q</blockquote><tg-spoiler>s</tg-spoiler>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>&#x1F600;&#65;&quot; \n'
    )
    assert text == 'x = 1qs👍😀A"'
    assert entities == [
        {"type": "pre", "offset": 0, "length": 5, "language": "python"},
        {"type": "expandable_blockquote", "offset": 5, "length": 1},
        {"type": "spoiler", "offset": 6, "length": 1},
        {
            "type": "custom_emoji",
            "offset": 7,
            "length": 2,
            "custom_emoji_id": "5368324170671202286",
        },
    ]


def test_parse_markdown_v2_requires_escaping() -> None:
    text, entities = parse_markdown_v2(r"*Hi* \_there\_ [site](https://a.org)\.")
    assert text == "Hi _there_ site."
    assert [e["type"] for e in entities] == ["bold", "text_link"]
    with pytest.raises(Exception, match=r"(?i)reserved"):
        parse_markdown_v2("Done.")


# ---- fault injection --------------------------------------------------------------------------


async def test_injected_faults_map_to_ptb_errors(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter, match=r"(?i)3"):
        await bot.send_message(CHAT, "a")
    fake.fail("sendMessage", chat_id=CHAT, status=403, times=2)
    for _ in range(2):
        with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
            await bot.send_message(CHAT, "b")
    await bot.send_message(CHAT + 1, "other chat is unaffected")
    fake.fail("*", status=502)
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.send_message(CHAT, "c")
    await bot.send_message(CHAT, "recovered")

    assert fake.errors == []
    assert [(f.status, f.reason) for f in fake.faults_served] == [
        (429, "fail"),
        (403, "fail"),
        (403, "fail"),
        (502, "fail"),
    ]
    assert [m.text for m in fake.messages(CHAT)] == ["recovered"]


async def test_dropped_connection_and_applied_faults(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail("sendMessage", status=0)
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "lost")
    assert fake.messages(CHAT) == []
    fake.fail("sendMessage", status=502, applied=True)
    with pytest.raises(NetworkError):
        await bot.send_message(CHAT, "landed anyway")
    assert [m.text for m in fake.messages(CHAT)] == ["landed anyway"]
    assert [f.reason for f in fake.faults_served] == ["fail", "fail_applied"]
    assert fake.errors == []


async def test_blocked_chat_gets_403(fake: FakeTelegram, bot: Bot) -> None:
    fake.blocked_chats.add(CHAT)
    with pytest.raises(Forbidden):
        await bot.send_message(CHAT, "hello?")
    assert fake.errors == [] and fake.faults_served[0].reason == "blocked"


async def test_delay_provokes_client_timeout_but_message_still_lands(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.delay("sendMessage", 0.3)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "slow", read_timeout=0.05)
    message = await fake.wait_for_message(CHAT, within=0.8)
    assert message.text == "slow"


async def test_rate_limit_per_chat(fake: FakeTelegram, bot: Bot) -> None:
    fake.rate_limit_per_second = 3
    results = await asyncio.gather(
        *(bot.send_message(CHAT, f"m{i}") for i in range(5)), return_exceptions=True
    )
    assert sum(isinstance(r, RetryAfter) for r in results) == 2
    await bot.send_message(CHAT + 1, "another chat has its own budget")
    assert max_in_any_window([c.time for c in fake.calls if c.params.get("chat_id") == CHAT]) == 3
    assert len(fake.send_times) == 4
    assert [f.reason for f in fake.faults_served] == ["rate_limit", "rate_limit"]
    assert fake.errors == []


def test_max_in_any_window() -> None:
    assert max_in_any_window([]) == 0
    assert max_in_any_window([0.0, 0.5, 0.99, 1.0, 1.5, 1.6, 1.7]) == 5
    assert max_in_any_window([0.0, 1.0, 2.0]) == 1  # windows are half-open
    assert max_in_any_window([3.0, 0.1, 0.2], window=0.5) == 2


# ---- polling ----------------------------------------------------------------------------------


def text_update(message_id: int, text: str) -> dict[str, Any]:
    chat = {"id": 1, "type": "private", "first_name": "Ann"}
    return {"message": {"message_id": message_id, "date": 0, "chat": chat, "text": text}}


async def test_get_updates_long_polls_and_honours_offset(fake: FakeTelegram, bot: Bot) -> None:
    first = fake.push_update(text_update(1, "a"))
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first]
    waiter = asyncio.create_task(bot.get_updates(offset=first + 1, timeout=5))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    second = fake.push_update(text_update(2, "b"))
    updates = await asyncio.wait_for(waiter, 1)
    assert [u.update_id for u in updates] == [second]
    assert fake.errors == []


# ---- simulated users --------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    payload = context.args[0] if context.args else "none"
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Yes, sign", callback_data=f"sign:{payload}")],
            [InlineKeyboardButton("Website", url="https://amnesty.org")],
        ]
    )
    await update.effective_message.reply_html(
        f"Hello <b>{update.effective_user.first_name if update.effective_user else ''}</b>, "
        f"campaign {payload}",
        reply_markup=markup,
    )


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Signed!")
    await query.edit_message_text(f"Thanks, you signed ({query.data})")


@pytest.fixture
async def app(fake: FakeTelegram) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = ApplicationBuilder().token(TOKEN).base_url(f"{fake.base_url}/bot")
    built = application.updater(None).build()
    built.add_handler(CommandHandler("start", start))
    built.add_handler(CallbackQueryHandler(on_button))
    await built.initialize()
    yield built
    await built.shutdown()


async def test_user_start_and_click_round_trip(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async def deliver(data: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(data, app.bot))

    ann = fake.user(1001, first_name="Ann", deliver=deliver)
    (reply,) = await ann.send("/start ua-42")
    assert reply.text == "Hello Ann, campaign ua-42"
    assert reply.entities == [{"type": "bold", "offset": 6, "length": 3}]
    assert ann.button("Website")["url"] == "https://amnesty.org"

    (edited,) = await ann.click("Yes")  # substring match
    assert edited is reply and edited.edited
    assert edited.text == "Thanks, you signed (sign:ua-42)"
    assert ann.last_answer is not None and ann.last_answer["text"] == "Signed!"
    assert fake.unanswered_callbacks() == []

    with pytest.raises(AssertionError, match=r"(?i)available buttons"):
        await ann.click("Nope")
    await ann.send("/start again")
    with pytest.raises(AssertionError, match=r"(?i)not a callback button"):
        await ann.click("Website")
    bob = fake.user(1002, first_name="Bob", deliver=deliver)
    await bob.send("/start")
    assert bob.last is not None and bob.last.text == "Hello Bob, campaign none"
    assert fake.errors == []


async def test_stale_callback_data_and_non_text_messages(
    fake: FakeTelegram, app: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    async def deliver(data: dict[str, Any]) -> None:
        await app.process_update(Update.de_json(data, app.bot))

    ann = fake.user(1003, deliver=deliver)
    assert await ann.send_sticker() == []
    assert await ann.send_photo() == []
    # The handler edits a message the bot never sent: Telegram says "not found" and PTB hands
    # the BadRequest to the (absent) error handlers; the fake records it as a bot error.
    assert await ann.click_data("sign:forged", message_id=77) == []
    assert fake.errors == ["editMessageText: Bad Request: message to edit not found"]
    assert ann.last_answer is not None and fake.unanswered_callbacks() == []
    fake.errors.clear()


async def test_user_without_deliver_goes_through_real_polling(fake: FakeTelegram) -> None:
    application = ApplicationBuilder().token(TOKEN).base_url(f"{fake.base_url}/bot").build()
    application.add_handler(CommandHandler("start", start))
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        ann = fake.user(1004, first_name="Ann")
        (reply,) = await ann.send("/start poll")
        assert reply.text == "Hello Ann, campaign poll"
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()
    assert fake.errors == []
