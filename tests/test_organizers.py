"""Organizers: numbers, the report for officials, reloading content; reminders opt-in/out."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from faketelegram import FakeTelegram, FakeUser
from tests.conftest import ADMIN_ID
from tests.harness import CONTENT, BotUnderTest


async def tweet_to_ambassador(user: FakeUser) -> None:
    await user.send("/start")
    await user.click("Ambassador of Kazakhstan" if user.language_code == "en" else "Посол")
    await user.click("🐦")
    await user.click("✅")


async def test_admin_commands_look_unknown_to_supporters(bot: BotUnderTest) -> None:
    ann = bot.user(7001)
    for command in ("/stats", "/report ua-31-22", "/reload", "/broadcast", "/cancel_broadcast"):
        sent = await ann.send(command)
        assert "There is no such command" in sent[0].text, command


async def test_stats_show_totals_per_official_channel_and_a_chart(
    bot: BotUnderTest, fake: FakeTelegram
) -> None:
    for i in range(3):
        await tweet_to_ambassador(bot.user(7100 + i))
    olga = bot.user(7200, language_code="ru")
    await olga.send("/start")
    await olga.click("Президент")
    await olga.click("✉️ Email")
    await olga.click("Без подписи")
    await olga.click("✅ Я отправил(а) email")
    await olga.click("Напомнить")

    admin = bot.user(ADMIN_ID)
    [overview] = await admin.send("/stats")
    assert "🟢 UA 31.22 Zhanbolat Mamay: 4 actions, 4 supporters" in overview.text
    assert "blocked the bot: 0" in overview.text
    sent = await admin.click("📊 UA 31.22")
    text = sent[0].text
    assert "Actions: 4 (today 4, last 7 days 4)" in text
    assert "President of Kazakhstan 1 · Ambassador of Kazakhstan to the United States 3" in text
    assert "🐦 Tweet 3 · ✉️ Email 1" in text
    assert "Supporters who acted: 4 · Subscribed to reminders: 1" in text
    [photo] = fake.calls_to("sendPhoto")
    assert photo.files["photo"].data.startswith(b"\x89PNG")
    # The same with the case named in the command.
    again = await admin.send("/stats ua-31-22")
    assert again[0].text == text


async def test_report_is_a_csv_of_anonymous_counts(bot: BotUnderTest, fake: FakeTelegram) -> None:
    await tweet_to_ambassador(bot.user(7300, name="Secret Name"))
    await tweet_to_ambassador(bot.user(7301))
    admin = bot.user(ADMIN_ID)
    await admin.send("/report ua-31-22")
    [call] = fake.calls_to("sendDocument")
    upload = call.files["document"]
    assert upload.filename.startswith("UA-31.22-actions-")
    data = upload.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == ["date", "urgent_action", "official", "channel", "actions"]
    assert rows[1] == [
        "2022-05-05",
        "31.22",
        "Ambassador of Kazakhstan to the United States Yerzhan Ashikbayev",
        "Tweet",
        "2",
    ]
    assert "7300" not in data and "Secret" not in data
    [usage] = await admin.send("/report nope")
    assert "ua-31-22" in usage.text


async def test_reload_serves_new_content_and_keeps_old_on_errors(
    fake: FakeTelegram, tmp_path: Path, clock: object
) -> None:
    from bot.checks.content import load_content
    from tests.harness import MutableClock

    assert isinstance(clock, MutableClock)
    content_dir = tmp_path / "content"
    shutil.copytree(CONTENT, content_dir)
    bot = BotUnderTest(fake, tmp_path / "db.sqlite3", load_content(content_dir), clock, [ADMIN_ID])
    await bot.start()
    try:
        admin = bot.user(ADMIN_ID)
        case_yaml = content_dir / "cases" / "ua-31-22" / "case.yaml"
        original = case_yaml.read_text(encoding="utf-8")
        case_yaml.write_text(original.replace("email: udp@udp-rk.kz", "email: nope"), "utf-8")
        [failed] = await admin.send("/reload")
        assert "Not updated, with errors: ua-31-22" in failed.text
        assert "keep seeing the version served until now" in failed.text
        assert "officials.0.email" in failed.text
        [card] = await admin.send("/start")
        assert "Kazakhstan: release opposition party leader" in card.text

        case_yaml.write_text(original.replace("release opposition party leader", "FREE"), "utf-8")
        [done] = await admin.send("/reload")
        assert "Content reloaded: 1 case" in done.text
        [card] = await bot.user(7400).send("/start")
        assert "Kazakhstan: FREE Zhanbolat Mamay" in card.text
    finally:
        await bot.stop()


async def test_subscribe_after_acting_stop_and_start_offers_again(bot: BotUnderTest) -> None:
    ann = bot.user(7500)
    [card] = await ann.send("/start")
    # Offered before acting too: someone who means to write later is who a reminder helps.
    assert "🔔 Remind me before the deadline" in card.button_texts
    await ann.click("Ambassador of Kazakhstan")
    await ann.click("🐦 Tweet")
    sent = await ann.click("✅ I tweeted")
    assert "🔔 Remind me before the deadline" in sent[-1].button_texts
    thanks, note = await ann.click("Remind me")
    assert "We will remind you" in note.text
    # The button did its job: it is gone from the message it was tapped on.
    assert "🔔 Remind me before the deadline" not in thanks.button_texts
    assert bot.query("SELECT case_id FROM subscriptions") == [("ua-31-22",)]
    [card] = await ann.send("/start")
    assert not any("Remind me" in t for t in card.button_texts)

    [stopped] = await ann.send("/stop")
    assert "no more reminders" in stopped.text
    assert bot.query("SELECT count(*) FROM subscriptions") == [(0,)]
    assert bot.query("SELECT stopped_at IS NOT NULL FROM users") == [(1,)]
    [card] = await ann.send("/start")
    assert "🔔 Remind me before the deadline" in card.button_texts
    await ann.click("Remind me", card)
    assert bot.query("SELECT stopped_at IS NULL FROM users") == [(1,)]
    [again] = await bot.user(7501).send("/stop")
    assert "were not getting any messages" in again.text
