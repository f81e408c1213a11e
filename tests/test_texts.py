"""Every word right in both languages: each finding of the two reviews, as a test.

`../shared/reviews/texts-2026-12.md` (a native Russian campaigner and an English editor read
every text against the UA document) and `../shared/reviews/new-user-2026-12.md` (the bot
tried as a new user would). Every screen the bot can show is rendered here in English and
Russian, for every official, channel, letter language, signature, count and moment of the
campaign; each test names the finding it holds.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from bot.checks.content import load_content
from bot.content.limits import plain_text, telegram_length
from bot.content.models import LANGS, Case, CaseContent, Content, Lang, Update
from bot.content.plural import category
from bot.content.render import Texts
from bot.content.signature import Signature
from bot.screens.admin import AdminViews
from bot.screens.callbacks import Target
from bot.screens.screen import Screen
from bot.screens.views import Views
from bot.storage.audiences import BROADCAST_AUDIENCES
from bot.storage.stats import CaseStats
from bot.storage.supporters import ActionRecord, StoredData, Supporter
from faketelegram import FakeTelegram
from tests.conftest import ADMIN_ID
from tests.harness import CONTENT, BotUnderTest, MutableClock

CASE = "ua-31-22"
DEADLINE = date(2022, 5, 12)
#: Moments of the campaign: long before, a week before, the last day, after the deadline.
FAR, WEEK, LAST, AFTER = date(2022, 4, 1), date(2022, 5, 5), DEADLINE, date(2022, 5, 13)
#: Counts in every plural category of both languages.
COUNTS = (0, 1, 2, 3, 5, 11, 12, 21, 22, 25, 101, 111, 1000)
SIGNATURES = (
    Signature("none"),
    Signature("name", "Ann Lee"),
    Signature("initials", "A. K.", "Berlin"),
)


def variant(item: CaseContent, **changes: object) -> CaseContent:
    """The case as it would be with other content (closed, no deadline, with news...)."""
    return dataclasses.replace(item, case=item.case.model_copy(update=changes))


def screens_of(views: Views, lang: Lang) -> Iterator[tuple[str, Screen]]:
    """Every screen of the bot in one interface language, named."""
    content = views.content
    item = content.cases[CASE]
    case = item.case
    admin = AdminViews(views)
    news = [
        Update(id="info", kind="info", text={"en": "He was moved.", "ru": "Его перевели."}),
        Update(id="closed", kind="closed", text={"en": "It ended.", "ru": "Акция завершена."}),
        Update(id="freed", kind="released", text={"en": "He is free!", "ru": "Он на свободе!"}),
    ]
    variants = {
        "": item,
        "closed ": variant(item, status="closed", closed_on=date(2022, 5, 1)),
        "released ": variant(item, status="released", closed_on=date(2022, 5, 1), updates=news),
        "no deadline ": variant(item, deadline=None),
        "reported ": variant(item, report_totals=True, updates=news[:1]),
    }
    for name, each in variants.items():
        for today in (FAR, WEEK, LAST, AFTER):
            for total in COUNTS:
                yield f"{name}card {today} {total}", views.case_card(lang, each, today, total)
            yield (
                f"{name}welcome {today}",
                views.welcome_case(lang, each, today, 0, offer_reminders=True, offer_alerts=True),
            )
        yield f"{name}alert", views.alert(lang, each)
        for update in news:
            yield f"{name}update {update.kind}", views.case_update(lang, each, update)
        for official in case.officials:
            for total in COUNTS[1:]:
                done = {(official.id, "e")}
                yield (
                    f"{name}thanks {official.id} {total}",
                    views.thanks(lang, each, official, total, done, today=WEEK),
                )
    for today in (FAR, WEEK, LAST, AFTER):
        yield f"list {today}", views.case_list(lang, today, greeting=True, alerts_on=False)
        yield f"ended list {today}", views.ended_list(lang, today)
        digest = views.digest(lang, [item], today)
        if digest is not None:
            yield f"digest {today}", digest
    for index, screen in enumerate(views.background(lang, item)):
        yield f"background {index}", screen
    officials = [o.id for o in case.officials]
    for days in (0, 1, 2, 5, 7, 21):
        for done in ([], officials[:1], officials[1:]):
            reminder = views.reminder(lang, item, days, done)
            assert reminder is not None
            yield f"reminder {days} {'+'.join(done)}", reminder
    for official in case.officials:
        for is_open in (True, False):
            yield (
                f"official {official.id} {is_open}",
                views.official(lang, item, official, (), is_open=is_open),
            )
        done_channels = [c.value for c in official.channels[:1]]
        yield f"official {official.id} done", views.official(lang, item, official, done_channels)
        for channel in official.channels:
            for text_lang in item.languages_for(official):
                target = Target(CASE, official.id, channel, text_lang)
                for signature in SIGNATURES:
                    for today in (FAR, WEEK, AFTER):
                        for done in (False, True):
                            yield (
                                f"{channel.name.lower()} {official.id} {text_lang} "
                                f"{signature.mode} {today} {done}",
                                views.channel(
                                    lang, item, official, target, signature, today, done
                                ),
                            )
            yield (
                f"meaning {channel.name.lower()} {official.id}",
                views.meaning(lang, item, official, SIGNATURES[2], channel),
            )
    # Screens without a case.
    for key in ("help", "outdated", "language_set", "forgotten", "nothing_to_forget"):
        yield key, views.note(lang, key)
    for key in ("forget_cancelled", "unknown_command", "free_text", "other_media", "error"):
        yield key, views.note(lang, key)
    yield "slow_down", views.note(lang, "slow_down")
    for key in ("subscribed", "stopped", "nothing_to_stop"):
        yield key, views.note(lang, key)
    yield "private_only", views.private_only(lang)
    yield "language_menu", views.language_menu(lang)
    for days, backups in ((30, 14), (1, 1), (21, 0)):
        yield f"privacy {days} {backups}", views.privacy(lang, days, backups)
    yield "forget_question", views.forget_question(lang)
    yield "alerts_question", views.alerts_question(lang)
    for alerts in ("each", "weekly", None):
        yield f"settings {alerts}", views.settings(lang, alerts, True, False, [CASE])
        yield f"settings {alerts} none", views.settings(lang, alerts, False, True, [])
    for current in (None, *SIGNATURES):
        yield f"signature question {current}", views.signature_question(lang, current, None)
    for step in ("name", "initials", "city"):
        yield f"ask {step}", views.ask_text(lang, step)
    yield "empty input", views.input_refused(lang)
    for count in COUNTS[1:]:
        yield f"too long {count}", views.input_refused(lang, count)
    for signature in SIGNATURES:
        for go_on in (True, False):
            yield (
                f"signature saved {signature.mode} {go_on}",
                views.signature_saved(lang, signature, go_on=go_on),
            )
    day = date(2022, 5, 5)
    records = tuple(
        ActionRecord(CASE, o.id, c.value, day) for o in case.officials for c in o.channels
    )
    for count in (0, 1, 2, 5, 21):
        supporter = Supporter(
            lang=lang,
            signature=SIGNATURES[2],
            pending=None,
            created_at=day,
            actions=records,
            subscriptions=frozenset({CASE}),
            alerts="weekly",
            letter_langs={CASE: "en"},
        )
        stored = StoredData(supporter, lang, True, day, day, {CASE: day}, count)
        yield f"my data {count}", views.my_data(lang, stored)
    yield "my data empty", views.my_data(lang, None)
    # Organizers.
    for count in COUNTS:
        stats = CaseStats(
            count, {"president": count}, {"e": count}, count, count, count, count, []
        )
        yield f"stats {count}", admin.stats(lang, item, stats)
        yield (
            f"overview {count}",
            admin.overview(lang, [item], {CASE: (count, count)}, {"each": count}, count, WEEK),
        )
        yield (
            f"audiences {count}",
            admin.choose_audience(lang, item, dict.fromkeys(BROADCAST_AUDIENCES, count)),
        )
        yield f"report caption {count}", admin.report_caption(lang, item, count)
        yield f"confirm {count}", admin.confirm(lang, 1, count)
        for key, name in (
            ("admin_ask_text", "size"),
            ("admin_sending", "size"),
            ("admin_cancelled", "count"),
        ):
            yield f"{key} {count}", admin.note(lang, key, **{name: count})
        progress = {"sent": count, "cancelled": count, "pending": count}
        yield f"progress {count}", admin.progress(lang, "broadcast", progress, 75.0, False)
        yield (
            f"progress stopped {count}",
            admin.progress(lang, "broadcast", {"sent": count}, None, True, stopped=True),
        )
        for kind in ("reminder", "update", "alert", "digest"):
            yield f"progress {kind} {count}", admin.progress(lang, kind, {"sent": 1}, None, True)
        problems = ["cases/ua-31-22/case.yaml: line 5: not valid YAML"]
        yield (
            f"reloaded {count}",
            admin.note(
                lang,
                "admin_reloaded",
                cases=count,
                broken_cases=[CASE],
                kept=True,
                broken=problems,
                more_broken=count,
                warnings=problems,
                more_warnings=count,
            ),
        )
        yield (
            f"reload failed {count}",
            admin.note(lang, "admin_reload_failed", problems=problems, more=count),
        )
    yield "choose case", admin.choose_case(lang, [item])
    yield "report usage", admin.note(lang, "admin_report_usage", cases=[CASE])
    for key in ("admin_no_chart", "admin_choose_case", "admin_empty_audience"):
        yield key, admin.note(lang, key)
    for key in ("admin_nothing_to_cancel", "admin_draft_cancelled", "admin_draft_gone"):
        yield key, admin.note(lang, key)
    labels = admin.chart_labels(lang, item)
    yield "chart", Screen(f"{labels.title}\n{labels.axis}")
    for key in (
        "already_counted",
        "closed_toast",
        "subscribed_toast",
        "saved_toast",
        "outdated_toast",
    ):
        yield key, Screen(views.texts.button(lang, key))
    for key in ("alerts_each_toast", "alerts_weekly_toast", "alerts_off_toast"):
        yield key, Screen(views.texts.button(lang, key))
    for kind in ("broadcast", "reminder", "update", "alert", "digest"):
        yield kind, Screen(views.texts.button(lang, f"kind_{kind}"))


class Rendered:
    """Everything the bot shows, per language: message texts (as Telegram shows them) and
    button labels, share texts included."""

    def __init__(self, content: Content) -> None:
        self.texts = Texts(content.strings)
        self.views = Views(content, self.texts, "ua_bot")
        self.screens: dict[Lang, dict[str, Screen]] = {
            lang: dict(screens_of(self.views, lang)) for lang in LANGS
        }

    def text(self, lang: Lang, name: str) -> str:
        return plain_text(self.screens[lang][name].text)

    def labels(self, lang: Lang, name: str) -> list[str]:
        return [key.text for row in self.screens[lang][name].keyboard for key in row]

    def everything(self, lang: Lang) -> list[str]:
        """Each message and each button label, and the text of each share link."""
        found = []
        for screen in self.screens[lang].values():
            found.append(plain_text(screen.text))
            for row in screen.keyboard:
                for key in row:
                    found.append(key.text)
                    if key.url and key.url.startswith("https://t.me/share/url?"):
                        found += parse_qs(urlparse(key.url).query)["text"]
        return found

    def matching(self, lang: Lang, pattern: str) -> list[str]:
        return [name for name in self.screens[lang] if re.fullmatch(pattern, name)]


@pytest.fixture(scope="module")
def seen(content: Content) -> Rendered:
    return Rendered(content)


def share_text(seen: Rendered, lang: Lang) -> str:
    [url] = [
        key.url
        for row in seen.screens[lang][f"card {WEEK} 0"].keyboard
        for key in row
        if key.url and "share" in key.url
    ]
    return parse_qs(urlparse(url).query)["text"][0]


def body(seen: Rendered, lang: Lang, name: str) -> str:
    """The text inside the screen's <pre> (a letter, script or tweet)."""
    html = seen.screens[lang][name].text
    return plain_text(html.split("<pre>", 1)[1].split("</pre>", 1)[0])


