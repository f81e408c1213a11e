"""The durable inbox: an update Telegram will not send again is still handled after a kill -9.

Telegram forgets an update once the bot confirms it (polling: the `offset` of the next
getUpdates, which python-telegram-bot sends as soon as it has queued the batch; webhook: the
200).  Both happen before the update is handled, so the bot writes every update, sealed, to
its database first, deletes it when its handlers have finished, and at start-up handles again
the ones a killed process left.  These tests kill the real process (`python -m bot`, long
polling, against the fake Bot API) with an update in flight and never re-deliver it.
"""

from __future__ import annotations

import binascii
import contextlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.exceptions import InvalidTag

from bot.content.models import Content
from bot.core.crypto import Vault, generate_secret
from bot.storage import Storage
from bot.telegram.inbox import MAX_STARTS
from faketelegram import FakeTelegram
from tests.harness import SECRET_KEY, MutableClock
from tests.test_crash import CASE, BotProcess, answered, future_content, wait_for
from tests.test_deleted_means_gone import _TOKEN, raw_files
from tests.test_processor import Polling, forget_stale_polls, wait_until
from tests.test_webhook import Webhook, webhook_runner

JSON = dict[str, Any]
VAULT = Vault(SECRET_KEY)
TAP = f"k:{CASE}:ambassador:t:en"  # "I sent it": records an action, edits, thanks, answers


def still_offered(fake: FakeTelegram, update_id: int) -> bool:
    """Whether the fake would still send this update: the next getUpdates' offset confirmed
    it once it is gone (the fake forgets updates below the offset, as Telegram does)."""
    return any(update["update_id"] == update_id for update in fake._updates)


def count(database: Path, sql: str) -> int:
    return int(rows(database, sql)[0][0])


def rows(database: Path, sql: str) -> list[tuple[Any, ...]]:
    """Read the database as the bot runs (WAL: a reader sees the last commit)."""
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchall()


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


async def test_a_message_is_kept_sealed_while_handled_and_deleted_once_handled(
    fake: FakeTelegram, tmp_path: Path, content: Content, clock: MutableClock
) -> None:
    typed = "Qwertyzhan Unusualname from Taldykorgan-7731"
    bot = Polling(fake, tmp_path / "bot.sqlite3", content, clock)
    await bot.start()
    try:
        ann = bot.user(820_001, "Qwertyzhana")
        fake.delay("sendMessage", 0.5)  # the reply hangs: the update is being handled
        await ann.send(typed)
        update_id = bot.pushed[-1]["update_id"]
        await wait_until(lambda: not still_offered(fake, update_id))  # confirmed to Telegram
        # Kept, sealed: the file holds neither the text nor the sender's id.
        [(kept_id, payload, starts)] = rows(bot.database, "SELECT * FROM inbox")
        assert (kept_id, starts) == (update_id, 1)
        assert json.loads(VAULT.open(payload, "inbox", str(update_id))) == bot.pushed[-1]
        raw = raw_files(bot.database)
        for plain in (typed, str(ann.id), "Qwertyzhana"):
            assert plain.encode() not in raw, plain

        await wait_until(lambda: ann.last is not None)
        await wait_until(lambda: rows(bot.database, "SELECT * FROM inbox") == [])
    finally:
        await bot.stop()
    assert rows(bot.database, "SELECT update_id FROM handled_updates") == [(update_id,)]
    raw = raw_files(bot.database)
    for plain in (typed, str(ann.id)):
        assert plain.encode() not in raw, plain


