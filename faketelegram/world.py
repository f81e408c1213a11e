"""The world the fake keeps: chats and their messages, updates waiting, files, button taps.

Simulated users and the server both act on it; tests read it to see what the bot did.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable

from bot.telegram.html import JSON
from faketelegram.records import (
    BOT_USER,
    CallbackRecord,
    Deliver,
    SentMessage,
    UploadedFile,
)


class World:
    """Chats, messages, pending updates, files and callback queries, as Telegram holds them."""

    def __init__(self, bot_user: JSON | None = None) -> None:
        self.bot_user: JSON = dict(bot_user or BOT_USER)
        self.chats: dict[int, list[SentMessage]] = {}
        self.blocked_chats: set[int] = set()
        self.callback_queries: dict[str, CallbackRecord] = {}
        self.files: dict[str, UploadedFile] = {}
        self._message_ids: dict[int, int] = {}
        self._user_messages: dict[int, dict[int, JSON]] = {}
        self._updates: list[JSON] = []
        self._fetched_upto = 0
        self._updates_changed = asyncio.Event()
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._seq = 0
        self._last_activity = time.monotonic()
        self.deliver: Deliver | None = None

    def messages(self, chat_id: int) -> list[SentMessage]:
        return list(self.chats.get(chat_id, []))

    def last_message(self, chat_id: int) -> SentMessage | None:
        chat = self.chats.get(chat_id)
        return chat[-1] if chat else None

    def unanswered_callbacks(self) -> list[str]:
        """Callback query ids the bot never answered (Telegram shows a spinner for those)."""
        return [qid for qid, rec in self.callback_queries.items() if rec.answer is None]

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def push_update(self, data: JSON) -> int:
        """Queue an update for getUpdates (a real polling loop); returns its update_id."""
        if "update_id" not in data:
            data = {"update_id": self.next_update_id(), **data}
        self._updates.append(data)
        self._updates_changed.set()
        return int(data["update_id"])

    def changes_since(self, chat_id: int, seq: int) -> list[SentMessage]:
        """Bot messages in ``chat_id`` created or edited after change counter ``seq``."""
        return sorted((m for m in self.chats.get(chat_id, []) if m.seq > seq), key=lambda m: m.seq)

    async def wait_for_message(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | None = None,
        within: float = 2.0,
    ) -> SentMessage:
        """Wait for a (matching) bot message in ``chat_id``; for bots that reply in the
        background instead of inside the update handler."""
        deadline = time.monotonic() + within
        while True:
            for message in reversed(self.chats.get(chat_id, [])):
                if predicate is None or predicate(message):
                    return message
            if time.monotonic() > deadline:
                raise AssertionError(f"no matching bot message in chat {chat_id} after {within}s")
            await asyncio.sleep(0.01)

    async def settle(self, quiet: float = 0.05, within: float = 5.0) -> None:
        """Wait (at most ``within`` s) until the bot has made no API call for ``quiet`` s."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            idle = time.monotonic() - self._last_activity
            if idle >= quiet:
                return
            await asyncio.sleep(quiet - idle)

    def _next_message_id(self, chat_id: int) -> int:
        value = self._message_ids.get(chat_id, 0) + 1
        self._message_ids[chat_id] = value
        return value

    def _store_file(self, data: bytes, filename: str, mime: str) -> str:
        file_id = f"fake-file-{next(self._file_ids)}"
        self.files[file_id] = UploadedFile(file_id, filename, mime, data)
        return file_id

    def _new_callback(self, user_id: int, chat_id: int | None) -> str:
        query_id = str(1_000_000 + next(self._callback_ids))
        self.callback_queries[query_id] = CallbackRecord(user_id, chat_id, time.monotonic())
        return query_id

    def _find_message(self, chat_id: int, message_id: int) -> SentMessage | None:
        for message in reversed(self.chats.get(chat_id, [])):
            if message.message_id == message_id:
                return message
        return None

    async def _wait_fetched(self, update_id: int, within: float) -> None:
        deadline = time.monotonic() + within
        while self._fetched_upto < update_id:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"update {update_id} was not fetched via getUpdates "
                    f"within {within}s; is the bot polling?"
                )
            await asyncio.sleep(0.005)
