"""The SQLite connection: WAL mode, numbered migrations, serialised write transactions."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import aiosqlite

from bot.core.crypto import Vault
from bot.storage.migrations import MIGRATIONS

#: How often, and how far apart, a checkpoint is tried while another task's read finishes.
SCRUB_ATTEMPTS: Final = 100
SCRUB_PAUSE: Final = 0.01


def iso(moment: datetime) -> str:
    """Timestamps are stored as UTC ISO-8601 text, which sorts in time order."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def day(moment: datetime) -> str:
    """What a supporter did is kept to the (UTC) day: ISO-8601 date text."""
    return moment.astimezone(UTC).date().isoformat()


class Database:
    """One SQLite file in WAL mode, one connection, write transactions serialised."""

    def __init__(self, connection: aiosqlite.Connection, vault: Vault) -> None:
        self.connection = connection
        self.vault = vault
        # One connection is shared by every handler: without this lock, statements of two
        # concurrent transactions would interleave inside one SQLite transaction.
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, vault: Vault) -> Database:
        """Open (creating if needed) the database and bring its schema up to date."""
        _create_private(path)
        connection = await aiosqlite.connect(path, isolation_level=None)
        # Deleted rows are overwritten with zeros, not left in free space to be recovered.
        await connection.execute("PRAGMA secure_delete=ON")
        await connection.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives any crash of the process; only a power cut may lose
        # the last commits. FULL would fsync on every tap.
        await connection.execute("PRAGMA synchronous=NORMAL")
        await connection.execute("PRAGMA foreign_keys=ON")
        await connection.execute("PRAGMA busy_timeout=5000")
        database = cls(connection, vault)
        await database._migrate()
        return database

    async def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        await self.connection.close()

    async def scrub(self) -> None:
        """Copy the WAL into the database file and empty it (after deleting personal data).

        The WAL keeps earlier versions of every page it holds, deleted rows included, until
        a checkpoint; TRUNCATE also cuts the file to zero bytes.
        """
        async with self._write_lock:
            for attempt in range(SCRUB_ATTEMPTS):
                try:
                    await self.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    return
                except sqlite3.OperationalError as error:
                    # A read of another task still stepping through its rows on this connection
                    # ("database table is locked"): it ends within milliseconds.
                    if "locked" not in str(error) or attempt == SCRUB_ATTEMPTS - 1:
                        raise
                await asyncio.sleep(SCRUB_PAUSE)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction (BEGIN IMMEDIATE), committed on success, rolled back on error."""
        async with self._write_lock:
            if self.connection.in_transaction:
                # Left open by a task cancelled between BEGIN and COMMIT: its work is undone.
                await self._rollback()
            try:
                # Inside the try: a task cancelled while BEGIN runs still rolls it back (the
                # database thread runs BEGIN, then the ROLLBACK queued after it).
                await self.connection.execute("BEGIN IMMEDIATE")
                yield self.connection
            except BaseException:
                await asyncio.shield(self._rollback())
                raise
            await self.connection.execute("COMMIT")

    async def _rollback(self) -> None:
        with contextlib.suppress(sqlite3.OperationalError):  # nothing begun: BEGIN itself failed
            await self.connection.execute("ROLLBACK")

    async def write(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any] = ()) -> int:
        """One statement as its own transaction; returns the rows it changed.

        A single statement is atomic in SQLite, so it needs no BEGIN/COMMIT: one trip to the
        database thread instead of three.  It still waits for the write lock, or it would run
        inside another coroutine's open transaction on this shared connection.
        """
        async with self._write_lock:
            cursor = await self.connection.execute(sql, parameters)
            return cursor.rowcount

    async def _migrate(self) -> None:
        await self.connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        async with self.connection.execute("SELECT version FROM schema_migrations") as cursor:
            applied = {row[0] for row in await cursor.fetchall()}
        for version, name, script in MIGRATIONS:
            if version in applied:
                continue
            async with self.transaction() as db:
                for statement in _statements(script):
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, iso(datetime.now(UTC))),
                )

    async def schema_version(self) -> int:
        """The highest migration applied."""
        async with self.connection.execute("SELECT max(version) FROM schema_migrations") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row and row[0] is not None else 0


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only, before anything is written.

    SQLite gives the WAL and shared-memory files the database file's permissions.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        with contextlib.suppress(OSError):  # not the owner: leave it as the operator set it
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements; SQLite's own tokenizer says where one ends."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    if current.strip(" \n;"):
        statements.append(current.strip().rstrip(";"))
    return statements


def first(rows: Iterable[sqlite3.Row]) -> sqlite3.Row | None:
    """The first row of `execute_fetchall` (one thread hop, where execute + fetch + close
    on a cursor cost three)."""
    return next(iter(rows), None)
