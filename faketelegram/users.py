"""Simulated users: they send messages, stickers and photos, tap buttons and block the bot."""

from __future__ import annotations

import copy
import re
import time
from typing import Any, Final

from bot.telegram.html import JSON, utf16_len
from faketelegram.records import Deliver, SentMessage, find_button
from faketelegram.validation import BUTTON_PASSIVE
from faketelegram.world import World

TINY_PNG: Final = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5c4a6d90000000049454e44ae426082"
)


class FakeUser:
    """A Telegram user in a private chat with the bot, driven by the test."""

    def __init__(
        self,
        fake: World,
        user_id: int,
        first_name: str = "Ann",
        language_code: str | None = "en",
        deliver: Deliver | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> None:
        self.fake = fake
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.last_name = last_name
        self.username = username
        self.deliver = deliver
        self.last_answer: JSON | None = None

    @property
    def chat_id(self) -> int:
        return self.id

    def as_user(self) -> JSON:
        """The ``User`` object Telegram puts in ``from``."""
        data: JSON = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def as_chat(self) -> JSON:
        data: JSON = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data

    @property
    def messages(self) -> list[SentMessage]:
        return self.fake.messages(self.id)

    @property
    def last(self) -> SentMessage | None:
        """The most recent bot message in this user's chat."""
        return self.fake.last_message(self.id)

    def _message(self, **content: Any) -> JSON:
        message: JSON = {
            "message_id": self.fake._next_message_id(self.id),
            "from": self.as_user(),
            "chat": self.as_chat(),
            "date": int(time.time()),
        }
        message.update(content)
        self.fake._user_messages.setdefault(self.id, {})[message["message_id"]] = message
        return message

    async def send(self, text: str) -> list[SentMessage]:
        """Type ``text``; a leading ``/command`` gets its bot_command entity (deep links too)."""
        content: JSON = {"text": text}
        if text.startswith("/"):
            command = re.split(r"\s", text, maxsplit=1)[0]
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
            ]
        return await self.deliver_update({"message": self._message(**content)})

    async def send_sticker(self, emoji: str = "👍") -> list[SentMessage]:
        file_id = self.fake._store_file(b"RIFF\x00\x00\x00\x00WEBP", "sticker.webp", "image/webp")
        sticker = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self.deliver_update({"message": self._message(sticker=sticker)})

    async def send_photo(self, caption: str | None = None) -> list[SentMessage]:
        file_id = self.fake._store_file(TINY_PNG, "photo.png", "image/png")
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 1,
                "height": 1,
                "file_size": len(TINY_PNG),
            }
        ]
        content: JSON = {"photo": photo}
        if caption is not None:
            content["caption"] = caption
        return await self.deliver_update({"message": self._message(**content)})

    async def send_document(
        self,
        data: bytes,
        filename: str,
        mime: str = "application/octet-stream",
        caption: str | None = None,
    ) -> list[SentMessage]:
        """Send a file as a document; the bot can fetch it with getFile and download it."""
        file_id = self.fake._store_file(data, filename, mime)
        document: JSON = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": filename,
            "mime_type": mime,
            "file_size": len(data),
        }
        content: JSON = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return await self.deliver_update({"message": self._message(**content)})

    def button(self, text: str, message: SentMessage | None = None) -> JSON:
        """The inline button dict labelled ``text`` (url/copy_text buttons included)."""
        return find_button([message] if message else self.messages, text)[1]

    async def click(
        self, button_text: str, message: SentMessage | None = None
    ) -> list[SentMessage]:
        """Press a callback button in ``message`` or the newest bot message that has it."""
        found, button = find_button([message] if message else self.messages, button_text)
        if "callback_data" not in button:
            kinds = ", ".join(k for k in button if k not in BUTTON_PASSIVE)
            raise AssertionError(
                f"button {button.get('text')!r} is a {kinds} button, not a callback button; "
                "use user.button(text) to assert on it"
            )
        if not any(m is found for m in self.fake.chats.get(self.id, [])):
            raise AssertionError(f"message {found.message_id} was deleted; cannot click it")
        return await self._callback(str(button["callback_data"]), copy.deepcopy(found.message))

    async def click_data(self, data: str, message_id: int) -> list[SentMessage]:
        """Send callback ``data`` for ``message_id`` directly (stale or forged buttons)."""
        stored = self.fake._find_message(self.id, message_id)
        if stored is not None:
            message = copy.deepcopy(stored.message)
        else:
            message = {"chat": self.as_chat(), "message_id": message_id, "date": 0}
        return await self._callback(data, message)

    async def _callback(self, data: str, message: JSON) -> list[SentMessage]:
        query_id = self.fake._new_callback(self.id, self.id)
        update = {
            "callback_query": {
                "id": query_id,
                "from": self.as_user(),
                "message": message,
                "chat_instance": f"ci{self.id}",
                "data": data,
            }
        }
        result = await self.deliver_update(update)
        record = self.fake.callback_queries[query_id]
        self.last_answer = record.answer
        return result

    async def block(self, notify: bool = True) -> list[SentMessage]:
        """Block the bot: later sends get 403; optionally deliver the my_chat_member update."""
        self.fake.blocked_chats.add(self.id)
        if not notify:
            return []
        bot_user = self.fake.bot_user
        return await self.deliver_update(
            {
                "my_chat_member": {
                    "chat": self.as_chat(),
                    "from": self.as_user(),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "member", "user": bot_user},
                    "new_chat_member": {"status": "kicked", "user": bot_user, "until_date": 0},
                }
            }
        )

    async def deliver_update(self, update: JSON, within: float = 5.0) -> list[SentMessage]:
        """Deliver any update; returns the bot messages sent or edited in this chat meanwhile."""
        fake = self.fake
        update = {"update_id": fake.next_update_id(), **update}
        before = fake._seq
        deliver = self.deliver or fake.deliver
        if deliver is not None:
            await deliver(update)
        else:
            fake.push_update(update)
            await fake._wait_fetched(update["update_id"], within)
            await fake.settle(within=within)
        return fake.changes_since(self.id, before)
