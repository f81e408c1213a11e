"""BOT_SECRET_KEY handling: the database knows its key's fingerprint (never the key itself).

A wrong key stops the bot in one line (before it could send a thing); rotate-key with a wrong
old key says so; a rotation that fails changes nothing, and one run twice has nothing to do.
Databases written before fingerprints existed are checked and upgraded on first open.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.content.signature import Signature
from bot.core.crypto import Vault, generate_secret
from bot.storage import KeyMismatch, Storage
from bot.storage.migrations import MIGRATIONS
from tests.harness import ROOT, SECRET_KEY

NOW = datetime(2022, 5, 5, 12, 0, tzinfo=UTC)
OTHER_KEY = generate_secret()


def run_bot(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    settings = {"BOT_TOKEN": "123:abc", "BOT_API_URL": "http://127.0.0.1:9"} | env
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=clean | {"PYTHONPATH": str(ROOT), "BOT_CONTENT_DIR": str(ROOT / "content")} | settings,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def make_database(path: Path, key: str, *user_ids: int) -> None:
    storage = await Storage.open(path, Vault(key))
    try:
        for user_id in user_ids:
            await storage.set_signature(user_id, Signature("name", f"Name {user_id}"), NOW)
            # Following a case is consent to be messaged: the chat id is kept, and with it
            # the supporter can follow a new key.
            await storage.subscribe(user_id, "ua-31-22", "en", NOW)
    finally:
        await storage.close()


async def name_of(path: Path, key: str, user_id: int) -> str | None:
    storage = await Storage.open(path, Vault(key))
    try:
        supporter = await storage.supporter(user_id)
    finally:
        await storage.close()
    return supporter.signature.text if supporter and supporter.signature else None


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr + result.stdout
    [line] = [line for line in (result.stderr + result.stdout).splitlines() if "error" in line]
    return line


async def test_the_bot_refuses_a_key_the_database_was_not_made_with(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    await make_database(database, SECRET_KEY, 4242)
    with pytest.raises(KeyMismatch):
        await Storage.open(database, Vault(OTHER_KEY))
    result = await asyncio.to_thread(
        run_bot, cwd=tmp_path, BOT_SECRET_KEY=OTHER_KEY, BOT_DATABASE=str(database)
    )
    assert result.returncode == 2
    assert "BOT_SECRET_KEY" in error_line(result)
    assert OTHER_KEY not in result.stderr and SECRET_KEY not in result.stderr
    assert await name_of(database, SECRET_KEY, 4242) == "Name 4242"


async def test_rotate_key_with_a_wrong_old_key_says_so_and_changes_nothing(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.sqlite3"
    await make_database(database, SECRET_KEY, 4242)
    result = await asyncio.to_thread(
        run_bot,
        "rotate-key",
        cwd=tmp_path,
        BOT_SECRET_KEY=generate_secret(),
        BOT_SECRET_KEY_OLD=OTHER_KEY,
        BOT_DATABASE=str(database),
    )
    assert result.returncode == 2
    assert "BOT_SECRET_KEY_OLD" in error_line(result)
    assert await name_of(database, SECRET_KEY, 4242) == "Name 4242"


async def test_rotate_key_run_twice_has_nothing_left_to_do(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    await make_database(database, SECRET_KEY, 4242, 4343)
    settings = {
        "BOT_SECRET_KEY": OTHER_KEY,
        "BOT_SECRET_KEY_OLD": SECRET_KEY,
        "BOT_DATABASE": str(database),
    }
    first = await asyncio.to_thread(run_bot, "rotate-key", cwd=tmp_path, **settings)
    assert first.returncode == 0, first.stderr
    assert "Re-keyed 2 supporters" in first.stdout
    again = await asyncio.to_thread(run_bot, "rotate-key", cwd=tmp_path, **settings)
    assert again.returncode == 0, again.stderr
    assert "already uses BOT_SECRET_KEY" in again.stdout
    assert await name_of(database, OTHER_KEY, 4343) == "Name 4343"


async def test_a_rotation_that_fails_changes_nothing_and_says_what_to_do(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.sqlite3"
    await make_database(database, SECRET_KEY, 4242, 4343)
    with sqlite3.connect(database) as connection:  # one damaged value
        key = Vault(SECRET_KEY).user_key(4343)
        connection.execute(
            "UPDATE users SET chat_id = 'AAAA' || chat_id WHERE user_key = ?", (key,)
        )
    result = await asyncio.to_thread(
        run_bot,
        "rotate-key",
        cwd=tmp_path,
        BOT_SECRET_KEY=OTHER_KEY,
        BOT_SECRET_KEY_OLD=SECRET_KEY,
        BOT_DATABASE=str(database),
    )
    assert result.returncode == 1
    line = error_line(result)
    assert "1 supporter" in line and "nothing was changed" in line
    assert await name_of(database, SECRET_KEY, 4242) == "Name 4242"


# -- databases written before key fingerprints (schema 4, values bound to their column only) --


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


def legacy_seal(secret: str, text: str, column: str) -> str:
    """A value as the bot sealed it before: AES-GCM bound to its column, not padded."""
    nonce = os.urandom(12)
    sealed = AESGCM(_derive(secret, b"ua-bot data key v1")).encrypt(
        nonce, text.encode(), column.encode()
    )
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def legacy_key(secret: str, user_id: int) -> str:
    key = _derive(secret, b"ua-bot user key v1")
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()


def legacy_database(path: Path, *users: tuple[str, int, str]) -> None:
    """The schema as migration 4 left it, holding (secret, user id, name) supporters."""
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE schema_migrations"
            " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for version, name, script in MIGRATIONS:
            if version <= 4:
                connection.executescript(script)
                connection.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, '2022-05-01T00:00:00+00:00')",
                    (version, name),
                )
        for secret, user_id, name in users:
            key = legacy_key(secret, user_id)
            connection.execute(
                "INSERT INTO users (user_key, chat_id, sign_mode, sign_name, created_at)"
                " VALUES (?, ?, 'name', ?, '2022-05-04T10:11:12+00:00')",
                (
                    key,
                    legacy_seal(secret, str(user_id), "chat_id"),
                    legacy_seal(secret, name, "sign_name"),
                ),
            )
            # Following the case: consent to be messaged, so the chat id is kept.
            connection.execute(
                "INSERT INTO subscriptions VALUES (?, 'ua-31-22', '2022-05-04T10:11:12+00:00')",
                (key,),
            )
            connection.execute(
                "INSERT INTO actions VALUES (?, 'ua-31-22', 'president', ?, ?)",
                (key, "email" if secret == SECRET_KEY else "fax", "2022-05-04T10:11:12+00:00"),
            )


async def test_an_older_database_is_checked_and_upgraded(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    legacy_database(database, (SECRET_KEY, 4242, "Zhanna Qwertova"))
    with pytest.raises(KeyMismatch):
        await Storage.open(database, Vault(OTHER_KEY))
    assert await name_of(database, SECRET_KEY, 4242) == "Zhanna Qwertova"
    with sqlite3.connect(database) as connection:
        [(created, acted)] = connection.execute(
            "SELECT u.created_at, a.created_at FROM users u JOIN actions a USING (user_key)"
        ).fetchall()
    assert (created, acted) == ("2022-05-04", "2022-05-04")
    with pytest.raises(KeyMismatch):  # now by its fingerprint
        await Storage.open(database, Vault(OTHER_KEY))


async def test_an_older_database_the_bot_ran_on_with_two_keys_is_rotated_together(
    tmp_path: Path,
) -> None:
    # The bot once ran with the new key before rotate-key: supporter 4242 has a row under each
    # key, 4343 only under the new one, 4444 only under the old.
    database = tmp_path / "bot.sqlite3"
    legacy_database(
        database,
        (SECRET_KEY, 4242, "Old Name"),
        (OTHER_KEY, 4242, "New Name"),
        (OTHER_KEY, 4343, "Only New"),
        (SECRET_KEY, 4444, "Only Old"),
    )
    result = await asyncio.to_thread(
        run_bot, cwd=tmp_path, BOT_SECRET_KEY=OTHER_KEY, BOT_DATABASE=str(database)
    )
    assert result.returncode == 2
    assert "rotate-key" in error_line(result)
    result = await asyncio.to_thread(
        run_bot,
        "rotate-key",
        cwd=tmp_path,
        BOT_SECRET_KEY=OTHER_KEY,
        BOT_SECRET_KEY_OLD=SECRET_KEY,
        BOT_DATABASE=str(database),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    storage = await Storage.open(database, Vault(OTHER_KEY))
    try:
        merged = await storage.supporter(4242)
        assert merged is not None and merged.signature is not None
        assert merged.signature.text == "New Name"  # the newer row's settings win
        assert {a.channel for a in merged.actions} == {"email", "fax"}
        for user_id, name in ((4343, "Only New"), (4444, "Only Old")):
            found = await storage.supporter(user_id)
            assert found is not None and found.signature is not None
            assert found.signature.text == name
    finally:
        await storage.close()