# -- every string is used, and everything is shown at least once ---


def test_every_interface_string_is_rendered_here(content: Content, seen: Rendered) -> None:
    every = {
        (section, lang, key)
        for lang, table in content.strings.items()
        for section in ("messages", "buttons")
        for key in getattr(table, section)
    }
    # The date is rendered through `Texts.date`; the rest through the screens above. The
    # organizers' authoring screens (author_, gap_, field_, event_, preview_) are rendered by
    # tests/test_authoring*.py, which walk them in both languages.
    authoring = re.compile(r"(author|gap|field|event|preview)_")
    missing = sorted(
        (section, lang, key)
        for section, lang, key in every - seen.texts.rendered
        if key != "date" and not authoring.match(key)
    )
    assert missing == []


# -- texts review, "Facts" ---


@pytest.mark.parametrize("lang", LANGS)
def test_facts_fax_phone_and_envelopes_as_dialled_and_posted(seen: Rendered, lang: Lang) -> None:
    fax = seen.text(lang, f"fax president ru none {WEEK} False")
    assert "+7 7172 74 56 31" in fax and "+8 7172" not in fax  # Facts 1
    post = seen.text(lang, f"post president ru none {WEEK} False")
    envelope = post.split("\n\n", 1)[1]
    assert "Mangilik Yel St, 6\nNur-Sultan\nKAZAKHSTAN\n" in envelope  # Facts 6: country last
    embassy = seen.text(lang, f"post ambassador en none {WEEK} False")
    assert "1401 16th St NW\nWashington, DC 20036\nUSA\n" in embassy  # Facts 6: USA
    phone = seen.text(lang, f"phone ambassador en none {WEEK} False")
    assert "+1 202 232 5488" in phone  # Facts 6
    assert seen.labels(lang, f"phone ambassador en none {WEEK} False")


