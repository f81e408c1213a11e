"""A standing network: many cases most urgent first, letters in any language, alerts.

The content of these tests: UA 31.22 open (Russian and English letters), a case that prefers
Spanish, an ended case, and a draft with an error; a fourth case becomes active later.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.checks.content import load_content
from bot.content.languages import RLM
from faketelegram import FakeTelegram, FakeUser
from tests.conftest import ADMIN_ID
from tests.harness import CONTENT, BotUnderTest, MutableClock, wait_until

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

SPANISH_LETTER = """{{ salutation }}:

Le escribo para pedirle que libere de inmediato a {{ person }}.

Atentamente,
{{ signature }}"""
ENGLISH_LETTER = """{{ salutation }},

I am writing to ask you to release {{ person }} immediately.

Yours sincerely,
{{ signature }}"""
ARABIC_LETTER = """{{ salutation }}،

أكتب إليكم للمطالبة بالإفراج الفوري عن {{ person }}.

{{ signature }}"""


def write_case(
    content: Path,
    case_id: str,
    *,
    number: str,
    person: tuple[str, str],
    country: tuple[str, str],
    deadline: date | None,
    letters: dict[str, str],
    languages: list[str],
    status: str = "active",
    email: str = "ministro@seguridad.example.org",
    **extra: Any,
) -> Path:
    """A case folder as an organizer (or the importer) would write it."""
    folder = content / "cases" / case_id
    (folder / "templates").mkdir(parents=True)
    salutations = {"es": "Estimado señor ministro", "en": "Dear Minister", "ar": "معالي الوزير"}
    data = {
        "id": case_id,
        "ua_number": number,
        "status": status,
        "deadline": deadline.isoformat() if deadline else None,
        "country": {"en": country[0], "ru": country[1]},
        "title": {"en": f"{country[0]}: free {person[0]}", "ru": f"{country[1]}: свободу!"},
        "person": {"name": {"en": person[0], "ru": person[1]}, "pronouns": {"en": "she"}},
        "summary": {"en": f"{person[0]} is detained.", "ru": f"{person[1]} под стражей."},
        "ask": {"en": "Release her.", "ru": "Освободите её."},
        "background": {"en": ["More."], "ru": ["Подробнее."]},
        "languages": languages,
        "reminders_days_before": [7, 1],
        "officials": [
            {
                "id": "minister",
                "name": {"en": "Ana Pérez"},
                "title": {"en": "Minister of Security", "ru": "Министр безопасности"},
                "email": email,
                "twitter": ["MinSeguridad"],
                "salutation": {lang: salutations[lang] for lang in letters},
                "languages": languages,
            }
        ],
        **extra,
    }
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    for lang, letter in letters.items():
        templates = folder / "templates"
        (templates / f"letter.{lang}.j2").write_text(letter, "utf-8")
        (templates / f"email_subject.{lang}.j2").write_text(f"UA {number} ({lang})", "utf-8")
        (templates / f"tweet.{lang}.j2").write_text(
            f"{{{{ handles }}}} UA {number} {lang}", "utf-8"
        )
        (templates / f"call.{lang}.j2").write_text(f"Call script ({lang})", "utf-8")
    return folder


def network_content(root: Path) -> Path:
    """Three cases and a broken draft; UA 31.22 moved into the present."""
    content = root / "content"
    shutil.copytree(CONTENT, content)
    case_yaml = content / "cases" / "ua-31-22" / "case.yaml"
    text = case_yaml.read_text("utf-8").replace("deadline: 2022-05-12", "deadline: 2026-12-20")
    case_yaml.write_text(text, "utf-8")
    write_case(
        content,
        "ua-60-16",
        number="60/16",
        person=("Rosa Núñez", "Роса Нуньес"),
        country=("Honduras", "Гондурас"),
        deadline=date(2026, 12, 9),
        letters={"es": SPANISH_LETTER, "en": ENGLISH_LETTER},
        languages=["es"],
    )
    write_case(
        content,
        "ua-12-26",
        number="12.26",
        person=("Li Wei", "Ли Вэй"),
        country=("China", "Китай"),
        deadline=date(2026, 11, 1),
        letters={"en": ENGLISH_LETTER},
        languages=["en"],
    )
    write_case(
        content,
        "ua-99-26",
        number="99.26",
        person=("Draft Person", "Черновик"),
        country=("Testland", "Тестландия"),
        deadline=date(2027, 1, 1),
        letters={"en": ENGLISH_LETTER},
        languages=["en"],
        status="draft",
        email="not-an-address",
    )
    return content


@pytest.fixture
async def network(
    fake: FakeTelegram, tmp_path: Path
) -> AsyncIterator[tuple[BotUnderTest, MutableClock]]:
    clock = MutableClock(NOW)
    content = load_content(network_content(tmp_path))
    bot = BotUnderTest(fake, tmp_path / "bot.sqlite3", content, clock, admins=[ADMIN_ID])
    await bot.start()
    yield bot, clock
    await bot.stop()


def case_buttons(message: Any) -> list[str]:
    return [text for text in message.button_texts if " · " in text]


def test_a_broken_draft_is_left_out_and_named_and_the_others_load(tmp_path: Path) -> None:
    content = load_content(network_content(tmp_path))
    assert sorted(content.cases) == ["ua-12-26", "ua-31-22", "ua-60-16"]
    assert list(content.broken) == ["ua-99-26"]
    [problem] = content.problems
    assert "ua-99-26/case.yaml" in problem and "officials.0.email" in problem


async def test_start_lists_the_open_cases_soonest_deadline_first(
    network: tuple[BotUnderTest, MutableClock],
) -> None:
    bot, _ = network
    [menu] = await bot.user(3001).send("/start")
    assert "Open Urgent Actions: 2" in menu.text
    assert case_buttons(menu) == [
        "Rosa Núñez · Honduras · 7 days left",
        "Zhanbolat Mamay · Kazakhstan · 18 days left",
    ]
    assert "🗂 Ended cases" in menu.button_texts
    [menu_ru] = await bot.user(3002, language_code="ru").send("/start")
    assert "Открытые срочные акции: 2" in menu_ru.text
    assert case_buttons(menu_ru) == [
        "Роса Нуньес · Гондурас · осталось 7 дней",
        "Жанболат Мамай · Казахстан · осталось 18 дней",
    ]


async def test_a_tick_marks_the_cases_the_supporter_acted_on(
    network: tuple[BotUnderTest, MutableClock],
) -> None:
    bot, _ = network
    ann = bot.user(3003)
    await ann.send("/start")
    await ann.click("Zhanbolat Mamay")
    await ann.click("Ambassador of Kazakhstan")
    await ann.click("🐦 Tweet")
    await ann.click("✅ I tweeted")
    [menu] = await ann.send("/start")
    assert case_buttons(menu)[1] == "✓ Zhanbolat Mamay · Kazakhstan · 18 days left"
    assert not case_buttons(menu)[0].startswith("✓")


async def test_the_spanish_letter_is_offered_with_its_meaning(
    network: tuple[BotUnderTest, MutableClock],
) -> None:
    bot, _ = network
    for user, names in (
        (
            bot.user(3004),
            ("Rosa Núñez", "Minister", "Unsigned", "🔎 What does it say? (in English)"),
        ),
        (
            bot.user(3005, language_code="ru"),
            ("Роса Нуньес", "Министр", "Без подписи", "🔎 Что здесь написано? (на английском)"),
        ),
    ):
        person, minister, unsigned, meaning = names
        await user.send("/start")
        await user.click(person)
        await user.click(minister)
        await user.click("✉️ Email")
        _, email = await user.click(unsigned)
        assert "Estimado señor ministro:" in email.text
        assert "Le escribo para pedirle" in email.text
        assert meaning in email.button_texts
        [explained] = await user.click(meaning)
        assert "I am writing to ask you to release Rosa Núñez" in explained.text


async def test_language_names_come_from_cldr_in_the_interface_language(
    network: tuple[BotUnderTest, MutableClock], tmp_path: Path
) -> None:
    bot, _ = network
    olga = bot.user(3006, language_code="ru")
    await olga.send("/start")
    await olga.click("Жанболат Мамай")
    await olga.click("Президент")
    await olga.click("✉️ Email")
    _, email = await olga.click("Без подписи")
    assert "(на русском)" in email.text
    assert "🌐 Текст на английском" in email.button_texts
    [english] = await olga.click("🌐 Текст на английском")
    assert "(на английском)" in english.text
    assert "🔎 Что здесь написано? (на русском)" in english.button_texts


async def test_the_chosen_letter_language_is_remembered_for_the_case(
    network: tuple[BotUnderTest, MutableClock],
) -> None:
    bot, _ = network
    ann = bot.user(3007)
    await ann.send("/start")
    await ann.click("Zhanbolat Mamay")
    await ann.click("President of Kazakhstan")
    await ann.click("✉️ Email")
    _, russian = await ann.click("Unsigned")
    assert "Уважаемый господин Президент!" in russian.text  # the document prefers Russian
    [english] = await ann.click("🌐 Use the text in English")
    assert "Dear Mr President," in english.text
    assert bot.query("SELECT case_id, lang FROM letter_choices") == [("ua-31-22", "en")]
    # Another official, another day: the letter opens in the language chosen.
    await ann.send("/start")
    await ann.click("Zhanbolat Mamay")
    await ann.click("Ambassador of Kazakhstan")
    [post] = await ann.click("📮 Letter by post")
    assert "Dear Ambassador," in post.text


async def test_tweets_and_calls_open_in_the_supporters_language(
    network: tuple[BotUnderTest, MutableClock],
) -> None:
    bot, _ = network
    for user, official, expected in (
        (bot.user(3008), "Ambassador of Kazakhstan", "Release journalist"),
        (bot.user(3009, language_code="ru"), "Посол", "Освободите"),
    ):
        await user.send("/start")
        await user.click("Мамай" if user.language_code == "ru" else "Mamay")
        await user.click(official)
        [tweet] = await user.click("🐦")
        assert expected in tweet.text
    # The Spanish case's official accepts only Spanish: the tweet is Spanish, with its meaning.
    ann = bot.user(3010)
    await ann.send("/start")
    await ann.click("Rosa Núñez")
    await ann.click("Minister of Security")
    [tweet] = await ann.click("🐦 Tweet")
    assert "UA 60/16 es" in tweet.text
    [meaning] = await ann.click("What does it say? (in English)")
    assert "UA 60/16 en" in meaning.text


async def test_the_draft_is_never_shown(network: tuple[BotUnderTest, MutableClock]) -> None:
    bot, _ = network
    ann = bot.user(3011)
    [menu] = await ann.send("/start")
    assert not any("Draft" in text for text in menu.button_texts)
    [deep] = await ann.send("/start ua-99-26")  # a draft's link: as if there were no case
    assert "Open Urgent Actions: 2" in deep.text
    [ended] = await ann.click("🗂 Ended cases")
    assert not any("Draft" in text for text in ended.button_texts)


async def test_the_ended_case_says_it_ended(network: tuple[BotUnderTest, MutableClock]) -> None:
    bot, _ = network
    for user, ended_label, notice in (
        (bot.user(3012), "🗂 Ended cases", "This appeal ended on <b>1 November 2026</b>"),
        (
            bot.user(3013, language_code="ru"),
            "🗂 Завершённые акции",
            "Срок акции истёк <b>1 ноября 2026 г.</b>",
        ),
    ):
        await user.send("/start")
        [ended] = await user.click(ended_label)
        assert len(case_buttons(ended)) == 1
        [card] = await user.click(case_buttons(ended)[0])
        assert notice in card.html
        assert not any(text.startswith("✅ I") for text in card.button_texts)
    [card] = await bot.user(3014).send("/start ua-12-26")  # and by its link
    assert "This appeal ended on" in card.text


async def test_right_to_left_letters_start_each_line_right_to_left(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    content = network_content(tmp_path)
    write_case(
        content,
        "ua-33-26",
        number="33.26",
        person=("Salma Ali", "Сальма Али"),
        country=("Egypt", "Египет"),
        deadline=date(2026, 12, 30),
        letters={"ar": ARABIC_LETTER, "en": ENGLISH_LETTER},
        languages=["ar"],
    )
    bot = BotUnderTest(fake, tmp_path / "db.sqlite3", load_content(content), MutableClock(NOW))
    await bot.start()
    try:
        ann = bot.user(3015)
        await ann.send("/start")
        await ann.click("Salma Ali")
        await ann.click("Minister of Security")
        await ann.click("✉️ Email")
        await ann.click("Full name")
        _, letter = await ann.send("Ann Lee")
        assert "(in Arabic)" in letter.text
        body = letter.html.split("<pre>", 1)[1].split("</pre>", 1)[0]
        lines = [line for line in body.split("\n") if line.strip()]
        assert lines[0].startswith(RLM + "معالي الوزير")
        assert lines[-1] == RLM + "Ann Lee"  # a Latin name still runs right to left
        assert all(line.startswith(RLM) for line in lines)
    finally:
        await bot.stop()


async def test_cases_come_eight_to_a_page(fake: FakeTelegram, tmp_path: Path) -> None:
    content = network_content(tmp_path)
    for index in range(10):
        write_case(
            content,
            f"ua-{index + 40}-26",
            number=f"{index + 40}.26",
            person=(f"Person {index:02d}", f"Человек {index:02d}"),
            country=("Testland", "Тестландия"),
            deadline=date(2027, 1, 1) + timedelta(days=index),
            letters={"en": ENGLISH_LETTER},
            languages=["en"],
        )
    bot = BotUnderTest(fake, tmp_path / "db.sqlite3", load_content(content), MutableClock(NOW))
    await bot.start()
    try:
        ann = bot.user(3016)
        [first] = await ann.send("/start")
        assert "Open Urgent Actions: 12" in first.text
        assert len(case_buttons(first)) == 8
        assert case_buttons(first)[0].startswith("Rosa Núñez")
        [second] = await ann.click("2/2 ▶️")
        assert [t.split(" · ")[0] for t in case_buttons(second)] == [
            "Person 06",
            "Person 07",
            "Person 08",
            "Person 09",
        ]
        [back] = await ann.click("◀️ 1/2")
        assert case_buttons(back) == case_buttons(first)
    finally:
        await bot.stop()


# -- alerts about new cases ------------------------------------------------------------------


async def ask_for_alerts(user: FakeUser, mode_label: str) -> None:
    """The supporter asks to hear about new cases from /start's offer."""
    await user.send("/start")
    [question] = await user.click("📣")
    await user.click(mode_label, question)


