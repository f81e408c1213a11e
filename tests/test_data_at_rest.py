"""A seized or leaked database file must not reveal who wrote to the President."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from bot.core.crypto import Vault
from bot.storage import Storage
from faketelegram import FakeUser
from tests.harness import SECRET_KEY, BotUnderTest

# Distinctive values, so a match in the raw file cannot be a coincidence.
PEOPLE = [
    (731904562, "en", "Zhanna Qwertova", "Taldykorgan"),
    (845120937, "ru", "Айгерим Тестова", "Шымкентград"),
]


async def act_and_sign(user: FakeUser, name: str, city: str) -> None:
    await user.send("/start")
    await user.click("Kassym-Jomart Tokayev" if user.language_code == "en" else "Касым-Жомарт")
    await user.click("✉️ Email")
    await user.click("Initials and city" if user.language_code == "en" else "Инициалы и город")
    await user.send(name)
    await user.send(city)
    await user.click("✅")
    await user.click("🔔")


def raw_files(database: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(f"{database}{suffix}")
        if path.exists():
            data += path.read_bytes()
    return data


def forms(value: str | int) -> list[bytes]:
    text = str(value)
    out = [text.encode("utf-8"), text.encode("utf-16-le")]
    if isinstance(value, int):
        out += [value.to_bytes(4, "big"), value.to_bytes(8, "big")]  # SQLite integer encodings
    return out


async def test_the_database_file_holds_no_ids_names_or_cities(bot: BotUnderTest) -> None:
    for user_id, lang, name, city in PEOPLE:
        await act_and_sign(bot.user(user_id, language_code=lang, name=name), name, city)
    assert bot.query("SELECT count(*) FROM actions") == [(2,)]
    # Read while the bot runs (the WAL still holds the recent writes), then after it stops.
    for moment in ("running", "stopped"):
        raw = raw_files(bot.database)
        assert raw, moment
        for user_id, _, name, city in PEOPLE:
            for value in (user_id, name, city):
                for encoded in forms(value):
                    assert encoded not in raw, (moment, value)
        if moment == "running":
            await bot.stop()
    await bot.start()
    # And the bot still knows them: the letter is signed from the sealed name.
    ann = bot.user(PEOPLE[0][0], language_code="en")
    [data] = await ann.send("/mydata")
    assert "Zhanna Qwertova, Taldykorgan" in data.text


async def test_rotating_the_secret_keeps_everyone(bot: BotUnderTest, tmp_path: Path) -> None:
    user_id, lang, name, city = PEOPLE[0]
    await act_and_sign(bot.user(user_id, language_code=lang), name, city)
    await bot.stop()
    new_secret = "rotated-secret-key-" + "x" * 32
    storage = await Storage.open(bot.database, Vault(new_secret))
    try:
        assert await storage.rekey(Vault(SECRET_KEY)) == 1
        supporter = await storage.supporter(user_id)
        assert supporter is not None and supporter.signature is not None
        assert supporter.signature.text == f"{name}, {city}"
        assert len(supporter.actions) == 1
        assert supporter.subscriptions == {"ua-31-22"}
    finally:
        await storage.close()
    # The old secret no longer opens anything.
    storage = await Storage.open(bot.database, Vault(SECRET_KEY))
    try:
        assert await storage.supporter(user_id) is None
    finally:
        await storage.close()


def test_a_tampered_or_foreign_value_does_not_open() -> None:
    vault = Vault(SECRET_KEY)
    sealed = vault.seal("Almaty", "sign_city")
    assert vault.open(sealed, "sign_city") == "Almaty"
    with pytest.raises(InvalidTag):
        vault.open(sealed, "sign_name")  # bound to its column
    with pytest.raises(InvalidTag):
        Vault("another-secret-" + "y" * 32).open(sealed, "sign_city")


def test_rotate_key_command(tmp_path: Path) -> None:
    import asyncio
    import os
    import subprocess
    import sys

    from tests.harness import ROOT

    database = tmp_path / "bot.sqlite3"

    async def make() -> None:
        storage = await Storage.open(database, Vault(SECRET_KEY))
        now = __import__("datetime").datetime.now()
        await storage.subscribe(4242, "ua-31-22", "ru", now)  # agreed to be messaged
        await storage.set_language(4242, "ru", now)
        await storage.set_language(4343, "en", now)  # never agreed: no chat id was kept
        await storage.close()

    asyncio.run(make())
    new_key = "n" * 40
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")} | {
        "PYTHONPATH": str(ROOT),
        "BOT_TOKEN": "1:x",
        "BOT_SECRET_KEY": new_key,
        "BOT_SECRET_KEY_OLD": SECRET_KEY,
        "BOT_DATABASE": str(database),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "rotate-key"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Re-keyed 1 supporter" in result.stdout

    async def check() -> None:
        storage = await Storage.open(database, Vault(new_key))
        supporter = await storage.supporter(4242)
        # A key is a one-way hash: without a chat id the row cannot follow; it is gone.
        assert await storage.supporter(4343) is None
        rows = (
            await storage.schema_version(),
            len(await storage.audiences.recipients("subscribers", "ua-31-22")),
        )
        await storage.close()
        assert supporter is not None and supporter.lang == "ru"
        assert rows[1] == 1

    asyncio.run(check())


async def test_a_task_cancelled_while_its_transaction_begins_leaves_no_transaction_open(
    tmp_path: Path,
) -> None:
    # A restart cancels tasks wherever they are; one cancelled while BEGIN ran left the
    # shared connection inside a transaction, and every later write failed with
    # "cannot start a transaction within a transaction".
    import asyncio

    from bot.storage.database import Database

    database = await Database.open(tmp_path / "bot.sqlite3", Vault(SECRET_KEY))
    try:

        async def write_something() -> None:
            async with database.transaction() as db:
                await db.execute("INSERT INTO handled_updates VALUES (1, 'x')")

        task = asyncio.create_task(write_something())
        for _ in range(3):  # into the lock, then into the BEGIN sent to the database thread
            await asyncio.sleep(0)
        task.cancel()
        with __import__("contextlib").suppress(asyncio.CancelledError):
            await task
        async with database.transaction() as db:
            await db.execute("INSERT INTO handled_updates VALUES (2, 'y')")
        assert await database.connection.execute_fetchall(
            "SELECT update_id FROM handled_updates"
        ) == [(2,)]
    finally:
        await database.close()