@pytest.mark.parametrize(
    ("lang", "since"), [("en", "25 February 2022"), ("ru", "25 февраля 2022")]
)
def test_facts_the_call_script_dates_the_detention_from_the_arrest(
    seen: Rendered, lang: Lang, since: str
) -> None:
    script = body(seen, lang, f"phone ambassador {lang} none {WEEK} False")
    assert since in script  # Facts 2
    assert "March 2022" not in script and "марта 2022" not in script


def test_facts_article_274_by_its_russian_title(content: Content, seen: Rendered) -> None:
    case = content.cases[CASE].case
    russian = [
        case.summary["ru"],
        *case.background["ru"],
        body(seen, "ru", f"email president ru none {WEEK} False"),
    ]
    for text in russian:  # Facts 3: wherever the charge is named, by the article's title
        assert "ложной информации" not in text.replace("заведомо ложной информации", "")
    letter = body(seen, "ru", f"email president ru none {WEEK} False")
    assert "статья 378 Уголовного кодекса Республики Казахстан" in letter


def test_facts_russian_background_corrections(content: Content) -> None:
    background = " ".join(content.cases[CASE].case.background["ru"])
    background = " ".join(background.split())
    for wrong, right in [
        ("предполагаемых делегатов", "будущих делегатов"),  # Facts 4
        ("приговорён к 15 суткам", "суд назначил ему 15 суток административного ареста"),  # 5
        ("призывы против коррупции", "требования покончить с коррупцией"),  # Russian 9
        ("и в Алматы и других местах", "распространились, а в Алматы и других городах"),
        ("в январском насилии", "во время январских событий"),
        ("отчёт судебного эксперта", "заключение судебной экспертизы"),
        ("видео в YouTube", "видеоролике на YouTube"),
        ("по оценкам, около", "около 8000"),
        ("Он бывший главный редактор", "Ранее он был главным редактором"),
    ]:
        assert wrong not in background and right in background, right