def alerts_received(fake: FakeTelegram, user_id: int, number: str = "") -> list[str]:
    return [
        m.text or ""
        for m in fake.messages(user_id)
        if (m.text or "").startswith("🆕") and number in (m.text or "")
    ]


async def activate_fourth_case(bot: BotUnderTest, content: Path) -> None:
    """An organizer adds a case and reloads: it becomes active."""
    write_case(
        content,
        "ua-70-26",
        number="70.26",
        person=("Omar Haddad", "Омар Хаддад"),
        country=("Jordan", "Иордания"),
        deadline=date(2026, 12, 24),
        letters={"en": ENGLISH_LETTER},
        languages=["en"],
    )
    [reloaded] = await bot.user(ADMIN_ID).send("/reload")
    assert "4 cases served" in reloaded.text  # the draft stays out


async def test_an_alert_reaches_each_subscriber_once_in_their_language(
    network: tuple[BotUnderTest, MutableClock], fake: FakeTelegram, tmp_path: Path
) -> None:
    bot, _ = network
    await bot.services.run_campaigns()  # the round at start-up: these cases are not news
    await ask_for_alerts(bot.user(3101), "Each new case")
    await ask_for_alerts(bot.user(3102, language_code="ru"), "О каждой новой")
    await ask_for_alerts(bot.user(3103), "Weekly digest")  # not alerted case by case
    await bot.user(3104).send("/start")  # never asked
    assert sorted(bot.query("SELECT alerts FROM users WHERE alerts IS NOT NULL")) == [
        ("each",),
        ("each",),
        ("weekly",),
    ]
    # The cases open at start-up were announced then, to nobody: not again now.
    await bot.services.run_campaigns()
    await fake.settle()
    assert not alerts_received(fake, 3101)

    await activate_fourth_case(bot, tmp_path / "content")
    await wait_until(lambda: bool(alerts_received(fake, 3102, "70.26")))
    await wait_until(lambda: bool(alerts_received(fake, 3101, "70.26")))
    assert "New Urgent Action 70.26" in alerts_received(fake, 3101, "70.26")[0]
    assert "Новая срочная акция 70.26" in alerts_received(fake, 3102, "70.26")[0]
    assert not alerts_received(fake, 3103, "70.26")
    assert not alerts_received(fake, 3104, "70.26")
    # Again and again: a campaign round, another /reload, a restart. Still one each.
    await bot.services.run_campaigns()
    await bot.user(ADMIN_ID).send("/reload")
    bot.content = load_content(tmp_path / "content")  # a new process reads the files again
    await bot.restart()
    await bot.services.run_campaigns()
    await fake.settle()
    assert len(alerts_received(fake, 3101, "70.26")) == 1
    assert len(alerts_received(fake, 3102, "70.26")) == 1
    # The alert opens the case.
    alert = next(m for m in fake.messages(3101) if (m.text or "").startswith("🆕"))
    opened = await bot.user(3101).click("✍️ Take action", alert)
    assert "Urgent Action 70.26" in opened[-1].text, [m.text for m in opened]


