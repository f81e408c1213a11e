"""The supporter journey, end to end, in English and in Russian."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlparse

from twitter_text import parse_tweet

from faketelegram import FakeTelegram
from tests.harness import BotUnderTest


def actions(bot: BotUnderTest) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in bot.query("SELECT case_id, official_id, channel FROM actions")]


async def test_start_shows_greeting_and_case_card(bot: BotUnderTest) -> None:
    ann = bot.user(1001)
    [card] = await ann.send("/start")
    assert "Hello!" in card.text
    assert "Urgent Action 31.22" in card.text
    assert "Zhanbolat Mamay" in card.text
    assert "What we ask:" in card.text
    assert "12 May 2022" in card.text and "7 days left" in card.text
    assert "so far" not in card.text  # no count while nobody has acted
    assert card.button_texts[:2] == [
        "✍️ President of Kazakhstan Kassym-Jomart Tokayev",
        "✍️ Ambassador of Kazakhstan to the United States Yerzhan Ashikbayev",
    ]
    share = ann.button("Share the case")
    assert share["url"].startswith("https://t.me/share/url?")
    assert "start%3Dua-31-22" in share["url"]


async def test_english_supporter_emails_the_president_signed_with_initials(
    bot: BotUnderTest,
) -> None:
    ann = bot.user(1002)
    await ann.send("/start")
    [official] = await ann.click("President of Kazakhstan")
    assert official.button_texts[:4] == ["✉️ Email", "🐦 Tweet", "📮 Letter by post", "📠 Fax"]
    assert "📞 Phone call" not in official.button_texts  # the document gives no phone for him

    [question] = await ann.click("✉️ Email")
    assert "How do you want to sign" in question.text
    assert "Kazakhstan" in question.text  # the safety note
    [ask] = await ann.click("Initials and city")
    assert "initials" in ask.text
    [ask_city] = await ann.send("A. K.")
    assert "city" in ask_city.text
    saved, email = await ann.send("Almaty")
    assert "A. K., Almaty" in saved.text

    assert "udp@udp-rk.kz" in email.text
    assert ann.button("Copy the email address", email)["copy_text"] == {"text": "udp@udp-rk.kz"}
    # Russian is the President's first preferred language, so the letter comes in Russian.
    assert "Уважаемый господин Президент!" in email.text
    assert "С уважением,\nA. K., Almaty</pre>" in email.html  # the letter ends signed
    assert "Просьба освободить Жанболата Мамая" in email.text  # the subject

    [meaning] = await ann.click("What does it say?")
    assert "Dear Mr President," in meaning.text

    changed = await ann.click("✅ I sent the email")
    assert ann.last_answer is not None
    thanks = changed[-1]
    assert "Thank you!" in thanks.text and "1 appeal has now been sent" in thanks.text
    assert "https://t.me/ua_test_bot?start=ua-31-22" in thanks.text
    assert any("Ambassador" in t for t in thanks.button_texts)
    assert "✅ Counted, thank you" in email.button_texts  # the letter's button was updated
    assert actions(bot) == [("ua-31-22", "president", "e")]


async def test_russian_supporter_tweets_and_calls_the_ambassador(bot: BotUnderTest) -> None:
    olga = bot.user(1003, language_code="ru", name="Ольга")
    [card] = await olga.send("/start")
    assert "Здравствуйте!" in card.text and "Срочная акция 31.22" in card.text
    assert "12 мая 2022 г." in card.text and "осталось 7 дней" in card.text
    [official] = await olga.click("Посол Республики Казахстан")
    assert official.button_texts[:6] == [
        "✉️ Email",
        "🐦 Твит",
        "📮 Письмо по почте",
        "📞 Звонок",
        "👍 Facebook",
        "⬅️ К акции",
    ]

    [tweet] = await olga.click("🐦 Твит")
    url = olga.button("Открыть X / Twitter", tweet)["url"]
    assert url.startswith("https://twitter.com/intent/tweet?")
    text = parse_qs(urlparse(url).query)["text"][0]
    assert text.startswith("@KazakhEmbassy @KZAmbUS ")
    assert parse_tweet(text).weightedLength <= 280
    await olga.click("✅ Я опубликовал(а) твит")

    await olga.click("Другой способ")
    [call] = await olga.click("📞 Звонок")
    assert "+1 202 232 5488" in call.text
    script = call.text.split("в трёх фразах:\n", 1)[1].split("\nГоворите", 1)[0]
    assert len(script.strip().splitlines()) == 3
    copied = olga.button("Скопировать номер телефона", call)["copy_text"]
    assert copied == {"text": "+1 202 232 5488"}
    await olga.click("✅ Я позвонил(а)")
    await olga.click("Другой способ")
    [facebook] = await olga.click("👍 Facebook")
    assert olga.button("Открыть страницу Facebook", facebook)["url"] == (
        "https://www.facebook.com/KazakhEmbassyDC"
    )
    assert sorted(actions(bot)) == [
        ("ua-31-22", "ambassador", "h"),
        ("ua-31-22", "ambassador", "t"),
    ]


async def test_letter_by_post_has_address_date_salutation_and_full_name(
    bot: BotUnderTest,
) -> None:
    ann = bot.user(1004)
    await ann.send("/start")
    await ann.click("Ambassador of Kazakhstan")
    await ann.click("📮 Letter by post")
    await ann.click("Full name")
    _, letter = await ann.send("Ann <b>Lee</b> & Co")
    assert "Ambassador Yerzhan Ashikbayev\nEmbassy of the Republic of Kazakhstan\n" in letter.text
    assert "1401 16th St NW\nWashington, DC 20036\nUSA" in letter.text
    assert "5 мая 2022 г." in letter.text  # the date line, in the letter's language
    assert "Уважаемый господин Посол!" in letter.text
    assert "Ann <b>Lee</b> & Co" in letter.text  # escaped, shown literally
    [english] = await ann.click("Use the text in English")
    # The date as an English letter writes it, like the dates in the letter's body.
    assert "Dear Ambassador," in english.text and "May 5, 2022" in english.text
    assert "Sincerely,\nAnn &lt;b&gt;Lee&lt;/b&gt; &amp; Co</pre>" in english.html


async def test_unsigned_letters_and_changing_the_signature(bot: BotUnderTest) -> None:
    ann = bot.user(1005)
    await ann.send("/start")
    await ann.click("President of Kazakhstan")
    await ann.click("📠 Fax")
    _, fax = await ann.click("Unsigned")
    assert "+7 7172 74 56 31" in fax.text
    assert fax.text.rstrip().endswith("С уважением,")
    [question] = await ann.click("Change signature")
    assert "Now: unsigned" in question.text
    await ann.click("Full name")
    _, fax_again = await ann.send("Ann Lee")
    assert fax_again.text.rstrip().endswith("С уважением,\nAnn Lee")
    assert bot.query("SELECT sign_mode FROM users") == [("name",)]


async def test_double_tap_counts_once(bot: BotUnderTest) -> None:
    ann = bot.user(1006)
    await ann.send("/start")
    await ann.click("Ambassador of Kazakhstan")
    [tweet] = await ann.click("🐦 Tweet")
    confirm = ann.button("✅ I tweeted", tweet)
    await ann.click_data(confirm["callback_data"], tweet.message_id)
    await ann.click_data(confirm["callback_data"], tweet.message_id)
    assert ann.last_answer is not None and "Already counted" in str(ann.last_answer)
    assert len(actions(bot)) == 1
    assert bot.query("SELECT sum(count) FROM action_counts") == [(1,)]


async def test_a_race_of_taps_counts_once(bot: BotUnderTest) -> None:
    ann = bot.user(1007)
    await ann.send("/start")
    await ann.click("Ambassador of Kazakhstan")
    [tweet] = await ann.click("🐦 Tweet")
    data = ann.button("✅ I tweeted", tweet)["callback_data"]
    await asyncio.gather(*(ann.click_data(data, tweet.message_id) for _ in range(10)))
    assert len(actions(bot)) == 1
    assert bot.query("SELECT sum(count) FROM action_counts") == [(1,)]
    assert bot.query("SELECT count FROM supporter_counts") == [(1,)]


async def test_many_supporters_at_once_are_all_counted(bot: BotUnderTest) -> None:
    users = [bot.user(2000 + i) for i in range(40)]
    await asyncio.gather(*(u.send("/start") for u in users))
    await asyncio.gather(*(u.click("Ambassador of Kazakhstan") for u in users))
    await asyncio.gather(*(u.click("🐦 Tweet") for u in users))
    await asyncio.gather(*(u.click("✅ I tweeted") for u in users))
    assert bot.query("SELECT sum(count) FROM action_counts") == [(40,)]
    assert bot.query("SELECT count FROM supporter_counts") == [(40,)]


async def test_buttons_keep_working_after_a_restart(bot: BotUnderTest) -> None:
    ann = bot.user(1008)
    await ann.send("/start")
    await ann.click("President of Kazakhstan")
    await ann.click("✉️ Email")
    await ann.click("Initials and city")
    await bot.restart()  # the half-typed signature must survive too
    await ann.send("A. K.")
    _, email = await ann.send("Almaty")
    await bot.restart()
    await ann.click("✅ I sent the email", email)
    await bot.restart()
    await ann.click_data(ann.button("Counted", email)["callback_data"], email.message_id)
    assert "Already counted" in str(ann.last_answer)
    assert actions(bot) == [("ua-31-22", "president", "e")]
    [card] = await ann.send("/start")
    assert "1 appeal sent so far" in card.text


async def test_deadline_day_is_inclusive_anywhere_on_earth(
    bot: BotUnderTest, clock: object
) -> None:
    from tests.harness import MutableClock

    assert isinstance(clock, MutableClock)
    # 11:59 UTC on 13 May is still 12 May at UTC-12: the last day.
    clock.now = datetime(2022, 5, 13, 11, 59, tzinfo=UTC)
    ann = bot.user(1009)
    [card] = await ann.send("/start")
    assert "today is the last day" in card.text
    await ann.click("Ambassador of Kazakhstan")
    [tweet] = await ann.click("🐦 Tweet")
    assert "✅ I tweeted" in tweet.button_texts


async def test_after_the_deadline_no_confirm_and_advice_to_check(
    bot: BotUnderTest, clock: object
) -> None:
    from tests.harness import MutableClock

    assert isinstance(clock, MutableClock)
    ann = bot.user(1010)
    await ann.send("/start")
    await ann.click("Ambassador of Kazakhstan")
    [tweet] = await ann.click("🐦 Tweet")
    stale_confirm = ann.button("✅ I tweeted", tweet)["callback_data"]

    clock.now = datetime(2022, 5, 13, 12, 1, tzinfo=UTC)
    [menu] = await ann.send("/start")
    assert "no open Urgent Action" in menu.text  # an ended case is not listed...
    [ended] = await ann.click("🗂 Ended cases")  # ...but stays readable
    assert ended.button_texts[0] == "Zhanbolat Mamay · Kazakhstan · ended 12 May 2022"
    [card] = await ann.click("Zhanbolat Mamay")
    assert "This appeal ended on <b>12 May 2022</b>" in card.html
    assert "check with the Amnesty office in your country" in card.text
    assert "Choose whom to write to" not in card.text
    await ann.click("Ambassador of Kazakhstan")
    [view] = await ann.click("🐦 Tweet")
    assert not any("I tweeted" in t for t in view.button_texts)
    assert "This appeal ended" in view.text

    await ann.click_data(stale_confirm, tweet.message_id)
    assert "not counted" in str(ann.last_answer)
    assert actions(bot) == []


async def test_russian_after_the_deadline(bot: BotUnderTest, clock: object) -> None:
    from tests.harness import MutableClock

    assert isinstance(clock, MutableClock)
    clock.now = datetime(2022, 6, 1, tzinfo=UTC)
    olga = bot.user(1011, language_code="ru")
    [card] = await olga.send("/start ua-31-22")  # a deep link opens an ended case too
    assert "Срок акции истёк 12 мая 2022 г. Если" in card.text  # one full stop after «г.»
    assert "свяжитесь с отделением Amnesty International" in card.text


async def test_deep_link_opens_the_case_and_unknown_links_the_menu(bot: BotUnderTest) -> None:
    ann = bot.user(1012)
    [card] = await ann.send("/start ua-31-22")
    assert "Urgent Action 31.22" in card.text
    [menu] = await ann.send("/start no-such-case")
    assert "Urgent Action 31.22" in menu.text


async def test_background_on_demand(bot: BotUnderTest) -> None:
    for user, heading, fact in (
        (bot.user(1013), "Background", "Tribuna newspaper"),
        (bot.user(1014, language_code="ru"), "Подробности", "«Трибуна»"),
    ):
        await user.send("/start")
        sent = await user.click("📖")
        assert heading in sent[0].text and fact in sent[0].text
        assert any("8,000" in m.text or "8000" in m.text for m in sent)


async def test_command_menu_is_set_in_both_languages(
    bot: BotUnderTest, fake: FakeTelegram
) -> None:
    calls = fake.calls_to("setMyCommands")
    languages = {call.params.get("language_code") for call in calls}
    assert {None, "en", "ru"} <= languages
    russian = next(c for c in calls if c.params.get("language_code") == "ru")
    names = [c["command"] for c in russian.params["commands"]]
    assert names == [
        "start",
        "signature",
        "language",
        "privacy",
        "mydata",
        "forget",
        "help",
        "settings",
        "stop",
    ]


async def test_each_step_costs_few_database_statements(bot: BotUnderTest) -> None:
    """The supporter is read once per update (settings, actions and subscriptions in one
    query) and settings are written in one statement: a step of the journey is one or two
    trips to the database thread, not nine (what the throughput in bench/journey.py needs)."""
    statements: list[str] = []
    supporters_tables = re.compile(r"\b(users|actions|action_counts|subscriptions)\b")

    def trace(sql: str) -> None:
        # A trigger's statements are reported as repeats of the statement that fired it (or
        # as comments); the delivery engine's polling of the outbox is not the journey's.
        if sql.lstrip().startswith("--") or not supporters_tables.search(sql):
            return
        if not statements or statements[-1] != sql:
            statements.append(sql)

    await bot.services.storage._database.connection.set_trace_callback(trace)
    ann = bot.user(1090)
    steps = [
        (ann.send, "/start", 2),  # the supporter (nobody yet), the case total
        (ann.click, "President of Kazakhstan", 1),
        (ann.click, "✉️ Email", 1),
        (ann.click, "Initials and city", 2),  # + the pending step
        (ann.send, "A. K.", 2),
        (ann.send, "Almaty", 2),  # + the signature; the email is shown without a re-read
        (ann.click, "✅ I sent the email", 4),  # + the user, the action (counts: a trigger), total
    ]
    for act, argument, most in steps:
        statements.clear()
        await act(argument)
        await asyncio.sleep(0)  # the trace callback runs in the database thread
        assert len(statements) <= most, (argument, statements)
    assert actions(bot) == [("ua-31-22", "president", "e")]