# -- texts review, "Russian" ---


def test_russian_names_take_the_case_their_sentence_needs(seen: Rendered) -> None:
    # Russian 1: the share text, the thanks, the call script and the reminder.
    assert share_text(seen, "ru").startswith("Поддержите Жанболата Мамая:")
    thanks = seen.text("ru", "thanks president 5")
    assert "В поддержку Жанболата Мамая уже отправлено 5 обращений." in thanks
    script = body(seen, "ru", f"phone ambassador ru none {WEEK} False")
    assert "передайте моё обращение Послу Республики Казахстан в США Ержану Ашикбаеву" in script
    reminder = seen.text("ru", "reminder 7 president")
    assert "Вы уже написали Президенту Республики Казахстан." in reminder
    assert "Осталось обратиться к Послу Республики Казахстан в США." in reminder
    everything = "\n".join(seen.everything("ru"))
    for nominative_in_the_wrong_place in (
        "Поддержите Жанболат Мамай",
        "в поддержку: Жанболат",
        "обращение: Посол",
        "написали: Президент",
    ):
        assert nominative_in_the_wrong_place not in everything


def test_russian_without_declensions_the_nominative_stands_where_it_is_right(
    content: Content,
) -> None:
    item = content.cases[CASE]
    bare = dataclasses.replace(
        item,
        case=item.case.model_copy(
            update={
                "person": item.case.person.model_copy(update={"declension": {}}),
                "officials": [
                    o.model_copy(update={"declension": {}}) for o in item.case.officials
                ],
            }
        ),
    )
    views = Views(content, Texts(content.strings), "ua_bot")
    thanks = plain_text(views.thanks("ru", bare, bare.case.officials[0], 2, set()).text)
    assert "По этой акции уже отправлено 2 обращения." in thanks
    reminder = plain_text(views.reminder("ru", bare, 7, ["president"]).text)  # type: ignore[union-attr]
    assert "(Жанболат Мамай)" in reminder
    assert "Уже сделано: Президент Республики Казахстан." in reminder
    assert "Осталось обратиться: Посол Республики Казахстан в США." in reminder


def test_russian_deadline_no_double_full_stop_and_its_object(seen: Rendered) -> None:
    for lang in LANGS:  # Russian 2, review D11: «г..»
        for text in seen.everything(lang):
            assert not re.search(r"(?<!\.)\.\.(?!\.)", text), text
    passed = seen.text("ru", f"card {AFTER} 0")
    assert "истёк 12 мая 2022 г. Если вы хотите" in passed
    assert "свяжитесь с отделением Amnesty International в вашей стране" in passed


def test_russian_the_inclusive_deadline_is_not_later_than(seen: Rendered) -> None:
    card = seen.text("ru", f"card {WEEK} 0")
    assert "действуйте не позднее 12 мая 2022 г.: осталось 7 дней." in card  # Russian 3
    assert "действуйте до" not in "\n".join(seen.everything("ru"))