async def test_an_alert_interrupted_by_a_restart_still_reaches_everyone_once(
    network: tuple[BotUnderTest, MutableClock], fake: FakeTelegram, tmp_path: Path
) -> None:
    bot, _ = network
    await bot.services.run_campaigns()  # the round at start-up: these cases are not news
    subscribers = [bot.user(3200 + i) for i in range(12)]
    for user in subscribers:
        await ask_for_alerts(user, "Each new case")
    fake.rate_limit_per_second = None
    # Slow sends: the restart comes while the alert is going out.
    for user in subscribers:
        fake.delay("sendMessage", 0.2, chat_id=user.id)
    await activate_fourth_case(bot, tmp_path / "content")
    await wait_until(lambda: any(alerts_received(fake, u.id, "70.26") for u in subscribers))
    bot.content = load_content(tmp_path / "content")  # a new process reads the files again
    await bot.restart()
    await wait_until(
        lambda: all(alerts_received(fake, u.id, "70.26") for u in subscribers), within=20
    )
    await fake.settle()
    for user in subscribers:
        assert len(alerts_received(fake, user.id, "70.26")) == 1, user.id

    def states() -> dict[str, int]:
        return dict(
            bot.query(
                "SELECT o.state, count(*) FROM outbox o JOIN deliveries d"
                " ON d.id = o.delivery_id WHERE d.key = 'alert:ua-70-26' GROUP BY o.state"
            )
        )

    # Every row settles as sent (or unknown, if the restart cut a send in flight: never resent).
    await wait_until(lambda: states().get("sent", 0) + states().get("unknown", 0) == 12)


