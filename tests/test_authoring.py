"""Organizers run a case from Telegram: document → draft → fixes → preview → publish → news.

The organizer's story of UA 31.22, through the fake Bot API: the document is sent as a file,
the bot lists what is missing, each fix is typed in chat, the Russian letter comes as a
message, the case is previewed as a Russian-speaking supporter would see it, published, and
every supporter who asked for alerts gets one message. The bot is restarted between steps of
every kind (a draft written, a question asked, an answer refused, a preview, a held alert):
nothing is lost. A supporter who is not an organizer is refused at every step.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml

from bot.checks.content import load_content
from faketelegram import FakeTelegram, FakeUser
from faketelegram.records import SentMessage
from tests.conftest import ADMIN_ID
from tests.corpus import build_docx
from tests.harness import CONTENT, ROOT, BotUnderTest, MutableClock, wait_until

DATA = ROOT / "tests" / "data"
DOCUMENT = DATA / "UA-31.22-kazakhstan.txt"
#: UA 31.22 with "Further information on UA 31.22", a new deadline and a changed email.
FURTHER = DATA / "FI-UA-31.22-kazakhstan.txt"
#: Before UA 31.22's deadline (12 May 2022).
NOW = datetime(2022, 4, 1, 12, 0, tzinfo=UTC)
HAND_MADE = CONTENT / "cases" / "ua-31-22"


def russian_letter() -> str:
    """The Russian letter as an organizer types it: with its opening, without a signature."""
    template = (HAND_MADE / "templates" / "letter.ru.j2").read_text("utf-8")
    return template.replace("{{ salutation }}!", "Уважаемый господин Президент!").replace(
        "{{ signature }}", ""
    )


def content_without_cases(root: Path) -> Path:
    content = root / "content"
    (content / "cases").mkdir(parents=True)
    shutil.copytree(CONTENT / "strings", content / "strings")
    return content


@pytest.fixture
async def desk_bot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    """The bot with its interface strings and no case: organizers bring the cases."""
    content = load_content(content_without_cases(tmp_path))
    clock = MutableClock(NOW)
    database = tmp_path / "data" / "bot.sqlite3"
    bot = BotUnderTest(fake, database, content, clock, admins=[ADMIN_ID])
    await bot.start()
    yield bot
    await bot.stop()


def case_yaml(bot: BotUnderTest, case_id: str = "ua-31-22") -> dict[str, object]:
    path = bot.settings.cases_path / case_id / "case.yaml"
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def alerts(fake: FakeTelegram, user_id: int) -> list[str]:
    return [m.text or "" for m in fake.messages(user_id) if (m.text or "").startswith("🆕")]


async def ask_for_alerts(user: FakeUser, label: str) -> None:
    await user.send("/start")
    [question] = await user.click("📣")
    await user.click(label, question)


def buttons(message: SentMessage) -> list[str]:
    markup = message.reply_markup or {}
    return [str(b.get("text")) for row in markup.get("inline_keyboard", []) for b in row]


async def answer(
    bot: BotUnderTest, admin: FakeUser, text: str, *, expect: str, restart: bool = False
) -> SentMessage:
    """The organizer types an answer (after a restart); the bot's reply shows `expect`."""
    if restart:
        await bot.restart()
    [reply] = await admin.send(text)
    assert expect in (reply.text or ""), reply.text
    return reply


async def tap(
    bot: BotUnderTest, admin: FakeUser, label: str, *, restart: bool = False
) -> list[SentMessage]:
    """The organizer taps a button (after a restart)."""
    if restart:
        await bot.restart()
    return await admin.click(label)