@pytest.mark.parametrize("lang", LANGS)
def test_reminders_say_what_is_left_of_the_appeal_and_agree_in_number(
    seen: Rendered, lang: Lang
) -> None:
    # Russian 4 / English: "7 days left for Zhanbolat Mamay" read as his days.
    for name in seen.matching(lang, r"reminder .*"):
        text = seen.text(lang, name)
        assert "Ещё ждёт" not in text and "Ждут" not in text and "left for" not in text
        assert "— Жанболат" not in text
    english = seen.text("en", "reminder 7 ")
    assert english.startswith("⏰ Urgent Action 31.22 for Zhanbolat Mamay: 7 days left")
    assert "Waiting for your appeal: the President of Kazakhstan and the Ambassador" in english
    russian = seen.text("ru", "reminder 1 ")
    assert "До конца срочной акции 31.22 в поддержку Жанболата Мамая остался 1 день." in russian
    assert "Осталось обратиться к Президенту Республики Казахстан и Послу" in russian


def test_language_names_in_the_interface_language(seen: Rendered) -> None:
    # Russian 5, English "Language buttons".
    ru = "\n".join(seen.everything("ru"))
    en = "\n".join(seen.everything("en"))
    assert "(Русский)" not in ru and "(English)" not in ru and "Написать на языке" not in ru
    assert "(на русском)" in ru and "🌐 Текст на английском" in ru
    en = en.replace("Change language / Сменить язык", "").replace("English\nРусский", "")
    assert "Русский" not in en  # but on the language menu, where each names itself
    assert "(in Russian)" in en and "🌐 Use the text in Russian" in en


def test_appeals_not_actions_and_no_count_before_anyone_acted(seen: Rendered) -> None:
    # Russian 6: «Сторонники уже совершили 0 действий», «Ваше действие учтено».
    for lang in LANGS:
        assert "so far" not in seen.text(lang, f"card {WEEK} 0") and "Уже отправлено" not in (
            seen.text(lang, f"card {WEEK} 0")
        )
    ru = "\n".join(seen.everything("ru"))
    assert "совершили" not in ru and "Ваше действие учтено" not in ru
    assert "Уже отправлено 21 обращение." in seen.text("ru", f"card {WEEK} 21")
    assert "Уже отправлено 22 обращения." in seen.text("ru", f"card {WEEK} 22")
    assert "Уже отправлено 25 обращений." in seen.text("ru", f"card {WEEK} 25")
    assert "Ваше обращение учтено." in seen.text("ru", "thanks president 1")
    assert "✊ 1 appeal sent so far." in seen.text("en", f"card {WEEK} 1")


#: Words counted by a number, with the CLDR category each form belongs to.
FORMS = {
    "en": {
        "day": "one", "days": "other", "message": "one", "messages": "other",
        "action": "one", "actions": "other", "appeal": "one", "appeals": "other",
        "supporter": "one", "supporters": "other", "case": "one", "cases": "other",
        "character": "one", "characters": "other",
    },
    "ru": {
        "день": "one", "дня": "few", "дней": "many",
        "сообщение": "one", "сообщения": "few", "сообщений": "many",
        "действие": "one", "действия": "few", "действий": "many",
        "обращение": "one", "обращения": "few", "обращений": "many",
        "участник": "one", "участника": "few", "участников": "many",
        "участнику": "one", "участникам": "few",
        "акция": "one", "акции": "few", "акций": "many",
    },
}  # fmt: skip


#: Words after which Russian puts a counted noun in the genitive: «до 1 дня», «до 5 дней».
GENITIVE = {"до", "течение", "длиннее", "около", "более", "менее"}
GENITIVE_FORMS = {
    "дня": ("one",), "дней": ("few", "many"), "символа": ("one",), "символов": ("few", "many"),
}  # fmt: skip


@pytest.mark.parametrize("lang", LANGS)
def test_every_number_takes_the_form_cldr_gives_it(seen: Rendered, lang: Lang) -> None:
    # Russian 7 and English "1 messages", "1 cases": organizer texts included.
    checked = 0
    for text in seen.everything(lang):
        for before, number, word in re.findall(r"(\w*)\s?(?<![\d.:/-])(\d+) ([^\W\d]+)", text):
            wanted = category(int(number), lang)
            if lang == "ru" and before.lower() in GENITIVE:  # «до 1 дня», «длиннее 21 символа»
                form = GENITIVE_FORMS.get(word.lower())
                if form is not None:
                    assert wanted in form, f"{before} {number} {word}: {text}"
                    checked += 1
                continue
            form = FORMS[lang].get(word.lower())
            if form is None:
                continue
            if lang == "ru" and word.lower() in ("участникам",):  # dative plural: few and many
                assert wanted in ("few", "many"), text
            else:
                assert wanted == form, f"{number} {word}: {text}"
            checked += 1
    assert checked > 200
    if lang == "ru":
        assert "🛑 Рассылка остановлена: 1 сообщение не будет отправлено." in seen.text(
            "ru", "admin_cancelled 1"
        )
        assert "Его получат 21 участник" not in seen.text("ru", "admin_ask_text 21")
        assert "Его получит 21 участник" in seen.text("ru", "admin_ask_text 21")


