"""Nothing a supporter can send ends in silence or in an invalid request."""

from __future__ import annotations

import pytest

from faketelegram import FakeTelegram
from tests.harness import BotUnderTest


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "This bot understands only its buttons"), ("ru", "Бот понимает только кнопки")],
)
async def test_free_text_gets_a_pointer_to_the_buttons(
    bot: BotUnderTest, language: str, expected: str
) -> None:
    user = bot.user(4001, language_code=language)
    [reply] = await user.send("hello?")
    assert expected in reply.text
    [menu] = await user.click(reply.button_texts[0])
    assert "31.22" in menu.text


async def test_stickers_and_photos_are_answered(bot: BotUnderTest) -> None:
    ann = bot.user(4002)
    [reply] = await ann.send_sticker()
    assert "can't read stickers" in reply.text
    [reply] = await ann.send_photo()
    assert "can't read stickers, photos" in reply.text


async def test_unknown_commands_are_answered_with_help(bot: BotUnderTest) -> None:
    ann = bot.user(4003)
    # One message, not two: a flood of unknown commands must not cost twice the budget.
    [sent] = await ann.send("/frobnicate")
    assert "There is no such command" in sent.text
    assert "/signature" in sent.text


async def test_outdated_and_forged_buttons_get_a_note_and_the_menu(bot: BotUnderTest) -> None:
    ann = bot.user(4004)
    [card] = await ann.send("/start")
    for data in (
        "o:ua-99-99:president",  # a case removed from content
        "o:ua-31-22:minister",  # an official removed from content
        "v:ua-31-22:president:h:en",  # a channel the President does not have
        "v:ua-31-22:president:e",  # malformed
        "zz:whatever",  # a prefix from another version
        "k:ua-31-22:president:e:xx",
        "s:maybe",
    ):
        # One message: the current menu under a line that says why it came.
        [sent] = await ann.click_data(data, card.message_id)
        assert "out of date" in sent.text, data
        assert "31.22" in sent.text
        assert ann.last_answer is not None and "out of date" in str(ann.last_answer)
    assert bot.query("SELECT count(*) FROM actions") == [(0,)]


async def test_a_button_on_a_deleted_message_still_answers(
    bot: BotUnderTest, fake: FakeTelegram
) -> None:
    ann = bot.user(4005)
    await ann.send("/start")
    sent = await ann.click_data("c:ua-31-22", 999_999)
    assert "31.22" in sent[-1].text
    # Telegram refuses the edit of a vanished message; the bot then sends a new one.
    assert fake.errors == ["editMessageText: Bad Request: message to edit not found"]
    fake.errors.clear()


async def test_the_same_button_twice_does_not_break(bot: BotUnderTest) -> None:
    ann = bot.user(4006)
    [card] = await ann.send("/start")
    data = ann.button("President of Kazakhstan", card)["callback_data"]
    await ann.click_data(data, card.message_id)
    await ann.click_data(data, card.message_id)  # "message is not modified" is handled


async def test_group_chats_are_pointed_to_the_private_chat(
    bot: BotUnderTest, fake: FakeTelegram
) -> None:
    group = {"id": -100555, "type": "supergroup", "title": "Activists"}
    user = {"id": 4007, "is_bot": False, "first_name": "Ann", "language_code": "en"}
    for text in ("/start", "/start@ua_test_bot"):
        await bot.deliver(
            {
                "update_id": fake.next_update_id(),
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": group,
                    "from": user,
                    "text": text,
                    "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
                },
            }
        )
    sent = fake.messages(-100555)
    assert sent and all("only in a private chat" in m.text for m in sent)
    # With a link straight to the private chat.
    assert all('<a href="https://t.me/ua_test_bot">' in m.html for m in sent)
    # Ordinary group chatter is not answered.
    await bot.deliver(
        {
            "update_id": fake.next_update_id(),
            "message": {"message_id": 2, "date": 0, "chat": group, "from": user, "text": "hi"},
        }
    )
    assert len(fake.messages(-100555)) == len(sent)


async def test_empty_signature_input_asks_again(bot: BotUnderTest) -> None:
    ann = bot.user(4008)
    await ann.send("/signature")
    await ann.click("Full name")
    [again] = await ann.send("\u202e\u200b ")
    assert "Please type at least a few characters" in again.text
    [saved] = await ann.send("Ann Lee")
    assert "Ann Lee" in saved.text
