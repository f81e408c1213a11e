"""Content is data: checked at start-up, errors name file and field, new cases need no code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.checks.content import load_content
from bot.content.models import ContentError
from faketelegram import FakeTelegram
from tests.harness import CONTENT, BotUnderTest, MutableClock


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def edit_case(content_dir: Path, change: object) -> None:
    path = content_dir / "cases" / "ua-31-22" / "case.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert callable(change)
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def problems_of(content_dir: Path) -> str:
    """What the check says: broken strings stop the bot; a broken case is left out, named."""
    try:
        content = load_content(content_dir)
    except ContentError as error:
        return str(error)
    assert "ua-31-22" not in content.cases, "a case that fails the check must not be served"
    assert content.problems
    return "\n".join(content.problems)


def test_real_content_has_everything_in_both_languages() -> None:
    content = load_content(CONTENT)
    case = content.cases["ua-31-22"]
    assert case.letter_languages == ["ru", "en"]  # the document's order of preference
    assert [o.id for o in case.case.officials] == ["president", "ambassador"]
    assert case.case.languages == ["ru", "en"]
    # Everything a supporter reads exists in both languages: no missing translation.
    assert not [w for w in content.warnings if "translation" in w or "missing" in w]


def test_a_bad_email_names_file_and_field(content_copy: Path) -> None:
    edit_case(content_copy, lambda d: d["officials"][0].update(email="not-an-address"))
    message = problems_of(content_copy)
    assert "cases/ua-31-22/case.yaml" in message
    assert "officials.0.email" in message


def test_an_unknown_key_is_a_typo(content_copy: Path) -> None:
    edit_case(content_copy, lambda d: d["officials"][1].update(twiter=["x"]))
    assert "officials.1.twiter" in problems_of(content_copy)


def test_a_template_with_an_unknown_name_is_refused(content_copy: Path) -> None:
    path = content_copy / "cases" / "ua-31-22" / "templates" / "tweet.en.j2"
    path.write_text("{{ handles }} {{ hashtag }}", encoding="utf-8")
    message = problems_of(content_copy)
    assert "hashtag" in message


def test_a_template_syntax_error_names_file_and_line(content_copy: Path) -> None:
    path = content_copy / "cases" / "ua-31-22" / "templates" / "letter.ru.j2"
    path.write_text("{{ salutation }!\n", encoding="utf-8")
    message = problems_of(content_copy)
    assert "letter.ru.j2: line 1" in message


def test_a_tweet_over_280_is_refused(content_copy: Path) -> None:
    path = content_copy / "cases" / "ua-31-22" / "templates" / "tweet.ru.j2"
    path.write_text("{{ handles }} " + "Освободите Мамая! " * 20, encoding="utf-8")
    message = problems_of(content_copy)
    assert "tweet.ru.j2" in message and "X allows 280" in message


def test_a_message_over_4096_is_refused(content_copy: Path) -> None:
    edit_case(content_copy, lambda d: d["summary"].update(en="Long. " * 800))
    message = problems_of(content_copy)
    assert "4096" in message and "case.yaml" in message


def test_a_missing_interface_string_names_the_key(content_copy: Path) -> None:
    path = content_copy / "strings" / "ru.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["messages"]["thanks"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    message = problems_of(content_copy)
    assert "strings/ru.yaml" in message and "messages.thanks" in message


def test_broken_yaml_names_the_file(content_copy: Path) -> None:
    path = content_copy / "cases" / "ua-31-22" / "case.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    assert "case.yaml: line 1: not valid YAML" in problems_of(content_copy)


def add_second_case(content_dir: Path) -> None:
    """A second Urgent Action, added as files only."""
    source = content_dir / "cases" / "ua-31-22"
    target = content_dir / "cases" / "ua-99-23"
    shutil.copytree(source, target)
    data = yaml.safe_load((target / "case.yaml").read_text(encoding="utf-8"))
    data.update(
        id="ua-99-23",
        ua_number="99.23",
        deadline="2022-06-30",
        title={"en": "Testland: free the poet Ada Example", "ru": "Тестландия: свободу Аде"},
        country={"en": "Testland", "ru": "Тестландия"},
    )
    data["person"] = {"name": {"en": "Ada Example", "ru": "Ада Пример"}, "pronouns": {"en": "she"}}
    data["officials"] = [
        {
            "id": "minister",
            "name": {"en": "Jane Doe"},
            "title": {"en": "Minister of Justice"},
            "email": "minister@justice.example.org",
            "salutation": {"en": "Dear Minister"},
            "languages": ["en"],
        }
    ]
    (target / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    for path in (target / "templates").glob("*.ru.j2"):
        path.unlink()  # only an English letter: the bot must offer only English


async def test_a_second_case_needs_no_code_change(
    fake: FakeTelegram, tmp_path: Path, content_copy: Path, clock: MutableClock
) -> None:
    add_second_case(content_copy)
    content = load_content(content_copy)
    assert any("ua-99-23" in w and "ru" in w for w in content.warnings)
    bot = BotUnderTest(fake, tmp_path / "db.sqlite3", content, clock)
    await bot.start()
    try:
        olga = bot.user(6001, language_code="ru")
        [menu] = await olga.send("/start")
        assert "Открытые срочные акции: 2" in menu.text
        # The most urgent first: 31.22 ends on 12 May, 99.23 on 30 June.
        assert [t for t in menu.button_texts if "·" in t] == [
            "Жанболат Мамай · Казахстан · осталось 7 дней",
            "Ада Пример · Тестландия · осталось 56 дней",
        ]
        [card] = await olga.click("Ада Пример")
        assert "Срочная акция 99.23" in card.text
        [official] = await olga.click("Minister of Justice")  # falls back to English
        assert "Jane Doe" in official.text
        await olga.click("✉️ Email")
        _, email = await olga.click("Без подписи")
        assert "Dear Minister," in email.text
        assert not any("🌐" in t for t in email.button_texts)
        await olga.click("Я отправил(а) email")
        assert bot.query("SELECT case_id, official_id FROM actions") == [("ua-99-23", "minister")]
        [deep] = await olga.send("/start ua-31-22")
        assert "31.22" in deep.text
    finally:
        await bot.stop()


def test_an_impossible_date_names_the_file(content_copy: Path) -> None:
    path = content_copy / "cases" / "ua-31-22" / "case.yaml"
    text = path.read_text(encoding="utf-8").replace("2022-05-12", "2022-13-40")
    path.write_text(text, encoding="utf-8")
    message = problems_of(content_copy)
    assert "case.yaml: invalid value" in message and "month" in message


def test_html_telegram_would_refuse_stops_start_up(content_copy: Path) -> None:
    path = content_copy / "strings" / "en.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("help: |-\n", "help: |-\n    <i>\n"), "utf-8")
    assert "Telegram would refuse this message's HTML" in problems_of(content_copy)
