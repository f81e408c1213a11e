"""Deleted means gone: after /forget or retention nothing of the supporter is left in the files.

The search is made as someone who seized the server would make it, with BOT_SECRET_KEY in
hand: the raw database file, its WAL and shared memory, searched for the supporter's key, for
every sealed value the database held for them, for their id, name and city in plain text, and
for any value that opens with the key as theirs.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag

from bot.core.crypto import SEALED_COLUMNS, Vault
from faketelegram import FakeUser
from tests.conftest import ADMIN_ID
from tests.harness import SECRET_KEY, BotUnderTest, MutableClock, wait_until

VAULT = Vault(SECRET_KEY)
_TOKEN = re.compile(rb"[A-Za-z0-9_\-]{24,}={0,2}")


def raw_files(database: Path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(f"{database}{suffix}")
        if path.exists():
            data += path.read_bytes()
    return data


def wal_size(database: Path) -> int:
    return Path(f"{database}-wal").stat().st_size


def forms(value: str | int) -> list[bytes]:
    text = str(value)
    out = [text.encode("utf-8"), text.encode("utf-16-le")]
    if isinstance(value, int):
        out += [value.to_bytes(4, "big"), value.to_bytes(8, "big")]
    return out


def openable(raw: bytes, owner: str) -> list[tuple[str, str]]:
    """(column, text) of every value in `raw` that opens with the key as `owner`'s."""
    found = []
    for match in set(_TOKEN.findall(raw)):
        try:
            token = base64.urlsafe_b64decode(match + b"=" * (-len(match) % 4))
        except (binascii.Error, ValueError):
            continue
        if len(token) < 28:
            continue
        text = match.decode()
        for column in SEALED_COLUMNS:
            with contextlib.suppress(InvalidTag, ValueError):
                found.append((column, VAULT.open(text, column, owner)))
    return found


def sealed_values(bot: BotUnderTest, key: str) -> list[str]:
    """Every sealed value the database holds for this supporter now."""
    [row] = bot.query(
        "SELECT chat_id, sign_name, sign_city, pending FROM users WHERE user_key = ?", (key,)
    )
    reports = bot.query("SELECT report_to FROM deliveries WHERE created_by = ?", (key,))
    return [value for value in [*row, *(r[0] for r in reports)] if value]


async def act_sign_subscribe(user: FakeUser, initials: str, city: str) -> None:
    await user.send("/start")
    await user.click("Kassym-Jomart Tokayev")
    await user.click("✉️ Email")
    await user.click("Initials and city")
    await user.send(initials)
    await user.send(city)
    await user.click("✅")
    await user.click("🔔")


async def test_after_forget_the_files_hold_nothing_of_the_supporter(bot: BotUnderTest) -> None:
    # The one who forgets is also an organizer who sent a broadcast: their records go too.
    gone, kept = bot.user(ADMIN_ID), bot.user(731904562)
    await act_sign_subscribe(gone, "Zh. Q.", "Taldykorgan")
    await act_sign_subscribe(kept, "A. T.", "Shymkentgrad")
    gone_key, kept_key = VAULT.user_key(gone.id), VAULT.user_key(kept.id)
    earlier = sealed_values(bot, gone_key)  # chat id, initials, city
    await gone.click("✍️ Change signature")  # a second signature: older values in the WAL
    await gone.click("Full name")
    await gone.send("Zhanna Qwertova")
    await gone.send("/broadcast")
    await gone.click("All subscribers")
    await gone.send("The trial starts on Monday.")
    await gone.click("Send to 2")
    await wait_until(lambda: any("finished" in (m.text or "") for m in gone.messages))

    # Chat id, name, and where the broadcast's progress is shown; and the earlier ones.
    secrets = set(sealed_values(bot, gone_key) + earlier)
    assert len(secrets) == 5
    # The search works: before /forget it finds them, and it finds the one who stays.
    assert openable(raw_files(bot.database), gone_key)

    await gone.send("/forget")
    await gone.click("Yes, delete everything")
    assert "everything we stored about you is deleted" in (gone.last.text if gone.last else "")

    raw = raw_files(bot.database)
    assert gone_key.encode() not in raw
    for value in secrets:
        assert value.encode() not in raw
    for plain in (gone.id, "Zhanna Qwertova", "Zh. Q.", "Taldykorgan"):
        for encoded in forms(plain):
            assert encoded not in raw, plain
    assert openable(raw, gone_key) == []
    # The one who stays is still there, and still opens.
    assert kept_key.encode() in raw
    assert ("sign_city", "Shymkentgrad") in openable(raw, kept_key)


async def test_retention_reaches_every_supporter(
    fake: Any, tmp_path: Path, content: Any, clock: MutableClock
) -> None:
    bot = BotUnderTest(fake, tmp_path / "db.sqlite3", content, clock, retention_days=30)
    await bot.start()
    try:
        # Signed but never confirmed an action.
        signed = bot.user(8701)
        await signed.send("/start")
        await signed.click("Kassym-Jomart Tokayev")
        await signed.click("✉️ Email")
        await signed.click("Full name")
        await signed.send("Nurlan Testov")
        # Stopped half-way through typing a signature.
        halfway = bot.user(8702)
        await halfway.send("/start")
        await halfway.click("Kassym-Jomart Tokayev")
        await halfway.click("📮 Letter by post")
        await halfway.click("Initials and city")
        await halfway.send("N. T.")
        # Acted on a case whose folder was later removed from the content.
        removed = 8703
        await bot.services.storage.record_action(
            removed, "ua-99-21", "president", "email", clock.now
        )
        # Acted on the open case: linked to it until it closes.
        acted = bot.user(8704)
        await act_sign_subscribe(acted, "A. B.", "Berlin")
        assert bot.query("SELECT count(*) FROM users") == [(4,)]

        clock.now = datetime(2022, 6, 3, 23, 59, tzinfo=UTC)  # 29 days after: still kept
        await bot.services.run_campaigns()
        assert bot.query("SELECT count(*) FROM users") == [(4,)]

        clock.now = datetime(2022, 6, 4, 0, 0, tzinfo=UTC)  # 30 days after their last link
        await bot.services.run_campaigns()
        remaining = {row[0] for row in bot.query("SELECT user_key FROM users")}
        assert remaining == {VAULT.user_key(8704)}
        assert bot.query("SELECT count(*) FROM actions WHERE case_id = 'ua-99-21'") == [(0,)]
        # The WAL was checkpointed and emptied: the deleted rows are not in it either.
        assert wal_size(bot.database) == 0
        raw = raw_files(bot.database)
        for user_id in (8701, 8702, 8703):
            assert VAULT.user_key(user_id).encode() not in raw
            assert openable(raw, VAULT.user_key(user_id)) == []
    finally:
        await bot.stop()