def test_russian_smaller_wording(seen: Rendered) -> None:
    # Russian 8 (the privacy and /forget texts belong to the safety issue).
    assert "судьба человека, которому грозит опасность" in seen.text("ru", f"welcome {WEEK}")
    assert "Полное имя — так обращение весомее всего." in seen.text(
        "ru", "signature question None"
    )
    assert "➕ Другой способ обратиться к этому адресату" in seen.labels(
        "ru", "thanks president 1"
    )


def test_russian_letter_and_subject(seen: Rendered) -> None:
    # Russian 10.
    letter = body(seen, "ru", f"email president ru none {WEEK} False")
    assert "политически мотивированное преследование" in letter
    assert "сделать всё, что в Ваших полномочиях" in letter
    assert "а с него были сняты все обвинения" in letter
    assert "мирным осуществлением им права на свободу выражения мнений и свободу мирных" in letter
    assert "расправу" not in letter and "предпринять все необходимые шаги" not in letter
    email = seen.text("ru", f"email president ru none {WEEK} False")
    assert "Тема: Просьба освободить Жанболата Мамая и снять с него обвинения" in email
    english = seen.text("ru", f"email president en none {WEEK} False")
    assert "Тема: Appeal for the release of Zhanbolat Mamay" in english


# -- texts review, "English" ---


def test_english_wording(seen: Rendered) -> None:
    script = body(seen, "en", f"phone ambassador en none {WEEK} False")
    assert "to the Ambassador of Kazakhstan to the United States, Yerzhan Ashikbayev" in script
    assert "to Ambassador of Kazakhstan to the United States Yerzhan" not in script
    assert "Please type at least a few characters" in seen.text("en", "empty input")
    assert "Copy out or print this letter (in Russian) and date it:" in seen.text(
        "en", f"post president ru none {WEEK} False"
    )
    assert "It will go to 5 supporters exactly as you send it" in seen.text(
        "en", "admin_ask_text 5"
    )
    assert "It will go to 1 supporter exactly" in seen.text("en", "admin_ask_text 1")
    assert seen.text("en", "signature saved none False") == "✅ Your letters will be unsigned."
    assert seen.text("ru", "signature saved none False") == "✅ Ваши письма будут без подписи."


@pytest.mark.parametrize("lang", LANGS)
def test_the_official_screen_names_the_button_there_is(seen: Rendered, lang: Lang) -> None:
    # English: "tap 'I sent it'", a label no button has; after the deadline no button at all.
    text = seen.text(lang, "official president True")
    assert "I sent it" not in text and "Я отправил(а)»" not in text
    assert "✅" in text
    assert "✅" not in seen.text(lang, "official president False")


def test_dates_in_a_letter_agree(seen: Rendered) -> None:
    # English: the date line said "5 May 2022", the letter's body "March 14, 2022".
    letter = seen.text("en", f"post president en none {WEEK} False")
    assert "May 5, 2022\n\nDear Mr President," in letter and "March 14, 2022" in letter
    russian = seen.text("ru", f"post president ru none {WEEK} False")
    assert "5 мая 2022 г.\n\nУважаемый господин Президент!" in russian


# -- texts review, "Promises the bot cannot keep" ---


@pytest.mark.parametrize("lang", LANGS)
def test_the_thanks_promises_only_what_organizers_set(seen: Rendered, lang: Lang) -> None:
    # Promises 1: "Amnesty shares this number with the officials".
    plain = seen.text(lang, "thanks president 5")
    assert "Amnesty shares" not in plain and "Amnesty сообщает" not in plain
    assert "Amnesty" not in plain.split("\n\n")[1]
    reported = seen.text(lang, "reported thanks president 5")
    assert "Amnesty International" in reported.split("\n\n")[1]


# -- texts review, "Tone and missing guidance" ---


def test_calls_and_tweets_open_in_the_supporters_language(content: Content) -> None:
    # Tone 1: English users got the Russian call script.
    item = content.cases[CASE]
    ambassador = item.case.officials[1]
    views = Views(content, Texts(content.strings), "ua_bot")
    official = views.official("en", item, ambassador, ())
    labels = {key.text: key.callback_data for row in official.keyboard for key in row}
    assert str(labels["📞 Phone call"]).endswith(":en")
    assert str(labels["🐦 Tweet"]).endswith(":en")