async def test_settings_show_and_change_every_kind_of_message(
    network: tuple[BotUnderTest, MutableClock],
) -> None:
    bot, _ = network
    ann = bot.user(3301)
    [screen] = await ann.send("/settings")
    assert "New Urgent Actions: never" in screen.text
    assert "Reminders before a deadline: on" in screen.text
    [updated] = await ann.click("Weekly digest", screen)
    assert "New Urgent Actions: a weekly digest" in updated.text
    assert "✓ Weekly digest" in updated.button_texts
    [off] = await ann.click("⏰ Turn reminders off")
    assert "Reminders before a deadline: off" in off.text
    assert bot.query("SELECT alerts, reminders, news FROM users") == [("weekly", 0, 1)]
    [stopped] = await ann.send("/stop")
    assert "no more reminders, news or alerts" in stopped.text
    assert bot.query("SELECT alerts, chat_id FROM users") == [(None, None)]
    olga = bot.user(3302, language_code="ru")
    [screen_ru] = await olga.send("/settings")
    assert "Новые срочные акции:</b> не присылать" in screen_ru.html


async def test_the_weekly_digest_lists_what_each_supporter_has_left(
    network: tuple[BotUnderTest, MutableClock], fake: FakeTelegram
) -> None:
    bot, clock = network
    ann, bob = bot.user(3401), bot.user(3402)
    for user in (ann, bob):
        await ask_for_alerts(user, "Weekly digest")
    await bob.send("/start")
    await bob.click("Rosa Núñez")
    await bob.click("Minister of Security")
    await bob.click("🐦 Tweet")
    await bob.click("✅ I tweeted")
    clock.now = datetime(2026, 12, 7, 8, 30, tzinfo=UTC)  # Monday, after 08:00 UTC
    await bot.services.run_campaigns()

    def digest(user_id: int) -> list[str]:
        return [
            m.text or "" for m in fake.messages(user_id) if "not acted on yet" in (m.text or "")
        ]

    await wait_until(lambda: bool(digest(3401)) and bool(digest(3402)))
    assert "UA 60/16" in digest(3401)[0] and "UA 31.22" in digest(3401)[0]
    assert "UA 60/16" not in digest(3402)[0] and "UA 31.22" in digest(3402)[0]
    await bot.services.run_campaigns()
    await fake.settle()
    assert len(digest(3401)) == 1