async def test_an_organizer_runs_ua_31_22_from_telegram_with_restarts_between_steps(
    desk_bot: BotUnderTest, fake: FakeTelegram
) -> None:
    bot = desk_bot
    ann, olga = bot.user(5001), bot.user(5002, language_code="ru")
    weekly = bot.user(5003)
    await ask_for_alerts(ann, "Each new case")
    await ask_for_alerts(olga, "О каждой новой")
    await ask_for_alerts(weekly, "Weekly digest")
    admin = bot.user(ADMIN_ID)

    # 1. The document, as a file: what was read, official by official, and what is missing.
    [desk] = await admin.send_document(DOCUMENT.read_bytes(), DOCUMENT.name, "text/plain")
    text = desk.text or ""
    assert "Read from UA-31.22-kazakhstan.txt" in text
    assert "Draft (supporters do not see it) · UA 31.22 · ua-31-22" in text
    assert "Deadline: 12 May 2022" in text
    assert "Preferred languages: Russian, English" in text and "Letters in: English" in text
    assert "1. President of Kazakhstan Kassym-Jomart Tokayev" in text
    assert "✉️ udp@udp-rk.kz" in text and "🐦 @TokayevKZ" in text
    assert "Salutation: Dear Mr President (en)" in text
    assert "2. Ambassador Yerzhan Ashikbayev" in text and "📞 202 232 5488" in text
    assert "✏️ Letter in Russian: 6 texts" in text
    assert "✏️ Country" in text and "✏️ Texts in Russian" in text
    assert "✏️ Written by the bot, to check: call script, email subject, tweet" in text
    assert "Nothing blocks publishing; 4 things are worth a look." in text
    assert case_yaml(bot)["status"] == "draft"
    # Nothing of a draft reaches supporters: not the list, not a deep link, not an alert.
    [listed] = await ann.send("/start")
    assert "Mamay" not in (listed.text or "") and "There is no open Urgent Action" in listed.text
    [deep] = await ann.send("/start ua-31-22")
    assert "Mamay" not in (deep.text or "")
    await bot.services.run_campaigns()
    assert alerts(fake, ann.id) == []

    # 2. The Russian letter, typed as a message, then what goes with it.
    [question] = await tap(bot, admin, "Letter in Russian", restart=True)
    assert "Letter in Russian" in question.text and "opening line" in question.text
    await answer(bot, admin, russian_letter(), expect="Email subject in Russian", restart=True)
    letter = (bot.settings.cases_path / "ua-31-22" / "templates" / "letter.ru.j2").read_text()
    assert letter.startswith("{{ salutation }}!\n\nЯ обращаюсь к Вам")
    assert letter.endswith("С уважением,\n{{ signature }}\n")
    # A subject of two lines is refused, with the reason; the question stays.
    refused = await answer(
        bot, admin, "Освободите\nМамая", expect="Not done. It must be one line."
    )
    assert "Email subject" not in refused.text
    await answer(bot, admin, "Освободите Жанболата Мамая", expect="Tweet in Russian", restart=True)
    # A tweet that fits 280 characters alone, but not with the officials' handles in front:
    # the same check as `python -m bot check` refuses it, naming the file and the limit.
    too_long = ("Свободу Жанболату Мамаю! " * 11).strip()
    refused = await answer(bot, admin, too_long, expect="tweet to ambassador is 298 characters")
    assert "tweet.ru.j2" in refused.text and "X allows 280" in refused.text
    await answer(
        bot, admin, "Освободите Жанболата Мамая! #Казахстан", expect="Call script in Russian"
    )
    await answer(
        bot,
        admin,
        "Здравствуйте, я звоню по поводу Жанболата Мамая. Прошу освободить его.",
        expect="Salutation in Russian — President of Kazakhstan",
    )
    await answer(bot, admin, "Уважаемый господин Президент", expect="Ambassador Yerzhan")
    back = await answer(bot, admin, "Уважаемый господин Посол!", expect="✅ Saved.")
    assert "Letters in: Russian, English" in back.text and "Letter in Russian" not in back.text
    officials = case_yaml(bot)["officials"]
    assert isinstance(officials, list)
    assert officials[1]["salutation"] == {
        "en": "Dear Ambassador",
        "ru": "Уважаемый господин Посол",
    }

    # 3. The country, in both interface languages.
    await tap(bot, admin, "Country")
    await answer(bot, admin, "Kazakhstan", expect="Country in Russian")
    await answer(bot, admin, "Казахстан", expect="✅ Saved.")

    # 4. The Russian texts supporters read, one after another; the background is skipped.
    await tap(bot, admin, "Texts in Russian")
    russian = [
        ("Казахстан: освободите лидера оппозиции Жанболата Мамая", "Person's name in Russian"),
        ("Жанболат Мамай", "Summary in Russian"),
        ("Жанболат Мамай, журналист и лидер оппозиции, находится под стражей.", "What we ask"),
        ("Освободить Мамая и снять обвинения.", "Official's title in Russian"),
        ("Президент Казахстана", "Official's name in Russian"),
        ("Касым-Жомарт Токаев", "Official's title in Russian"),
        ("Посол Казахстана в США", "Official's name in Russian"),
        ("Ержан Ашикбаев", "Background in Russian"),
    ]
    for index, (typed, expected) in enumerate(russian):
        await answer(bot, admin, typed, expect=expected, restart=index == 3)
    # Skipped, the background stays on the list; it comes back as a .txt file (too long for
    # one message), paragraphs separated by empty lines.
    [skipped] = await tap(bot, admin, "⏭ Skip", restart=True)
    assert "✏️ Texts in Russian: background" in skipped.text
    await tap(bot, admin, "Texts in Russian")
    hand_made = yaml.safe_load((HAND_MADE / "case.yaml").read_text("utf-8"))
    background = "\n\n".join(hand_made["background"]["ru"]).encode()
    assert len(background) > 4096
    await bot.restart()
    [done] = await admin.send_document(background, "background-ru.txt", "text/plain")
    assert "✅ Saved." in done.text and "Texts in Russian" not in done.text
    assert case_yaml(bot)["background"]["ru"] == hand_made["background"]["ru"]  # type: ignore[index]

    # 5. What the bot wrote from the title: keep two, replace the English subject.
    [review] = await tap(bot, admin, "Written by the bot")
    assert "Call script in English" in review.text and "I am calling about" in review.text
    await tap(bot, admin, "✅ Keep it", restart=True)
    await answer(
        bot, admin, "Free Zhanbolat Mamay and drop the charges", expect="Tweet in English"
    )
    [ready] = await tap(bot, admin, "✅ Keep it")
    assert "✅ Nothing is missing. Preview it as a supporter, then publish." in ready.text
    subject = bot.settings.cases_path / "ua-31-22" / "templates" / "email_subject.en.j2"
    assert subject.read_text("utf-8") == "Free Zhanbolat Mamay and drop the charges\n"

    # 6. The preview, as a Russian-speaking supporter: the real screens, nothing counted.
    [card] = await tap(bot, admin, "👁 As a supporter: Russian")
    assert card.text.startswith("👁 Предпросмотр")
    assert "Казахстан: освободите лидера оппозиции Жанболата Мамая" in card.text
    assert "⬅️ Выйти из предпросмотра" in buttons(card)
    await tap(bot, admin, "Президент Казахстана", restart=True)
    [email] = await tap(bot, admin, "✉️ Email")
    assert "Уважаемый господин Президент!" in email.text and "Я обращаюсь к Вам" in email.text
    assert "Освободите Жанболата Мамая" in email.text
    sent = await tap(bot, admin, "✅ Я отправил(а) email")
    assert admin.last_answer is not None and admin.last_answer.get("text") == (
        "Предпросмотр: не учтено."
    )
    assert any("Спасибо" in (m.text or "") for m in sent)
    assert bot.query("SELECT count(*) FROM actions") == [(0,)]
    assert bot.query("SELECT count(*) FROM action_counts") == [(0,)]
    await tap(bot, admin, "⬅️ Выйти из предпросмотра")

    # 7. Publish: the alert is shown first with its audience, then sent once to each.
    published = await tap(bot, admin, "🟢 Publish", restart=True)
    texts = [m.text or "" for m in published]
    assert any("Published: supporters can act on it now" in t for t in texts)
    assert any(t.startswith("🆕") and "31.22" in t for t in texts)
    assert "📣 Send the alert to 2" in buttons(published[-1])
    assert case_yaml(bot)["status"] == "active"
    await bot.services.run_campaigns()
    assert alerts(fake, ann.id) == []  # not before the organizer says so
    await tap(bot, admin, "📣 Send the alert to 2", restart=True)
    await wait_until(lambda: bool(alerts(fake, ann.id)) and bool(alerts(fake, olga.id)))
    await bot.restart()
    await bot.services.run_campaigns()
    await fake.settle()
    assert len(alerts(fake, ann.id)) == 1 and "New Urgent Action 31.22" in alerts(fake, ann.id)[0]
    assert (
        len(alerts(fake, olga.id)) == 1 and "Новая срочная акция 31.22" in alerts(fake, olga.id)[0]
    )
    assert alerts(fake, weekly.id) == []
    [listed] = await ann.send("/start")
    assert "Mamay" in listed.text
    history = bot.query("SELECT organizer, event FROM case_history ORDER BY id")
    assert history[0][1] == "imported" and history[-1][1] == "alert_sent"
    assert all(str(ADMIN_ID) not in who for who, _ in history)