@pytest.mark.parametrize("lang", LANGS)
def test_the_guidance_supporters_need(seen: Rendered, lang: Lang) -> None:
    # Tone 2, point by point.
    words = {
        "en": ("write your own, in any language", "identical emails", "If the email bounces",
               "Outside the US", "1–3 weeks", "less than two weeks left", "country code",
               "office hours", "tap it to copy", "US Eastern time"),
        "ru": ("написать свой, на любом языке", "одинаковые письма", "Если письмо не дойдёт",
               "не в США", "1–3 недели", "меньше двух недель", "с кодом страны",
               "в рабочие часы", "нажмите на него, чтобы скопировать", "восточное время США"),
    }[lang]  # fmt: skip
    official = seen.text(lang, "official ambassador True")
    email = seen.text(lang, f"email president ru none {FAR} False")
    far_post = seen.text(lang, f"post president ru none {FAR} False")
    near_post = seen.text(lang, f"post president ru none {WEEK} False")
    phone = seen.text(lang, f"phone ambassador en none {WEEK} False")
    own, identical, bounce, outside_us, weeks, hurry, prefix, hours, copy, zone = words
    assert own in official and outside_us in official
    assert identical in email and bounce in email and copy in email
    assert weeks in far_post and hurry not in far_post and hurry in near_post
    assert prefix in phone and hours in phone and zone in phone


@pytest.mark.parametrize("lang", LANGS)
def test_the_card_fits_a_phone_screen_above_its_buttons(seen: Rendered, lang: Lang) -> None:
    # Tone 3: the first card was about 1,100 characters.
    welcome = seen.screens[lang][f"welcome {WEEK}"]
    assert telegram_length(welcome.text) <= 900
    assert len(plain_text(welcome.text).splitlines()) <= 16
    heading = seen.text(lang, "background 0").split("\n")[:2]
    assert heading[0] in ("📖 Background", "📖 Подробности") and "::" not in " ".join(heading)
    assert "Подробности: Казахстан:" not in seen.text("ru", "background 0")


def test_tone_help_we_berlin_and_the_ended_card(seen: Rendered) -> None:
    # Tone 4.
    for lang in LANGS:
        assert "/stop" in seen.text(lang, "help")
        assert not seen.text(lang, f"card {AFTER} 0").rstrip().endswith(":")
    for name in ("unknown_command", "free_text", "other_media", "private_only"):
        assert not re.search(r"(^|\s)Я\s", seen.text("ru", name)), name
        assert not re.search(r"(^|\s)I\s", seen.text("en", name)), name
    assert "Берлин" in seen.text("ru", "ask city") and "Алматы" not in seen.text("ru", "ask city")


# -- new-user review ---


def test_small_points_the_group_link_and_the_way_on_after_signature(seen: Rendered) -> None:
    for lang in LANGS:
        assert '<a href="https://t.me/ua_bot">' in seen.screens[lang]["private_only"].text
        assert seen.labels(lang, "signature saved name True")  # /signature ends with a button


def future_content(tmp_path: Path, deadline: date) -> Content:
    """The real content with another deadline."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    case = target / "cases" / CASE / "case.yaml"
    text = case.read_text(encoding="utf-8").replace(
        "deadline: 2022-05-12", f"deadline: {deadline}"
    )
    case.write_text(text, encoding="utf-8")
    return load_content(target)


async def test_letters_are_dated_with_the_calendar_day_and_mydata_agrees(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Review D2: at 06:20 UTC on 2 December the letter read '1 December 2026'."""
    clock = MutableClock(datetime(2026, 12, 2, 6, 20, tzinfo=UTC))
    bot = BotUnderTest(fake, tmp_path / "db", future_content(tmp_path, date(2026, 12, 9)), clock)
    await bot.start()
    try:
        ann = bot.user(9100)
        await ann.send("/start")
        await ann.click("President of Kazakhstan")
        await ann.click("📮 Letter by post")
        _, letter = await ann.click("Unsigned")
        assert "2 декабря 2026 г.\n\nУважаемый" in letter.text
        [english] = await ann.click("Use the text in English")
        assert "December 2, 2026\n\nDear Mr President" in english.text
        await ann.click("✅ I posted the letter")
        [data] = await ann.send("/mydata")
        assert "2 December 2026" in data.text
    finally:
        await bot.stop()