async def test_consent_outlives_a_case_but_personal_data_does_not(
    network: tuple[BotUnderTest, MutableClock],
) -> None:
    bot, clock = network
    keeper, leaver = bot.user(3501), bot.user(3502)
    for user in (keeper, leaver):
        await user.send("/start")
        await user.click("Rosa Núñez")
        await user.click("Minister of Security")
        await user.click("✉️ Email")
        await user.click("Full name")
        await user.send(f"Signer {user.id}")
        await user.click("✅ I sent the email")
    await ask_for_alerts(keeper, "Each new case")
    # 30 days after UA 60/16 ended (9 December); UA 31.22 has ended too by then.
    clock.now = datetime(2027, 1, 25, 12, 0, tzinfo=UTC)
    await bot.services.run_campaigns()
    assert bot.query("SELECT count(*) FROM actions") == [(0,)]
    rows = bot.query("SELECT alerts, sign_mode, sign_name, chat_id IS NOT NULL FROM users")
    assert rows == [("each", None, None, 1)]  # the consent and the way to honour it; no name


async def test_stats_count_the_supporters_who_get_alerts(
    network: tuple[BotUnderTest, MutableClock],
) -> None:
    bot, _ = network
    await ask_for_alerts(bot.user(3601), "Each new case")
    await ask_for_alerts(bot.user(3602), "Weekly digest")
    [overview] = await bot.user(ADMIN_ID).send("/stats")
    assert "New-case alerts: each case 1 · weekly digest 1" in overview.text
    assert "🟢 UA 60/16 Rosa Núñez: 0 actions" in overview.text
    [overview_ru] = await bot.user(ADMIN_ID, language_code="ru").send("/stats")
    assert "о каждой — 1, обзор раз в неделю — 1" in overview_ru.text


