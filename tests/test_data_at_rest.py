"""A seized or leaked database file must not reveal who wrote to the President."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from bot.core.crypto import Vault, generate_secret
from bot.storage import KeyMismatch, Storage
from faketelegram import FakeUser
from tests.conftest import ADMIN_ID
from tests.harness import SECRET_KEY, BotUnderTest, wait_until

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
    old, new = Vault(SECRET_KEY), Vault(generate_secret())
    storage = await Storage.open(bot.database, old)
    try:
        assert await storage.rotate_key(old, new) == 1
    finally:
        await storage.close()
    storage = await Storage.open(bot.database, new)
    try:
        supporter = await storage.supporter(user_id)
        assert supporter is not None and supporter.signature is not None
        assert supporter.signature.text == f"{name}, {city}"
        assert len(supporter.actions) == 1
        assert supporter.subscriptions == {"ua-31-22"}
    finally:
        await storage.close()
    # The old secret no longer opens the database.
    with pytest.raises(KeyMismatch):
        await Storage.open(bot.database, old)


def test_a_tampered_or_foreign_value_does_not_open() -> None:
    vault = Vault(SECRET_KEY)
    owner, other = vault.user_key(1), vault.user_key(2)
    sealed = vault.seal("Almaty", "sign_city", owner)
    assert vault.open(sealed, "sign_city", owner) == "Almaty"
    with pytest.raises(InvalidTag):
        vault.open(sealed, "sign_name", owner)  # bound to its column
    with pytest.raises(InvalidTag):
        vault.open(sealed, "sign_city", other)  # and to its owner
    with pytest.raises(InvalidTag):
        Vault(generate_secret()).open(sealed, "sign_city", owner)


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
    new_key = generate_secret()
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


async def test_emptying_the_wal_waits_for_a_read_in_progress(tmp_path: Path) -> None:
    # /forget empties the WAL while other supporters' reads run on the same connection; a
    # read still stepping through its rows made the checkpoint fail ("database table is
    # locked") and /forget answer with an error, leaving the deleted rows in the WAL.
    import asyncio

    from bot.storage.database import Database

    database = await Database.open(tmp_path / "bot.sqlite3", Vault(SECRET_KEY))
    try:
        async with database.transaction() as db:
            for update_id in range(20):
                await db.execute("INSERT INTO handled_updates VALUES (?, 'x')", (update_id,))
        async with database.connection.execute("SELECT update_id FROM handled_updates") as rows:
            assert await rows.fetchone() is not None  # the read is in progress
            scrubbing = asyncio.create_task(database.scrub())
            await asyncio.sleep(0.05)
            assert len(await rows.fetchall()) == 19
        await asyncio.wait_for(scrubbing, 2)  # done once the read ended, not failed
        assert (tmp_path / "bot.sqlite3-wal").stat().st_size == 0
    finally:
        await database.close()


async def test_a_sealed_value_moved_to_another_row_does_not_open(bot: BotUnderTest) -> None:
    # Someone who can write the database but has no key copies a victim's sealed name and
    # city into their own row, hoping /mydata will open it for them.
    victim, thief = bot.user(731904562), bot.user(845120937, language_code="en")
    await act_and_sign(victim, "Zhanna Qwertova", "Taldykorgan")
    await act_and_sign(thief, "T. T.", "Nowhere")
    vault = Vault(SECRET_KEY)
    with sqlite3.connect(bot.database) as connection:
        connection.execute(
            "UPDATE users SET (sign_name, sign_city) = (SELECT sign_name, sign_city FROM users"
            " WHERE user_key = ?) WHERE user_key = ?",
            (vault.user_key(victim.id), vault.user_key(thief.id)),
        )
    await thief.send("/mydata")
    assert not [m for m in thief.messages if "Qwertova" in m.text or "Taldykorgan" in m.text]


async def test_sealed_values_have_a_few_fixed_sizes(bot: BotUnderTest) -> None:
    # The length of a sealed name or city must not tell how long the name or city is.
    for user_id, initials, city in [
        (8801, "A.", "Oral"),
        (8802, "Ж. К. М.", "Петропавловск-Камчатский"),
        (8803, "Zh. B.", "Llanfairpwllgwyngyll"),
    ]:
        await act_and_sign(bot.user(user_id), initials, city)
    lengths = bot.query(
        "SELECT DISTINCT length(chat_id), length(sign_name), length(sign_city) FROM users"
    )
    assert len(lengths) == 1, lengths


async def test_behaviour_is_kept_to_the_day(bot: BotUnderTest) -> None:
    user = bot.user(8901)
    await act_and_sign(user, "A. B.", "Berlin")
    await user.send("/stop")
    days = bot.query(
        "SELECT u.created_at, u.stopped_at, a.created_at, 'x' FROM users u"
        " JOIN actions a USING (user_key)"
    ) + bot.query("SELECT created_at FROM subscriptions")
    values = [value for row in days for value in row if value != "x"]
    assert values and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) for value in values), values


async def organizer_broadcasts(bot: BotUnderTest) -> None:
    await act_and_sign(bot.user(8950), "A. B.", "Berlin")
    admin = bot.user(ADMIN_ID)
    await admin.send("/broadcast")
    await admin.click("All subscribers")
    await admin.send("The trial starts on Monday.")
    await admin.click("Send to 1")
    await wait_until(lambda: "finished" in (admin.last.text if admin.last else ""))


async def test_organizers_ids_are_not_stored_in_plain_text(bot: BotUnderTest) -> None:
    await organizer_broadcasts(bot)
    assert bot.query("SELECT count(*) FROM deliveries WHERE report_to IS NOT NULL") == [(1,)]
    raw = raw_files(bot.database)
    for encoded in forms(ADMIN_ID):
        assert encoded not in raw
    assert b"admin:" not in raw


async def test_rotating_the_key_moves_organizers_records_too(bot: BotUnderTest) -> None:
    await organizer_broadcasts(bot)
    await bot.stop()
    old, new = Vault(SECRET_KEY), Vault(generate_secret())
    storage = await Storage.open(bot.database, old)
    try:
        await storage.rotate_key(old, new, organizers=[ADMIN_ID])
    finally:
        await storage.close()
    storage = await Storage.open(bot.database, new)
    try:
        delivery = await storage.outbox.get(1)
        assert delivery is not None and delivery.created_by == new.user_key(ADMIN_ID)
        target = await storage.outbox.report_to(delivery.id)
        assert target is not None and json.loads(target)["chat"] == ADMIN_ID
    finally:
        await storage.close()


def modes(database: Path) -> dict[str, int]:
    found = {"folder": database.parent.stat().st_mode & 0o777}
    for suffix in ("", "-wal", "-shm"):
        found[f"file{suffix}"] = Path(f"{database}{suffix}").stat().st_mode & 0o777
    return found


async def test_the_database_is_private_from_its_first_byte(tmp_path: Path) -> None:
    # Created readable by its owner only, before SQLite writes a byte into it; SQLite gives
    # the WAL and shared memory the same permissions.
    database = tmp_path / "data" / "bot.sqlite3"
    umask = os.umask(0o022)  # the usual default, which would leave it readable by all
    try:
        storage = await Storage.open(database, Vault(SECRET_KEY))
        await storage.set_language(4242, "ru", datetime.now(UTC))
        found = modes(database)
        await storage.close()
    finally:
        os.umask(umask)
    assert found == {"folder": 0o700, "file": 0o600, "file-wal": 0o600, "file-shm": 0o600}
