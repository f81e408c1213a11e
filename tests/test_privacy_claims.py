"""What supporters are told is what the storage holds: every claim checked against the database.

/privacy must name every column that holds something about a supporter (a column added
without saying so to supporters fails here), say how long it is kept with the deployment's
own numbers, and /mydata must show every value stored for a supporter who has them all.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from faketelegram import FakeTelegram, FakeUser
from tests.conftest import ADMIN_ID
from tests.harness import BotUnderTest, MutableClock, wait_until

# Everything stored about a person, by column, and the words of /privacy that tell it.
SUPPORTER = ("the actions you confirmed", "подтверждённые вами действия")
SENT = (
    "which reminders, news and messages from organizers we sent you, and when",
    "какие напоминания, новости и сообщения организаторов мы вам отправили и когда",
)
ORGANIZER = ("the broadcasts you sent", "рассылки, которые вы отправили")
CLAIMS: dict[str, tuple[str, str]] = {
    "users.user_key": (
        "a code made from your Telegram id with our secret key",
        "код, вычисленный из вашего идентификатора Telegram с помощью нашего секретного ключа",
    ),
    "users.chat_id": (
        "your Telegram id, encrypted",
        "ваш идентификатор Telegram в зашифрованном виде",
    ),
    "users.lang": ("the language you chose with /language", "язык, который вы выбрали"),
    "users.seen_lang": ("the language of your Telegram app", "язык вашего приложения Telegram"),
    "users.sign_mode": ("how you sign letters", "как вы подписываете письма"),
    "users.sign_name": (
        "full name, or initials and city (encrypted)",
        "полное имя или инициалы и город (в зашифрованном виде)",
    ),
    "users.sign_city": (
        "full name, or initials and city (encrypted)",
        "полное имя или инициалы и город (в зашифрованном виде)",
    ),
    "users.pending": (
        "what you have typed so far (encrypted)",
        "то, что уже введено (тоже в зашифрованном виде)",
    ),
    "users.created_at": (
        "the day you first used the bot",
        "день, когда вы впервые воспользовались ботом",
    ),
    "users.stopped_at": ("the day you sent /stop", "день, когда вы отправили /stop"),
    "users.blocked_at": ("blocked the bot", "заблокировали бота"),
    **{f"actions.{c}": SUPPORTER for c in ("user_key", "case_id", "official_id", "channel")},
    "actions.created_at": ("case, official, channel and day", "акция, адресат, способ и день"),
    "subscriptions.user_key": (
        "the cases you asked to be reminded of",
        "акции, о которых вы попросили напоминать",
    ),
    "subscriptions.case_id": (
        "the cases you asked to be reminded of",
        "акции, о которых вы попросили напоминать",
    ),
    "subscriptions.created_at": ("and the day you asked", "и день, когда попросили"),
    **{
        f"outbox.{c}": SENT
        for c in (
            "id",
            "delivery_id",
            "user_key",
            "payload_id",
            "state",
            "attempts",
            "error",
            "updated_at",
        )
    },
    **{
        column: (
            "whether you want to hear about new Urgent Actions (each one, or weekly), whether"
            " reminders and news are on",
            "хотите ли вы узнавать о новых срочных акциях (о каждой или раз в неделю), включены"
            " ли напоминания и новости",
        )
        for column in ("users.alerts", "users.reminders", "users.news")
    },
    **{
        f"letter_choices.{column}": (
            "the letter language you chose for a case",
            "язык письма, выбранный вами для акции",
        )
        for column in ("user_key", "case_id", "lang")
    },
    "deliveries.created_by": ORGANIZER,
    "deliveries.report_to": ORGANIZER,
}
NEVER = (
    "your phone number, contacts, username or profile name",
    "ваш номер телефона, контакты, имя пользователя и имя в профиле",
)


def personal_columns(database: Path) -> set[str]:
    """Every column of a table that refers to a person, and who made a delivery."""
    with sqlite3.connect(database) as connection:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        found = set()
        for table in tables:
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            if "user_key" in columns:
                found |= {f"{table}.{column}" for column in columns}
        found |= {"deliveries.created_by", "deliveries.report_to"}
    return found


async def test_privacy_names_everything_the_database_holds_about_a_person(
    bot: BotUnderTest,
) -> None:
    assert personal_columns(bot.database) == set(CLAIMS)
    for lang, index in (("en", 0), ("ru", 1)):
        [privacy] = await bot.user(3100 + index, language_code=lang).send("/privacy")
        text = " ".join(privacy.text.split())
        for column, words in CLAIMS.items():
            assert words[index] in text, (lang, column)
        assert NEVER[index] in text


@pytest.mark.parametrize(("retention", "backups"), [(30, 14), (7, 0)])
async def test_privacy_says_how_long_with_this_deployments_numbers(
    fake: FakeTelegram,
    tmp_path: Path,
    content: Any,
    clock: MutableClock,
    retention: int,
    backups: int,
) -> None:
    bot = BotUnderTest(
        fake,
        tmp_path / "db.sqlite3",
        content,
        clock,
        retention_days=retention,
        backup_days=backups,
    )
    await bot.start()
    try:
        [en] = await bot.user(3110).send("/privacy")
        [ru] = await bot.user(3111, language_code="ru").send("/privacy")
    finally:
        await bot.stop()
    assert f"deleted automatically {retention} days after the Urgent Action" in en.text
    assert f"автоматически через {retention} дней после окончания срочной акции" in ru.text
    if backups:
        assert f"backups keep a copy for up to {backups} days more" in en.text
        assert f"остаются ещё до {backups} дней" in ru.text
    else:
        assert "The server keeps no backups." in en.text
        assert "Резервных копий сервер не хранит." in ru.text
    for text in (en.text, ru.text):
        assert "end-to-end" in text or "сквозным шифрованием" in text
        assert "/forget" in text and "/mydata" in text


async def everything_stored(bot: BotUnderTest, user: FakeUser) -> None:
    """A supporter with every column set: language, signature, action, reminders, a message
    from an organizer, /stop, and a second signature left half-typed."""
    await user.send("/language")
    await user.click("Русский")
    await user.send("/start")
    await user.click("Посол")
    await user.click("✉️ Email")
    await user.click("Инициалы и город")
    await user.send("Ж. Т.")
    await user.send("Талдыкорган")
    await user.click("✅")
    await user.click("🔔")
    admin = bot.user(ADMIN_ID)
    await admin.send("/broadcast")
    await admin.click("All subscribers")
    await admin.send("The trial starts on Monday.")
    await admin.click("Send to 1")
    await wait_until(lambda: any("trial starts" in (m.text or "") for m in user.messages))
    await user.send("/stop")
    await user.send("/signature")
    await user.click("Полное имя")


async def test_mydata_shows_every_value_stored(bot: BotUnderTest) -> None:
    user = bot.user(3120, language_code="ru")
    await everything_stored(bot, user)
    [row] = bot.query(
        "SELECT lang, seen_lang, sign_mode, sign_name IS NOT NULL, sign_city IS NOT NULL,"
        " pending IS NOT NULL, created_at, stopped_at, chat_id IS NOT NULL FROM users"
        " WHERE user_key != (SELECT created_by FROM deliveries)"
    )
    # /stop withdrew the consent to be messaged: the chat id went with it.
    assert row == ("ru", "ru", "initials", 1, 1, 1, "2022-05-05", "2022-05-05", 0)
    [data] = await user.send("/mydata")
    text = data.text
    for shown in (
        "Язык: русский",
        "язык вашего Telegram: русский",
        "Подпись: Ж. Т., Талдыкорган",
        "Первое обращение к боту: 5 мая 2022 г.",
        "Напоминания: нет",  # /stop ended them
        "отключены командой /stop 5 мая 2022 г.",
        "Записей о сообщениях от нас: 1",
        "UA 31.22 — Посол Республики Казахстан в США — ✉️ Email — 5 мая 2022 г.",
        "Новые срочные акции: не сообщать · напоминания включены · новости включены",
        "/forget",
    ):
        assert shown in text, shown
    assert "идентификатор Telegram хранится" not in text
    # The half-typed signature: a command ends the typing, so /mydata found it deleted.
    assert bot.query("SELECT count(*) FROM users WHERE pending IS NOT NULL") == [(0,)]


async def test_mydata_shows_reminders_with_their_day(bot: BotUnderTest) -> None:
    user = bot.user(3121)
    await user.send("/start")
    await user.click("Ambassador of Kazakhstan")
    await user.click("🐦")
    await user.click("✅")
    await user.click("🔔")
    [data] = await user.send("/mydata")
    assert "Reminders for: UA 31.22 (since 5 May 2022)" in data.text
    assert "Messages from us: on" in data.text
    assert "Your Telegram id is stored encrypted" in data.text  # following is consent


async def test_what_privacy_says_is_never_stored_is_not(
    fake: FakeTelegram, bot: BotUnderTest
) -> None:
    user = fake.user(3130, "Qwertyna Zhumabekova", "en", deliver=bot.deliver)
    user.username = "qwertyna_kz"
    await user.send("/start")
    await user.send("words only for the bot 12345")
    await user.click("President of Kazakhstan")
    await user.click("🐦")
    await user.click("✅")
    await bot.stop()
    raw = b"".join(path.read_bytes() for path in bot.database.parent.glob(f"{bot.database.name}*"))
    for never in ("Qwertyna", "Zhumabekova", "qwertyna_kz", "words only for the bot"):
        assert never.encode() not in raw and never.encode("utf-16-le") not in raw