async def test_a_released_case_is_good_news_and_the_only_open_case_offers_alerts(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    content = network_content(tmp_path)
    case_yaml = content / "cases" / "ua-12-26" / "case.yaml"
    data = yaml.safe_load(case_yaml.read_text("utf-8"))
    data.update(status="released", closed_on="2026-10-20")
    data["updates"] = [
        {"id": "freed", "kind": "released", "text": {"en": "Li Wei was released on 18 October."}}
    ]
    case_yaml.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    shutil.rmtree(content / "cases" / "ua-60-16")  # UA 31.22 is the only open case
    bot = BotUnderTest(fake, tmp_path / "db.sqlite3", load_content(content), MutableClock(NOW))
    await bot.start()
    try:
        ann = bot.user(3701)
        [card] = await ann.send("/start")  # one open case: straight on its card
        assert "Urgent Action 31.22" in card.text
        assert "📣 Tell me about new cases" in card.button_texts
        [ended] = await ann.send("/start ua-12-26")
        assert "Good news:" in ended.text and "ended in success on 20 October 2026" in ended.text
        assert "Latest news: Li Wei was released on 18 October." in ended.text
        await ann.send("/start")
        [listed] = await ann.click("🗂 Ended cases")
        assert case_buttons(listed) == ["🎉 Li Wei · China · ended 20 October 2026"]
    finally:
        await bot.stop()
