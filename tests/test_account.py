"""Language, privacy, /mydata and /forget."""

from __future__ import annotations

from tests.harness import BotUnderTest


async def test_language_follows_telegram_then_the_stored_choice(bot: BotUnderTest) -> None:
    ann = bot.user(3001, language_code="en-GB")
    [card] = await ann.send("/start")
    assert "Hello!" in card.text
    assert bot.query("SELECT count(*) FROM users") == [(0,)]  # nothing stored just for visiting
    [menu] = await ann.send("/language")
    assert menu.button_texts == ["English", "Русский"]
    [done] = await ann.click("Русский")
    assert "Язык: русский" in done.text
    [card] = await ann.send("/start")
    assert "Здравствуйте!" in card.text
    assert bot.query("SELECT lang FROM users") == [("ru",)]
    await bot.restart()
    [card] = await ann.send("/start")
    assert "Здравствуйте!" in card.text


async def test_privacy_explains_storage_and_totals(bot: BotUnderTest) -> None:
    for user, words in (
        (bot.user(3002), ["What we store", "/forget", "anonymous totals"]),
        (bot.user(3003, language_code="ru"), ["Что мы храним", "/forget", "анонимных итогах"]),
    ):
        [privacy] = await user.send("/privacy")
        for word in words:
            assert word in privacy.text


async def test_mydata_shows_everything_then_forget_deletes_it(bot: BotUnderTest) -> None:
    ann = bot.user(3004)
    [empty] = await ann.send("/mydata")
    assert "Nothing at all." in empty.text
    await ann.send("/start")
    await ann.click("Ambassador of Kazakhstan")
    await ann.click("✉️ Email")
    await ann.click("Full name")
    await ann.send("Ann Lee")
    await ann.click("✅ I sent the email")
    await ann.click("Remind me")
    [data] = await ann.send("/mydata")
    assert "Ann Lee" in data.text
    assert "Reminders for: UA 31.22 (since 5 May 2022)" in data.text
    assert "UA 31.22 — Ambassador of Kazakhstan to the United States — ✉️ Email" in data.text

    [question] = await ann.send("/forget")
    [cancelled] = await ann.click("Cancel", question)
    assert "Nothing was deleted" in cancelled.text
    [question] = await ann.send("/forget")
    [done] = await ann.click("Yes, delete everything", question)
    assert "everything we stored about you is deleted" in done.text
    assert bot.query("SELECT count(*) FROM users") == [(0,)]
    assert bot.query("SELECT count(*) FROM actions") == [(0,)]
    assert bot.query("SELECT count(*) FROM subscriptions") == [(0,)]
    # The anonymous total Amnesty reports stays.
    assert bot.query("SELECT sum(count) FROM action_counts") == [(1,)]
    [card] = await ann.send("/start")
    assert "1 appeal sent so far" in card.text
    [empty] = await ann.send("/mydata")
    assert "Nothing at all." in empty.text


async def test_message_texts_are_never_stored(bot: BotUnderTest) -> None:
    ann = bot.user(3005)
    await ann.send("/start")
    await ann.send("my secret words about the case")
    await ann.click("President of Kazakhstan")
    await ann.click("✉️ Email")
    await ann.click("Full name")
    await ann.send("Ann Lee")
    await bot.stop()
    raw = bot.database.read_bytes()
    assert b"secret words" not in raw
