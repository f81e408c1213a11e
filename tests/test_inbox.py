"""The durable inbox: an update Telegram will not send again is still handled after a kill -9.

Telegram forgets an update once the bot confirms it (polling: the `offset` of the next
getUpdates, which python-telegram-bot sends as soon as it has queued the batch; webhook: the
200).  Both happen before the update is handled, so the bot writes every update, sealed, to
its database first, deletes it when its handlers have finished, and at start-up handles again
the ones a killed process left.  These tests kill the real process (`python -m bot`, long
polling, against the fake Bot API) with an update in flight and never re-deliver it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import aiohttp

from faketelegram import FakeTelegram
from tests.test_crash import CASE, BotProcess, answered, future_content, wait_for
from tests.test_processor import forget_stale_polls

JSON = dict[str, Any]
TAP = f"k:{CASE}:ambassador:t:en"  # "I sent it": records an action, edits, thanks, answers


def still_offered(fake: FakeTelegram, update_id: int) -> bool:
    """Whether the fake would still send this update: the next getUpdates' offset confirmed
    it once it is gone (the fake forgets updates below the offset, as Telegram does)."""
    return any(update["update_id"] == update_id for update in fake._updates)


def count(database: Path, sql: str) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(sql).fetchone()[0])


async def test_a_tap_confirmed_to_telegram_then_killed_is_answered_after_the_restart(
    tmp_path: Path,
) -> None:
    content_dir = future_content(tmp_path)
    async with FakeTelegram() as fake, aiohttp.ClientSession() as http:
        bot = BotProcess(fake, tmp_path, content_dir)
        pushed: list[JSON] = []

        async def push(update: JSON) -> None:
            pushed.append(update)
            fake.push_update(update)

        try:
            ann = fake.user(810_001, "Ann", "en", deliver=push)
            await bot.start(http)
            await ann.send("/start")
            await wait_for(lambda: ann.last is not None, bot)
            card = ann.messages[0]

            # The tap's first reply (the letter turning into "Counted") hangs at "Telegram":
            # the action is recorded, the tap is not answered yet.
            fake.delay("editMessageText", 5)
            await ann.click_data(TAP, card.message_id)
            tap = pushed[-1]
            await wait_for(
                lambda: (
                    not fake._delays  # the edit is in flight
                    and not still_offered(fake, tap["update_id"])  # and Telegram forgot the tap
                    and count(bot.database, "SELECT count(*) FROM actions") == 1
                ),
                bot,
            )
            assert answered(fake, [tap]) == 0
            await bot.kill()
            await forget_stale_polls(fake)  # the dead process's long poll (and its edit)

            await bot.start(http)  # Telegram sends nothing again
            await wait_for(lambda: answered(fake, [tap]) == 1, bot, within=5)
            await fake.settle(quiet=0.1)
        finally:
            await bot.ensure_stopped()

    assert fake.unanswered_callbacks() == []
    assert count(bot.database, "SELECT count(*) FROM actions") == 1
    assert count(bot.database, "SELECT sum(count) FROM action_counts") == 1
    assert count(bot.database, "SELECT count(*) FROM inbox") == 0