# -- cases already there: a hand-made case, and drafts written as files ---------------------


@pytest.fixture
async def served_bot(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[BotUnderTest]:
    """The bot with UA 31.22 as baked into the image (read-only for the bot), open."""
    content = content_without_cases(tmp_path)
    shutil.copytree(HAND_MADE, content / "cases" / "ua-31-22")
    clock = MutableClock(NOW)
    database = tmp_path / "data" / "bot.sqlite3"
    bot = BotUnderTest(fake, database, load_content(content), clock, admins=[ADMIN_ID])
    await bot.start()
    yield bot
    await bot.stop()


def write_draft(bot: BotUnderTest, case_id: str = "ua-31-22") -> None:
    """A complete draft in the writable cases directory (as a finished draft would be)."""
    target = bot.settings.cases_path / case_id
    shutil.copytree(HAND_MADE, target)
    data = (target / "case.yaml").read_text("utf-8").replace("status: active", "status: draft")
    (target / "case.yaml").write_text(data, "utf-8")


async def follow(user: FakeUser) -> None:
    """A supporter acts on UA 31.22 and follows it (reminders and news)."""
    await user.send("/start")
    await user.click("🔔")


async def test_a_further_information_document_updates_its_case_after_showing_what_changes(
    served_bot: BotUnderTest, fake: FakeTelegram
) -> None:
    bot = served_bot
    baked = (HAND_MADE / "case.yaml").read_bytes()
    ann = bot.user(5101)
    await follow(ann)
    admin = bot.user(ADMIN_ID)
    [plan] = await admin.send_document(FURTHER.read_bytes(), FURTHER.name, "text/plain")
    assert "further information on UA 31.22: it updates ua-31-22" in plan.text
    assert "deadline: 2022-05-12 → 2022-07-12" in plan.text
    assert "officials.ambassador.email: washington@mfa.kz → usa.embassy@mfa.kz" in plan.text
    assert "updates: (none) → further information: On May 10, 2022, a court extended" in plan.text
    # Nothing changed yet, also after a restart; then the organizer applies it.
    assert not (bot.settings.cases_path / "ua-31-22").exists()
    [updated] = await tap(bot, admin, "✅ Apply", restart=True)
    assert "✅ Updated." in updated.text and "Deadline: 12 July 2022" in updated.text
    data = case_yaml(bot)
    assert data["deadline"] == date(2022, 7, 12) and data["status"] == "active"
    assert data["title"]["ru"] == yaml.safe_load(baked)["title"]["ru"]  # type: ignore[index]
    assert (HAND_MADE / "case.yaml").read_bytes() == baked  # the image's copy is untouched
    # Supporters see the new deadline; the follower gets the news once.
    [card] = await bot.user(5102).send("/start")
    assert "12 July 2022" in card.text
    await wait_until(
        lambda: any("court extended" in (m.text or "") for m in fake.messages(ann.id))
    )
    await bot.services.run_campaigns()
    await fake.settle()
    news = [m for m in fake.messages(ann.id) if "court extended" in (m.text or "")]
    assert len(news) == 1 and news[0].text.startswith("📰 News on Urgent Action 31.22")
    # A second tap on Apply (a forwarded copy of the button) changes nothing more.
    [again] = await admin.click_data("A:u:1", plan.message_id)
    assert "This is no longer there" in again.text
    assert len(case_yaml(bot)["updates"]) == 1  # type: ignore[arg-type]


async def test_news_is_previewed_then_sent_and_a_case_can_be_closed_early(
    served_bot: BotUnderTest, fake: FakeTelegram
) -> None:
    bot = served_bot
    ann, olga = bot.user(5201), bot.user(5202, language_code="ru")
    await follow(ann)
    await follow(olga)
    admin = bot.user(ADMIN_ID)
    [cases] = await admin.send("/cases")
    assert "0 drafts, 1 published" in cases.text
    await admin.click("UA 31.22")
    [kinds] = await admin.click("📰 Post news")
    assert "the 2 supporters who follow this case" in kinds.text
    await admin.click("📰 Further information")
    [ask_ru] = await admin.send("Zhanbolat Mamay was moved to house arrest.")
    assert "Send the news in Russian" in ask_ru.text
    preview, confirm = await admin.send("Жанболата Мамая перевели под домашний арест.")
    assert preview.text.startswith("📰 News on Urgent Action 31.22")
    assert "moved to house arrest" in preview.text
    assert "📤 Send to 2" in buttons(confirm)
    await bot.services.run_campaigns()
    assert not any("house arrest" in (m.text or "") for m in fake.messages(ann.id))
    await tap(bot, admin, "📤 Send to 2", restart=True)
    await wait_until(
        lambda: (
            any("домашний арест" in (m.text or "") for m in fake.messages(olga.id))
            and any("house arrest" in (m.text or "") for m in fake.messages(ann.id))
        )
    )
    # Close early: supporters can no longer act, and nobody is messaged.
    await admin.send("/cases")
    await admin.click("UA 31.22")
    await admin.click("🔒 Close the case")
    [closed] = await admin.click("🔒 Yes, close it")
    assert "🔒 The case is closed." in closed.text and "⚪ Closed" in closed.text
    data = case_yaml(bot)
    assert data["status"] == "closed" and data["closed_on"] == NOW.date()
    [card] = await bot.user(5203).send("/start ua-31-22")
    assert "This Urgent Action is closed" in card.text
    [history] = await admin.click("🕘 History")
    assert "you: closed the case" in history.text and "you: posted news" in history.text
    assert str(ADMIN_ID) not in history.text
    # Good news later: released, to the followers, and the case says so.
    await admin.click("⬅️ Back to the case")
    await admin.click("📰 Post news")
    await admin.click("🎉 Released")
    await admin.send("Zhanbolat Mamay is free.")
    _, confirm = await admin.send("Жанболат Мамай на свободе.")
    assert "Sending it also ends the case" in confirm.text
    await admin.click("📤 Send to 2")
    await wait_until(lambda: any("is free" in (m.text or "") for m in fake.messages(ann.id)))
    assert case_yaml(bot)["status"] == "released"
    [card] = await bot.user(5204).send("/start ua-31-22")
    assert "Good news" in card.text


async def test_a_held_alert_is_never_sent_on_its_own(
    desk_bot: BotUnderTest, fake: FakeTelegram
) -> None:
    bot = desk_bot
    ann = bot.user(5301)
    await ask_for_alerts(ann, "Each new case")
    write_draft(bot)
    await bot.restart()
    admin = bot.user(ADMIN_ID)
    [cases] = await admin.send("/cases")
    assert "1 draft, 0 published" in cases.text
    [desk] = await admin.click("UA 31.22")
    assert "✅ Nothing is missing. Preview it as a supporter, then publish." in desk.text
    # The English preview of the draft: the supporter's card, under the banner.
    [card] = await admin.click("👁 As a supporter: English")
    assert card.text.startswith("👁 Preview") and "Zhanbolat Mamay" in card.text
    await admin.click("⬅️ End the preview")
    published = await admin.click("🟢 Publish")
    assert "📣 Send the alert to 1" in buttons(published[-1])
    await admin.click("⏸ Hold it")
    for _ in range(2):
        await bot.restart()
        await bot.services.run_campaigns()
        await fake.settle()
    assert alerts(fake, ann.id) == []
    [listed] = await ann.send("/start")
    assert "Zhanbolat Mamay" in listed.text  # published all the same
    await admin.send("/cases")
    [desk] = await admin.click("UA 31.22")
    assert "The new-case alert is held" in desk.text
    await admin.click("📣 Send the alert to 1")
    await wait_until(lambda: len(alerts(fake, ann.id)) == 1)
    # The organizer's message shows the progress, as for a broadcast.
    await wait_until(
        lambda: any("New-case alert finished" in (m.text or "") for m in admin.messages)
    )


async def test_a_document_can_be_pasted_as_messages(desk_bot: BotUnderTest) -> None:
    admin = desk_bot.user(ADMIN_ID)
    text = DOCUMENT.read_text("utf-8")
    middle = text.index("\n\n", len(text) // 2)
    [first] = await admin.send(text[:middle])
    assert "Got it: 1 part" in first.text
    [second] = await admin.send(text[middle:])
    assert "2 parts" in second.text
    [desk] = await admin.click("📥 Import")
    assert "Read from pasted text" in desk.text and "2. Ambassador Yerzhan Ashikbayev" in desk.text
    assert case_yaml(desk_bot)["status"] == "draft"


async def test_a_draft_can_be_deleted_and_nothing_of_it_stays(desk_bot: BotUnderTest) -> None:
    admin = desk_bot.user(ADMIN_ID)
    await admin.send_document(DOCUMENT.read_bytes(), DOCUMENT.name, "text/plain")
    await admin.click("🗑 Delete the draft")
    [deleted] = await admin.click("🗑 Yes, delete it")
    assert "is deleted" in deleted.text
    assert list(desk_bot.settings.cases_path.iterdir()) == []
    assert desk_bot.services.content.case("ua-31-22") is None


# -- only organizers -------------------------------------------------------------------------


async def test_a_supporter_who_is_not_an_organizer_is_refused_at_every_step(
    desk_bot: BotUnderTest, fake: FakeTelegram
) -> None:
    bot = desk_bot
    admin = bot.user(ADMIN_ID)
    await admin.send_document(DOCUMENT.read_bytes(), DOCUMENT.name, "text/plain")
    await admin.click("Letter in Russian")  # the organizer's question is open
    eve = bot.user(6001)
    for command in ("/cases", "/new"):
        [reply] = await eve.send(command)  # one message: the note and what the bot can do
        assert "There is no such command" in reply.text
    fake.reset_calls()
    [reply] = await eve.send_document(DOCUMENT.read_bytes(), DOCUMENT.name, "text/plain")
    assert "This bot can't read stickers, photos or files" in reply.text
    assert fake.calls_to("getFile") == []
    [reply] = await eve.send(DOCUMENT.read_text("utf-8")[:3000])
    assert "This bot understands only its buttons" in reply.text
    for data in ("A:f:ua-31-22:t-ru", "A:p:ua-31-22", "A:l", "P:ru:c:ua-31-22", "A:as:1"):
        [sent] = await eve.click_data(data, 1)
        assert "This button is out of date" in sent.text, data
    assert case_yaml(bot)["status"] == "draft"
    assert bot.query("SELECT count(*) FROM deliveries") == [(0,)]
    # An organizer removed from BOT_ADMINS meanwhile: the open question no longer listens.
    bot.admins = frozenset()
    await bot.restart()
    [reply] = await admin.send(russian_letter())
    assert "This bot understands only its buttons" in reply.text
    assert "letter.ru.j2" not in {
        p.name for p in (bot.settings.cases_path / "ua-31-22" / "templates").iterdir()
    }


async def test_files_of_another_kind_or_over_the_limit_are_refused_unread(
    desk_bot: BotUnderTest, fake: FakeTelegram
) -> None:
    admin = desk_bot.user(ADMIN_ID)
    [reply] = await admin.send_document(b"MZ\x90\x00", "setup.exe")
    assert "“setup.exe” cannot be imported: send a .txt, .docx, .pdf or .html file." in reply.text
    [reply] = await admin.send_document(b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024), "big.pdf")
    assert "This file is too large (6.0 MB; the limit is 5.0 MB), so it was not" in reply.text
    assert fake.calls_to("getFile") == []
    [reply] = await admin.send_document(b"\xff\xfe not utf-8 \x81", "odd.txt")
    assert "The document could not be read" in reply.text and "UTF-8" in reply.text
    [reply] = await admin.send_document(b"Hello, just a note.", "note.txt")
    assert "does not look like an Urgent Action" in reply.text


async def test_a_russian_speaking_organizer_works_in_russian(
    desk_bot: BotUnderTest, fake: FakeTelegram
) -> None:
    admin = desk_bot.user(ADMIN_ID, language_code="ru")
    [desk] = await admin.send_document(DOCUMENT.read_bytes(), DOCUMENT.name, "text/plain")
    assert "📥 Документ UA-31.22-kazakhstan.txt прочитан." in desk.text
    assert "📝 Черновик (участники его не видят) · UA 31.22 · ua-31-22" in desk.text
    assert "Срок: 12 мая 2022" in desk.text
    assert "Предпочтительные языки: русский, английский" in desk.text
    assert "✏️ Письмо на русском: 6 текстов (письмо, тема письма, твит" in desk.text
    assert "👍 Публикации ничего не мешает; стоит проверить 4 пункта." in desk.text
    [question] = await admin.click("Страна")
    assert "Страна на английском" in question.text and "Пришлите одной строкой." in question.text
    [refused] = await admin.send("x" * 300)
    assert "⚠️ Не сделано. Здесь помещается не больше 200 знаков, а в тексте 300." in refused.text
    await admin.send("Kazakhstan")
    [saved] = await admin.send("Казахстан")
    assert saved.text.startswith("✅ Сохранено.")
    [history] = await admin.click("🕘 История")
    assert "вы: изменение — страна (ru)" in history.text and "вы: импорт" in history.text
    [reply] = await admin.send_document(b"0" * (6 * 1024 * 1024), "big.pdf")
    assert "Файл слишком большой (6,0 МБ при пределе 5,0 МБ) и не был скачан." in reply.text
    [cases] = await admin.send("/cases")
    assert "Акции</b>" in (cases.html or "") and "черновиков — 1" in cases.text


async def test_the_cases_own_document_again_offers_its_facts_but_no_news(
    served_bot: BotUnderTest,
) -> None:
    admin = served_bot.user(ADMIN_ID)
    [plan] = await admin.send_document(DOCUMENT.read_bytes(), DOCUMENT.name, "text/plain")
    assert "it updates ua-31-22" in plan.text
    assert "updates:" not in plan.text  # the summary is not news for the followers


async def test_a_word_document_with_doubts_asks_about_them(
    desk_bot: BotUnderTest, tmp_path: Path
) -> None:
    """A .docx through Telegram (python-docx), an official's title the importer was unsure of."""
    source = DATA / "ua" / "uk-2019-ua-44-19-philippines.docx.txt"
    docx = build_docx(source.read_text("utf-8"), tmp_path / "UA-44-19.docx")
    admin = desk_bot.user(ADMIN_ID)
    [desk] = await admin.send_document(docx.read_bytes(), docx.name)
    assert "Read from UA-44-19.docx" in desk.text and "UA 44/19" in desk.text
    assert "✏️ The bot may have misread these: official's title, official's name" in desk.text
    [question] = await admin.click("The bot may have misread these")
    assert "Official's title" in question.text and "<pre>Secretary</pre>" in (question.html or "")
    [name] = await admin.send("Secretary of Justice")
    assert "Official's name" in name.text and "Menardo I. Guevarra" in name.text
    [back] = await admin.click("✅ Keep it")
    assert "The bot may have misread these" not in back.text
    assert "1. Secretary of Justice Menardo I. Guevarra" in back.text
    header = (desk_bot.settings.cases_path / "ua-44-19" / "case.yaml").read_text("utf-8")
    assert "# doubt:" not in header