async def test_the_card_and_the_reminder_count_the_same_days(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Review D3: the reminder said 7 days left, the card it links to 8; a year away, 366."""
    clock = MutableClock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    bot = BotUnderTest(fake, tmp_path / "db", future_content(tmp_path, date(2026, 12, 9)), clock)
    await bot.start()
    try:
        ann = bot.user(9200)
        await ann.send("/start")
        await ann.click("🔔")
        clock.now = datetime(2026, 12, 2, 6, 28, tzinfo=UTC)
        await bot.services.run_campaigns()
        await wait_for_text(fake, 9200, "7 days left to send an appeal")
        [card] = await ann.send("/start")
        assert "7 days left." in card.text
        [official] = await ann.click("President of Kazakhstan")
        assert "✉️ Email" in official.button_texts
    finally:
        await bot.stop()
    clock = MutableClock(datetime(2026, 12, 2, 6, 28, tzinfo=UTC))
    year = future_content(tmp_path / "year", date(2027, 12, 2))
    bot = BotUnderTest(fake, tmp_path / "year.db", year, clock)
    await bot.start()
    try:
        [card] = await bot.user(9201).send("/start")
        assert "365 days left." in card.text
        clock.now = datetime(2027, 12, 2, 3, 0, tzinfo=UTC)
        [card] = await bot.user(9202).send("/start")
        assert "today is the last day" in card.text
        clock.now = datetime(2027, 12, 3, 3, 0, tzinfo=UTC)  # still 2 December somewhere
        [card] = await bot.user(9203).send("/start")
        assert "today is the last day" in card.text
    finally:
        await bot.stop()


async def wait_for_text(fake: FakeTelegram, chat: int, needle: str) -> None:
    from tests.harness import wait_until

    await wait_until(lambda: any(needle in (m.text or "") for m in fake.messages(chat)))


async def test_remind_me_once_and_before_acting(bot: BotUnderTest) -> None:
    """Review D13 (the button stayed and every tap repeated the message) and D10 (nobody could
    be in 'subscribers who have not acted yet')."""
    ann = bot.user(9300)
    [card] = await ann.send("/start")
    assert "🔔 Remind me before the deadline" in card.button_texts
    sent = await ann.click("🔔")
    assert len([m for m in sent if "We will remind you" in (m.text or "")]) == 1
    assert "🔔 Remind me before the deadline" not in card.button_texts  # taken off the card
    admin = bot.user(ADMIN_ID)
    [audiences] = await admin.send("/broadcast")
    assert "Subscribers who have not acted yet (1)" in audiences.button_texts


async def test_a_long_name_is_refused_not_cut(bot: BotUnderTest) -> None:
    """Review D14: a 300-character name was cut to 64 characters without a word."""
    ann = bot.user(9400)
    await ann.send("/signature")
    await ann.click("Full name")
    [refused] = await ann.send("Ann " + "Lee" * 100)
    assert "longer than 64 characters" in refused.text
    [saved, *_] = await ann.send("Ann Lee")
    assert "Ann Lee" in saved.text
    assert bot.query("SELECT sign_mode FROM users") == [("name",)]


def test_a_chart_over_one_day_labels_the_day_once(content: Content) -> None:
    """Review D9: '01 Dec 01 Dec 01 Dec 02 Dec 02 Dec 02 Dec 02 Dec'."""
    from bot.screens.chart import chart_figure

    labels = AdminViews(Views(content, Texts(content.strings), "ua_bot")).chart_labels(
        "en", content.cases[CASE]
    )
    for days in (1, 2, 40):
        first = date(2026, 12, 1)
        per_day = [(first + timedelta(days=n), n + 1) for n in range(days)]
        figure = chart_figure(labels, per_day)
        shown = [t.get_text() for t in figure.axes[0].get_xticklabels()]
        assert len(shown) == len(set(shown)) and shown[0] == "1 Dec", shown
        assert len(shown) <= 10


def test_case_model_declensions_are_validated() -> None:
    from pydantic import ValidationError

    data = Case.model_json_schema()  # the field exists on person and officials
    assert "Declension" in str(data)
    with pytest.raises(ValidationError, match="no ru name to decline"):
        from bot.content.models import Person

        Person.model_validate(
            {
                "name": {"en": "Ann"},
                "pronouns": {"en": "she"},
                "declension": {"ru": {"gen": "a", "dat": "b", "acc": "c", "ins": "d", "pre": "e"}},
            }
        )


def test_a_long_summary_is_a_warning(tmp_path: Path) -> None:
    """Tone 3, for every case: a summary that pushes the buttons off the screen is named."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    case = target / "cases" / CASE / "case.yaml"
    text = case.read_text(encoding="utf-8")
    case.write_text(
        text.replace("  en: >-\n    Zhanbolat", "  en: >-\n    " + "Long. " * 90 + "Zhanbolat", 1),
        encoding="utf-8",
    )
    warnings = load_content(target).warnings
    assert any("field 'summary.en'" in w and "about two sentences" in w for w in warnings)
    assert not [w for w in load_content(CONTENT).warnings if "summary" in w]


def test_english_headings_put_the_article_and_comma_a_title_needs(seen: Rendered) -> None:
    """Of the same kind as "pass this message on to Ambassador of Kazakhstan to the United
    States Yerzhan Ashikbayev": every English heading that runs a title into a name."""
    for name in seen.matching("en", r"(email|post|fax|tweet|phone) .*"):
        heading = seen.text("en", name).split("\n", 1)[0]
        assert re.search(r" the (President|Ambassador) .*, (Kassym|Yerzhan)", heading), heading
