"""Broadcasts, reminders and case updates: paced, durable, once per supporter."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.checks.content import load_content
from faketelegram import FakeTelegram, FakeUser
from tests.conftest import ADMIN_ID
from tests.harness import CONTENT, BotUnderTest, MutableClock, wait_until


async def supporter(
    bot: BotUnderTest,
    user_id: int,
    *,
    lang: str = "en",
    officials: tuple[str, ...] = ("Ambassador",),
    subscribe: bool = True,
) -> FakeUser:
    """A supporter who tweets to the given officials and (optionally) asks for reminders."""
    user = bot.user(user_id, language_code=lang)
    await user.send("/start")
    names = {
        "Ambassador": ("Ambassador of Kazakhstan", "Посол"),
        "President": ("President of Kazakhstan", "Президент"),
    }
    for official in officials:
        await user.click(names[official][0 if lang == "en" else 1])
        await user.click("🐦")
        await user.click("✅")
    if subscribe:
        await user.click("🔔")
    return user


def received(fake: FakeTelegram, user_id: int, needle: str) -> list[str]:
    return [m.text or "" for m in fake.messages(user_id) if needle in (m.text or "")]


async def formatted(admin: FakeUser, text: str, bold: str) -> None:
    """The organizer sends text with a bold part, as Telegram delivers formatting."""
    offset = text.index(bold)
    message = admin._message(
        text=text, entities=[{"type": "bold", "offset": offset, "length": len(bold)}]
    )
    await admin.deliver_update({"message": message})


async def test_broadcast_preview_confirm_and_exactly_once(
    bot: BotUnderTest, fake: FakeTelegram
) -> None:
    for i in range(4):
        await supporter(bot, 8000 + i)
    await supporter(bot, 8010, lang="ru")
    await bot.user(8020).send("/start")  # visited only: not subscribed, never messaged

    admin = bot.user(ADMIN_ID)
    [audiences] = await admin.send("/broadcast")
    assert "All subscribers (5)" in audiences.button_texts
    assert "Subscribers who have not acted yet (0)" in audiences.button_texts
    [ask] = await admin.click("All subscribers")
    assert "Send me the message" in ask.text
    await bot.restart()  # composing survives a restart
    await formatted(admin, "Mamay's trial starts Monday. Write today!", "Write today!")
    preview, confirm = admin.messages[-2:]
    assert "<b>Write today!</b>" in (preview.html or "")
    assert "✍️ Take action" in preview.button_texts
    assert "exactly what 5 supporters will get" in confirm.text
    assert bot.query("SELECT state FROM deliveries") == [("draft",)]
    assert not received(fake, 8000, "trial starts")  # nothing goes out before confirming

    await admin.click("Send to 5")
    await wait_until(lambda: all(received(fake, u, "trial") for u in (8000, 8001, 8002, 8003)))
    await wait_until(lambda: bool(received(fake, 8010, "trial")))
    for user_id in (8000, 8001, 8002, 8003, 8010):
        assert len(received(fake, user_id, "trial starts")) == 1
    assert not received(fake, 8020, "trial")
    assert "Взять" not in "".join(received(fake, 8010, "trial"))
    assert "✍️ Принять участие" in fake.messages(8010)[-1].button_texts
    await wait_until(lambda: "finished" in (admin.last.text if admin.last else ""))
    assert "sent 5 · blocked 0 · failed 0 · unknown 0 · cancelled 0 · left 0" in admin.last.text
    assert bot.query("SELECT state, count(*) FROM outbox GROUP BY state") == [("sent", 5)]


async def test_a_broadcast_resumes_after_a_restart_and_blocked_are_counted(
    fake: FakeTelegram, tmp_path: Path, content: Any, clock: MutableClock
) -> None:
    bot = BotUnderTest(
        fake, tmp_path / "db.sqlite3", content, clock, [ADMIN_ID], broadcast_rate=10.0
    )
    await bot.start()
    try:
        users = [await supporter(bot, 8100 + i) for i in range(25)]
        fake.blocked_chats.add(8100)
        admin = bot.user(ADMIN_ID)
        await admin.send("/broadcast")
        await admin.click("All subscribers")
        await formatted(admin, "Slow news for everyone", "news")
        await admin.click("Send to 25")
        await wait_until(lambda: sum(bool(received(fake, u.id, "Slow news")) for u in users) >= 5)
        await bot.restart()  # mid-broadcast: the engine pauses cleanly and resumes on start
        await wait_until(
            lambda: all(received(fake, u.id, "Slow news") for u in users[1:]), within=15
        )
        for user in users[1:]:
            assert len(received(fake, user.id, "Slow news")) == 1
        await wait_until(
            lambda: (
                bot.query("SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')")
                == [(0,)]
            )
        )
        assert dict(bot.query("SELECT state, count(*) FROM outbox GROUP BY state")) == {
            "sent": 24,
            "blocked": 1,
        }
        [stats] = await admin.send("/stats")
        assert "blocked the bot: 1" in stats.text
        # Unblocking and writing again makes the supporter reachable again.
        fake.blocked_chats.discard(8100)
        await users[0].send("/start")
        assert bot.query("SELECT count(*) FROM users WHERE blocked_at IS NOT NULL") == [(0,)]
        # Pacing: never more than the configured rate in any one-second window.
        from faketelegram import max_in_any_window

        broadcast_times = [
            c.time for c in fake.calls_to("sendMessage") if "Slow news" in c.params["text"]
        ]
        assert max_in_any_window(broadcast_times) <= 10
    finally:
        await bot.stop()


async def test_cancel_broadcast_stops_the_rest(
    fake: FakeTelegram, tmp_path: Path, content: Any, clock: MutableClock
) -> None:
    bot = BotUnderTest(
        fake, tmp_path / "db.sqlite3", content, clock, [ADMIN_ID], broadcast_rate=5.0
    )
    await bot.start()
    try:
        users = [await supporter(bot, 8200 + i) for i in range(15)]
        admin = bot.user(ADMIN_ID)
        await admin.send("/broadcast")
        await admin.click("All subscribers")
        await formatted(admin, "Cancel me soon", "soon")
        await admin.click("Send to 15")
        await wait_until(lambda: any(received(fake, u.id, "Cancel me") for u in users))
        [stopped] = await admin.send("/cancel_broadcast")
        assert "Broadcast stopped" in stopped.text
        sent = sum(len(received(fake, u.id, "Cancel me")) for u in users)
        counts = dict(bot.query("SELECT state, count(*) FROM outbox GROUP BY state"))
        assert counts.get("cancelled", 0) > 0
        assert counts.get("sent", 0) + counts.get("sending", 0) >= sent
        assert sum(counts.values()) == 15
        # The answer; the progress message may be edited to its final counts meanwhile.
        *_, nothing = await admin.send("/cancel_broadcast")
        assert "No broadcast is running" in nothing.text
    finally:
        await bot.stop()


async def test_reminders_name_what_is_left_once_per_time(
    bot: BotUnderTest, fake: FakeTelegram, clock: MutableClock
) -> None:
    clock.now = datetime(2022, 5, 4, 12, 0, tzinfo=UTC)  # before the 7-day reminder
    await supporter(bot, 8300)  # wrote to the Ambassador only
    await supporter(bot, 8301, lang="ru")
    await supporter(bot, 8302, officials=("Ambassador", "President"))  # nothing left
    await supporter(bot, 8303, subscribe=False)
    assert await bot.services.run_campaigns() == []

    clock.now = datetime(2022, 5, 5, 6, 0, tzinfo=UTC)  # 7 days before 12 May, 06:00 UTC
    assert len(await bot.services.run_campaigns()) == 1
    await wait_until(lambda: bool(received(fake, 8300, "days left")))
    await wait_until(lambda: bool(received(fake, 8301, "осталось 7 дней")))
    [english] = received(fake, 8300, "days left")
    assert "Urgent Action 31.22 for Zhanbolat Mamay: 7 days left to send an appeal." in english
    assert "You wrote to the Ambassador of Kazakhstan to the United States." in english
    assert "Still waiting for your appeal: the President of Kazakhstan." in english
    [russian] = received(fake, 8301, "осталось 7 дней")
    # Names in the case their sentence needs, and the days are the appeal's, not the person's.
    assert "До конца срочной акции 31.22 в поддержку Жанболата Мамая осталось 7 дней." in russian
    assert "Вы уже написали Послу Республики Казахстан в США." in russian
    assert "Осталось обратиться к Президенту Республики Казахстан." in russian
    assert not received(fake, 8302, "left") and not received(fake, 8303, "left")

    await bot.restart()
    assert await bot.services.run_campaigns() == []  # once per supporter and time
    ann = fake.users[8300]
    [official] = await ann.click("President of Kazakhstan")  # straight back into the flow
    assert "✉️ Email" in official.button_texts

    clock.now = datetime(2022, 5, 13, 12, 1, tzinfo=UTC)  # after the deadline
    assert await bot.services.run_campaigns() == []
    reminders = [
        c
        for c in fake.calls_to("sendMessage")
        if c.params["chat_id"] == 8300 and c.params["text"].startswith("⏰")
    ]
    assert len(reminders) == 1


async def test_missed_reminders_are_not_sent_late(
    bot: BotUnderTest, fake: FakeTelegram, clock: MutableClock
) -> None:
    clock.now = datetime(2022, 5, 1, tzinfo=UTC)
    await supporter(bot, 8400)
    clock.now = datetime(2022, 5, 11, 7, 0, tzinfo=UTC)  # the bot was down at the 7-day mark
    await bot.services.run_campaigns()
    await wait_until(lambda: bool(received(fake, 8400, "left")))
    assert "1 day left" in received(fake, 8400, "left")[0]
    assert await bot.services.run_campaigns() == []
    await bot.restart()
    assert await bot.services.run_campaigns() == []
    assert len(received(fake, 8400, "left")) == 1


@pytest.fixture
def content_with_update(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    path = target / "cases" / "ua-31-22" / "case.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["updates"] = [
        {
            "id": "released",
            "kind": "released",
            "text": {"en": "Zhanbolat Mamay was released.", "ru": "Жанболат Мамай освобождён."},
        }
    ]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


async def test_case_news_reaches_followers_once_in_their_language(
    fake: FakeTelegram, tmp_path: Path, clock: MutableClock, content_with_update: Path
) -> None:
    clock.now = datetime(2022, 5, 1, 12, 0, tzinfo=UTC)  # before any reminder is due
    bot = BotUnderTest(fake, tmp_path / "db.sqlite3", load_content(content_with_update), clock)
    await bot.start()
    try:
        await supporter(bot, 8510)
        await supporter(bot, 8511, lang="ru")
        stopped = await supporter(bot, 8512)
        await stopped.send("/stop")
        await bot.user(8513).send("/start")  # visited, never acted: not told
        # Acted but never asked for messages: no chat id was kept, so nothing can be sent.
        await supporter(bot, 8514, subscribe=False)
        created = await bot.services.run_campaigns()
        assert len(created) == 1
        await wait_until(lambda: bool(received(fake, 8511, "освобождён")))
        await wait_until(lambda: bool(received(fake, 8510, "was released")))
        assert "🎉" in received(fake, 8510, "was released")[0]
        assert not received(fake, 8512, "News on Urgent Action")
        assert not received(fake, 8513, "News on Urgent Action")
        assert not received(fake, 8514, "News on Urgent Action")
        await bot.restart()
        assert await bot.services.run_campaigns() == []
        assert len(received(fake, 8510, "was released")) == 1
    finally:
        await bot.stop()


async def test_retention_unlinks_supporters_and_keeps_the_totals(
    fake: FakeTelegram, tmp_path: Path, content: Any, clock: MutableClock
) -> None:
    bot = BotUnderTest(fake, tmp_path / "db.sqlite3", content, clock, retention_days=30)
    await bot.start()
    try:
        await supporter(bot, 8600)
        await supporter(bot, 8601, officials=("Ambassador", "President"))
        clock.now = datetime(2022, 6, 1, tzinfo=UTC)  # closed, but within 30 days
        await bot.services.run_campaigns()
        assert bot.query("SELECT count(*) FROM users") == [(2,)]
        clock.now = datetime(2022, 6, 12, 13, 0, tzinfo=UTC)  # 30 days after 12 May
        await bot.services.run_campaigns()
        assert bot.query("SELECT count(*) FROM users") == [(0,)]
        assert bot.query("SELECT count(*) FROM actions") == [(0,)]
        assert bot.query("SELECT count(*) FROM subscriptions") == [(0,)]
        assert bot.query("SELECT sum(count) FROM action_counts") == [(3,)]
        # An ended case is not listed, but its deep link still opens it.
        [card] = await bot.user(8602).send("/start ua-31-22")
        assert "3 appeals sent so far" in card.text
    finally:
        await bot.stop()


async def test_a_cancelled_broadcast_ends_its_progress_message_with_the_final_counts(
    fake: FakeTelegram, tmp_path: Path, content: Any, clock: MutableClock
) -> None:
    """Review D1: the progress message stayed on 'in progress · … about 2 min 12 s left'."""
    bot = BotUnderTest(
        fake, tmp_path / "db.sqlite3", content, clock, [ADMIN_ID], broadcast_rate=2.0
    )
    await bot.start()
    try:
        users = [await supporter(bot, 8700 + i) for i in range(16)]
        admin = bot.user(ADMIN_ID)
        await admin.send("/broadcast")
        await admin.click("All subscribers")
        await formatted(admin, "Slowly, one by one", "one")
        [sending] = await admin.click("Send to 16")
        progress_id = sending.message_id

        def progress() -> str:
            [message] = [m for m in fake.messages(ADMIN_ID) if m.message_id == progress_id]
            return message.text or ""

        await wait_until(lambda: "in progress" in progress(), within=15)
        # The time left is what is left at the paced rate (2 a second), not six times that.
        running = progress()
        left = int(running.split("left ", 1)[1].split()[0])
        eta = running.split("about ", 1)[1].split(" left", 1)[0]
        seconds = sum(
            int(part[:-1] if part.endswith("s") else part) * (60 if "min" in unit else 1)
            for part, unit in zip(eta.split()[::2], eta.split()[1::2], strict=True)
        )
        assert left / 2 * 0.6 <= seconds <= left / 2 * 1.5 + 2, running

        [stopped] = await admin.send("/cancel_broadcast")
        assert "Broadcast stopped" in stopped.text
        await wait_until(lambda: "stopped" in progress(), within=15)
        final = progress()
        counts = dict(bot.query("SELECT state, count(*) FROM outbox GROUP BY state"))
        assert "in progress" not in final and "about" not in final
        assert (
            f"sent {counts['sent']} ·" in final and f"cancelled {counts['cancelled']} ·" in final
        )
        assert final.endswith("left 0")
        sent = sum(len(received(fake, u.id, "Slowly")) for u in users)
        assert sent == counts["sent"] and counts["sent"] + counts["cancelled"] == 16
    finally:
        await bot.stop()


async def test_cancelling_while_composing_says_nothing_was_sent(bot: BotUnderTest) -> None:
    """Review D12: 'Broadcast stopped: 0 messages will not be sent' for a draft never sent."""
    await supporter(bot, 8800)
    admin = bot.user(ADMIN_ID)
    await admin.send("/broadcast")
    [ask] = await admin.click("All subscribers")
    assert "It will go to 1 supporter exactly as you send it" in ask.text
    [cancelled] = await admin.send("/cancel_broadcast")
    assert cancelled.text == "Cancelled; nothing was sent."
