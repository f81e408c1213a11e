"""The files behind organizers' cases: atomic writes, crash recovery, overrides, values."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import load_served_content
from bot.authoring.values import ValueProblem, handles, parse_value
from bot.authoring.workspace import Workspace, read_folder
from bot.checks.content import load_content
from bot.content.models import Content
from bot.content.render import compiled_texts
from bot.importer.writing import recover_cases, write_case
from bot.screens.desk import DeskViews, Question
from bot.screens.views import Views
from bot.settings import Settings
from tests.harness import CONTENT, SECRET_KEY, TOKEN

HAND_MADE = CONTENT / "cases" / "ua-31-22"
TODAY = date(2022, 4, 1)


def content_with_strings(root: Path) -> Path:
    content = root / "content"
    (content / "cases").mkdir(parents=True)
    shutil.copytree(CONTENT / "strings", content / "strings")
    return content


def test_a_case_in_the_writable_directory_overrides_the_baked_in_one(tmp_path: Path) -> None:
    content = content_with_strings(tmp_path)
    shutil.copytree(HAND_MADE, content / "cases" / "ua-31-22")
    cases = tmp_path / "cases"
    workspace = Workspace(content, cases)
    files = workspace.read("ua-31-22")
    assert workspace.folder("ua-31-22") == content / "cases" / "ua-31-22"
    workspace.write(files.with_data(deadline=date(2022, 6, 1)))
    assert workspace.folder("ua-31-22") == cases / "ua-31-22"
    served = load_content(content, cases)
    assert served.cases["ua-31-22"].case.deadline == date(2022, 6, 1)
    assert served.cases["ua-31-22"].directory == cases / "ua-31-22"
    assert load_content(content).cases["ua-31-22"].case.deadline == date(2022, 5, 12)
    # The copy has every template of the original, and the header comments.
    assert sorted(read_folder(cases / "ua-31-22").templates) == sorted(files.templates)
    assert (cases / "ua-31-22" / "case.yaml").read_text("utf-8").startswith("# Urgent Action")


def test_a_replacement_interrupted_between_its_renames_is_finished_or_undone(
    tmp_path: Path,
) -> None:
    cases = tmp_path / "cases"
    write_case(cases, "ua-1-22", "id: ua-1-22\nstatus: draft\n", {"letter.en.j2": "v1"})
    # A crash after the old version stepped aside and before the new one came in.
    (cases / "ua-1-22").rename(cases / ".ua-1-22.old")
    (cases / ".import-ua-1-22-x").mkdir()  # and a half-written staging folder
    assert load_content(content_with_strings(tmp_path), cases).cases == {}  # hidden: unread
    recover_cases(cases)
    assert sorted(p.name for p in cases.iterdir()) == ["ua-1-22"]
    assert (cases / "ua-1-22" / "templates" / "letter.en.j2").read_text() == "v1"
    # A crash after the new version came in, before the old one was removed.
    shutil.copytree(cases / "ua-1-22", cases / ".ua-1-22.old")
    write_case(cases, "ua-1-22", "id: ua-1-22\nstatus: draft\n", {"letter.en.j2": "v2"})
    assert sorted(p.name for p in cases.iterdir()) == ["ua-1-22"]
    assert (cases / "ua-1-22" / "templates" / "letter.en.j2").read_text() == "v2"


def test_the_bot_starts_with_the_cases_made_in_telegram_after_an_interrupted_write(
    tmp_path: Path,
) -> None:
    content = content_with_strings(tmp_path)
    settings = Settings(
        token=SecretStr(TOKEN),
        secret_key=SecretStr(SECRET_KEY),
        database=tmp_path / "data" / "bot.sqlite3",
        content_dir=content,
    )
    assert settings.cases_path == tmp_path / "data" / "cases"
    shutil.copytree(HAND_MADE, settings.cases_path / ".ua-31-22.old")  # the crash's leftover
    served = load_served_content(settings)
    assert list(served.cases) == ["ua-31-22"]
    assert served.cases["ua-31-22"].directory == settings.cases_path / "ua-31-22"


def test_values_are_checked_by_kind() -> None:
    assert parse_value("email", "a@b.kz, c@d.kz", TODAY) == ["a@b.kz", "c@d.kz"]
    assert parse_value("date", "20 декабря 2022", TODAY) == date(2022, 12, 20)
    assert parse_value("date", "2022-06-30", TODAY) == date(2022, 6, 30)
    assert parse_value("number", "UA 60/16", TODAY) == "60/16"
    assert parse_value("languages", "Russian, English", TODAY) == ["ru", "en"]
    assert parse_value("languages", "испанский", TODAY) == ["es"]
    assert parse_value("salutation", "Уважаемый господин Посол!", TODAY) == (
        "Уважаемый господин Посол"
    )
    assert handles("@TokayevKZ, KZAmbUS") == ["TokayevKZ", "KZAmbUS"]
    refusals = [
        ("email", "not-an-address", "author_bad_email"),
        ("date", "soon", "author_bad_date"),
        ("date", "2022-01-01", "author_bad_past"),
        ("number", "thirty-one", "author_bad_number"),
        ("languages", "Klingonish", "author_bad_language"),
        ("salutation", "Dear {{ x }}", "author_bad_braces"),
        ("line", "x" * 201, "author_bad_long"),
        ("email_subject", "two\nlines", "author_bad_one_line"),
        ("letter", "No opening here, just a long paragraph of text. " * 3, "author_bad_opening"),
        ("letter", "{{ salutation }}, {{ secret.__class__ }}", "author_bad_placeholder"),
        ("tweet", "{% if %}", "author_bad_template"),
        ("line", "\u202e\u200b", "author_bad_empty"),
    ]
    for kind, raw, key in refusals:
        with pytest.raises(ValueProblem) as problem:
            parse_value(kind, raw, TODAY)
        assert problem.value.key == key, (kind, raw)


def test_a_typed_letter_becomes_a_template_with_each_officials_salutation() -> None:
    typed = (
        "Monsieur le Ministre,\n\nJe vous écris au sujet de {X}.\nMerci.\n\n"
        "Veuillez agréer, Monsieur le Ministre, mes salutations.\nJean"
    )
    # The opening becomes each official's salutation, the lines of a paragraph are joined,
    # a brace is text, and the organizer's own name after the closing gives way to the
    # supporter's signature.
    assert parse_value("letter", typed, TODAY) == (
        "{{ salutation }},\n\nJe vous écris au sujet de {{ '{' }}X}. Merci.\n\n"
        "Veuillez agréer, Monsieur le Ministre, mes salutations.\n{{ signature }}\n"
    )
    tweet = parse_value("tweet", "Free him now!", TODAY)
    assert tweet == "{{ handles }} Free him now!\n"


def test_every_kind_of_question_says_what_to_send_in_both_languages(content: Content) -> None:
    texts = compiled_texts(content.strings)
    views = DeskViews(Views(content, texts, "ua_bot"))
    for kind in ("line", "text", "paragraphs", "number", "date", "email", "languages"):
        for extra in ("salutation", "letter", "email_subject", "tweet", "call", "handles"):
            for lang in ("en", "ru"):
                question = Question("ua-31-22", "d.president.twitter", "twitter", extra)
                hint = views.question(lang, question, []).text.split("\n")[1]
                assert hint.startswith(("Send", "Пришлите", "Перечислите")), (extra, lang, hint)
                question = Question("ua-31-22", "title.en", "title", kind)
                hint = views.question(lang, question, []).text.split("\n")[1]
                assert hint.startswith(("Send", "Пришлите", "Перечислите")), (kind, lang, hint)
    question = Question("ua-31-22", "d.president.twitter", "twitter", "handles")
    assert "@TokayevKZ" in views.question("ru", question, []).text