async def test_the_webhook_stores_an_update_before_answering_200(
    fake: FakeTelegram, tmp_path: Path, content: Content, clock: MutableClock
) -> None:
    runner = webhook_runner(fake, tmp_path / "bot.sqlite3", content, clock)
    await runner.start()
    try:
        async with aiohttp.ClientSession() as http:
            hook = Webhook(fake, runner, http)
            ann = hook.user(830_001)
            fake.delay("sendMessage", 0.5)  # handling takes a while after the 200
            await ann.send("/start")  # returns once "Telegram" has its answer
            assert hook.statuses == [200]
            # Stored when Telegram heard 200, although not handled yet.
            [(update_id,)] = rows(runner.settings.database, "SELECT update_id FROM inbox")
            assert ann.last is None
            await wait_until(lambda: ann.last is not None)
            await wait_until(lambda: rows(runner.settings.database, "SELECT * FROM inbox") == [])
    finally:
        await runner.stop()
    assert rows(runner.settings.database, "SELECT update_id FROM handled_updates") == [
        (update_id,)
    ]


async def test_start_up_hands_back_kept_updates_in_order_and_gives_up_after_three_starts(
    tmp_path: Path, clock: MutableClock
) -> None:
    storage = await Storage.open(tmp_path / "bot.sqlite3", VAULT)
    try:
        inbox = storage.inbox
        await storage.handled_updates.mark_many([4], clock())
        await inbox.keep([(9, '{"update_id": 9}'), (3, '{"update_id": 3}')])
        await inbox.keep([(3, "again"), (4, '{"update_id": 4}')])  # kept already; handled
        first = await inbox.take_over(MAX_STARTS)  # start 2
        assert first.updates == [(3, '{"update_id": 3}'), (9, '{"update_id": 9}')]
        await storage.handled_updates.mark_many([9], clock())  # done: deleted with the mark
        assert (await inbox.take_over(MAX_STARTS)).updates == [(3, '{"update_id": 3}')]
        last = await inbox.take_over(MAX_STARTS)  # update 3 was taken by 3 processes
        assert (last.updates, last.given_up) == ([], [3])
        assert await inbox.size() == 0
    finally:
        await storage.close()


async def test_rotate_key_moves_the_kept_updates_to_the_new_key(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    other = generate_secret()
    storage = await Storage.open(database, VAULT)
    try:
        await storage.inbox.keep([(12, '{"update_id": 12}')])
        await storage.rotate_key(VAULT, Vault(other))
    finally:
        await storage.close()
    storage = await Storage.open(database, Vault(other))
    try:
        kept = await storage.inbox.take_over(MAX_STARTS)
    finally:
        await storage.close()
    assert kept.updates == [(12, '{"update_id": 12}')]


async def test_after_forget_no_kept_update_of_the_supporter_opens_even_with_the_key(
    fake: FakeTelegram, tmp_path: Path, content: Content, clock: MutableClock
) -> None:
    bot = Polling(fake, tmp_path / "bot.sqlite3", content, clock)
    await bot.start()
    try:
        ann = bot.user(840_001, "Qwertyzhana")
        await ann.send("/start")
        await wait_until(lambda: ann.last is not None)
        assert ann.last is not None
        await ann.click_data(TAP, ann.last.message_id)  # something to forget
        await wait_until(lambda: fake.unanswered_callbacks() == [])
        await ann.send("/forget")
        asked = "Delete everything we store about you"
        await wait_until(lambda: any(asked in (m.text or "") for m in ann.messages))
        await ann.click("Yes, delete everything")
        gone = "everything we stored about you is deleted"
        await wait_until(lambda: any(gone in (m.text or "") for m in ann.messages))
        await wait_until(lambda: rows(bot.database, "SELECT * FROM inbox") == [])
    finally:
        await bot.stop()
    # As someone who seized the server with the key would look: every sealed-looking token
    # in the files, tried as each of the supporter's updates.
    raw = raw_files(bot.database)
    owners = [str(update["update_id"]) for update in bot.pushed]
    found = []
    for token in set(_TOKEN.findall(raw)):
        for owner in owners:
            with contextlib.suppress(InvalidTag, ValueError, binascii.Error):
                found.append(VAULT.open(token.decode(), "inbox", owner))
    assert found == []
