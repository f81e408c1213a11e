"""Updates are kept before Telegram forgets them, and handled again after a crash.

python-telegram-bot confirms updates before they are handled: polling, with the offset of the
next getUpdates (sent as soon as the batch is queued); webhook, with the 200.  A process killed
in between would leave them unhandled for ever, since Telegram does not send them again.  So:

* `keep` stores each update, sealed, before it is confirmed: the getUpdates request calls it
  with each batch before PTB sees the batch (`AiohttpRequest(on_updates=...)`), the webhook
  before it answers 200;
* when its handlers finish, the processor records it as handled, which deletes it from the
  inbox in the same transaction (`HandledUpdates.mark_many`);
* `replay`, at start-up before updates are taken, puts the ones a dead process left back on
  the application's queue in update id order; the processor keeps each supporter's in order
  and skips any Telegram sends again.  Recording an action is idempotent, so the effect is
  exactly once.  An update that `MAX_STARTS` processes took without finishing (it may be what
  killed them) is given up, so that it cannot crash the bot in a loop.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any, Final

from telegram import Update
from telegram.ext import Application

from bot.storage import Inbox

__all__ = ["MAX_STARTS", "UpdateInbox"]

log = logging.getLogger(__name__)

#: How many processes may take an update before it is given up.
MAX_STARTS: Final = 3


class UpdateInbox:
    """The application's side of `bot.storage.Inbox`: open once the database is."""

    def __init__(self) -> None:
        self._store: Inbox | None = None

    def open(self, store: Inbox | None) -> None:
        """Keep updates in `store` (None: the database is closing)."""
        self._store = store

    async def keep(self, updates: Sequence[object]) -> None:
        """Store these updates (decoded JSON, as Telegram sent them); raise if they are not.

        Until this returns, the updates must not be confirmed to Telegram.
        """
        rows = [
            (update["update_id"], json.dumps(update, ensure_ascii=False))
            for update in updates
            if isinstance(update, dict) and isinstance(update.get("update_id"), int)
        ]
        if not rows:
            return
        if self._store is None:
            raise RuntimeError("the inbox is not open")
        await self._store.keep(rows)

    async def replay(self, application: Application[Any, Any, Any, Any, Any, Any]) -> int:
        """Queue the updates a previous process left unhandled; how many."""
        if self._store is None:
            raise RuntimeError("the inbox is not open")
        kept = await self._store.take_over(MAX_STARTS)
        for update_id in kept.given_up:
            # The id only: the update itself is personal data.
            log.error("gave up on update %d: %d starts did not finish it", update_id, MAX_STARTS)
        for update_id in kept.unreadable:
            log.error("dropped update %d from the inbox: it does not open with the key", update_id)
        queued = 0
        for update_id, raw in kept.updates:
            try:
                update = Update.de_json(json.loads(raw), application.bot)
            except Exception as error:  # whatever de_json finds wrong, the update is unusable
                log.error(
                    "update %d in the inbox is unreadable (%s)", update_id, type(error).__name__
                )
                continue
            await application.update_queue.put(update)
            queued += 1
        if queued:
            log.info("handling %d update(s) received before the restart", queued)
        return queued
