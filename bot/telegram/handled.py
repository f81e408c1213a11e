"""Which updates were handled already, so one handled again after a crash is skipped.

After a crash an update comes back from Telegram (it was not confirmed yet) or from the inbox
(it was); recording it as handled also deletes it from the inbox (`HandledUpdates.mark_many`).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from datetime import datetime

from bot.storage.updates import HandledUpdates


class HandledLog:
    """Which updates were handled: this process's in memory, earlier processes' in the database.

    Telegram numbers updates in increasing order, so an id above the highest one recorded when
    the process started cannot have been handled before: only ids at or below it (re-deliveries
    after a restart) are looked up in the database.  Ids are written in groups: the updates
    that finish while one write is in progress share the next transaction (which also deletes
    them from the inbox), so a busy bot does not queue one write transaction per update behind
    the supporters' own writes.
    """

    def __init__(
        self, store: HandledUpdates, now: Callable[[], datetime], remember: int = 100_000
    ) -> None:
        self._store = store
        self._now = now
        self._remember = remember
        self._recent: set[int] = set()
        self._order: deque[int] = deque()
        self._floor: int | None = None  # ids at or below it may be in the database only
        self._batch: list[int] = []
        self._batch_done: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None

    async def seen(self, update_id: int) -> bool:
        """Whether the update was handled, by this process or an earlier one."""
        if update_id in self._recent:
            return True
        if self._floor is None:
            latest = await self._store.latest()
            self._floor = -1 if latest is None else latest
        if update_id <= self._floor:
            return await self._store.seen(update_id)
        return False

    async def mark(self, update_id: int) -> None:
        """Record the update as handled; returns once that is committed."""
        self._recent.add(update_id)
        self._order.append(update_id)
        if len(self._order) > self._remember:
            forgotten = self._order.popleft()
            self._recent.discard(forgotten)
            self._floor = max(self._floor or -1, forgotten)  # now only in the database
        if self._batch_done is None:
            self._batch_done = asyncio.get_running_loop().create_future()
        done = self._batch_done
        self._batch.append(update_id)
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        await asyncio.shield(done)  # a cancelled update must not cancel the others' commit

    async def _write(self) -> None:
        try:
            while self._batch:
                batch, done = self._batch, self._batch_done
                self._batch, self._batch_done = [], None
                assert done is not None
                try:
                    await self._store.mark_many(batch, self._now())
                except Exception as error:
                    done.set_exception(error)
                    done.exception()  # retrieved: each waiting update raises it, once is enough
                else:
                    done.set_result(None)
        finally:
            self._writer = None
