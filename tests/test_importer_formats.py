"""Files as organizers get them: a 2017 PDF, an update of a case, huge files, zip bombs."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.importer.reading import DocumentError, read_document
from bot.importer.updates import apply_update, plan_update
from bot.importer.writing import import_document, read_case
from tests.corpus import CORPUS, build_docx, build_pdf
from tests.harness import CONTENT

IS_2017 = CORPUS / "is-2017-ua-60-16-mexico.pdf.txt"
IS_2016 = CORPUS / "is-2016-ua-60-16-mexico.pdf.txt"


def content_dir(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT / "strings", target / "strings")
    return target


def test_a_2017_pdf_gives_its_official_both_emails_spanish_deadline_letter_and_background(
    tmp_path: Path,
) -> None:
    pdf = build_pdf(IS_2017.read_text(encoding="utf-8"), tmp_path / "ua.pdf", "AI Index: AMR")
    parsed = read_case(pdf)
    [official] = parsed.officials
    assert (official.title, official.name) == (
        "Secretary of National Defence",
        "Salvador Cienfuegos Zepeda",
    )
    assert official.emails == ["oficialia.mayor@sedena.gob.mx", "atencionciudadana@sedena.gob.mx"]
    assert official.salutations == {"en": "Dear Minister", "es": "Estimado Señor Secretario"}
    assert parsed.languages == ["es"]
    assert parsed.deadline == date(2017, 8, 16)
    assert len(parsed.letter) == 5 and parsed.letter[0].startswith("I am writing to express")
    assert parsed.letter[-1].endswith("proceedings against them.")
    assert len(parsed.background) == 3
    assert (parsed.ua_number, parsed.update_of) == ("60/16", "ua-60-16")
    # Page numbers and the running header never reach the text.
    assert "Page 1" not in " ".join([*parsed.letter, *parsed.background])


def test_the_pdfs_case_folder_keeps_both_emails_and_writes_the_english_letter(
    tmp_path: Path,
) -> None:
    pdf = build_pdf(IS_2017.read_text(encoding="utf-8"), tmp_path / "ua.pdf")
    result = import_document(pdf, content_dir(tmp_path), today=date(2017, 7, 6))
    case = yaml.safe_load((result.directory / "case.yaml").read_text(encoding="utf-8"))
    official = case["officials"][0]
    assert official["email"] == "oficialia.mayor@sedena.gob.mx"
    assert official["more_emails"] == ["atencionciudadana@sedena.gob.mx"]
    letter = (result.directory / "templates" / "letter.en.j2").read_text(encoding="utf-8")
    assert letter.startswith("{{ salutation }},\n\nI am writing to express my concern")
    assert letter.endswith("Yours sincerely,\n{{ signature }}\n")
    assert result.update_of == "ua-60-16"


def test_letters_are_written_in_the_language_they_are_in(tmp_path: Path) -> None:
    result = import_document(
        CORPUS / "es-2020-au-33-20-honduras.html", content_dir(tmp_path), today=date(2020, 5, 1)
    )
    templates = sorted(p.name for p in (result.directory / "templates").iterdir())
    assert "letter.es.j2" in templates and "letter.en.j2" not in templates
    letter = (result.directory / "templates" / "letter.es.j2").read_text(encoding="utf-8")
    assert letter.startswith("{{ salutation }}:\n\nMe dirijo a usted")
    assert letter.endswith("Atentamente,\n{{ signature }}\n")


def test_further_information_shows_then_applies_what_it_changes(tmp_path: Path) -> None:
    content = content_dir(tmp_path)
    first = build_pdf(IS_2016.read_text(encoding="utf-8"), tmp_path / "ua-60-16.pdf")
    third = build_pdf(IS_2017.read_text(encoding="utf-8"), tmp_path / "ua-60-16-third.pdf")
    case_dir = import_document(first, content, today=date(2016, 3, 24)).directory
    translation = case_dir / "templates" / "letter.ru.j2"
    translation.write_text("{{ salutation }}! …", encoding="utf-8")
    parsed = read_case(third)

    planned = [str(change) for change in plan_update(case_dir, parsed)]
    assert "deadline: 2016-05-04 → 2017-08-16" in planned
    assert any(c.startswith("officials.secretary.more_emails") for c in planned)
    assert yaml.safe_load((case_dir / "case.yaml").read_text())["deadline"] == date(2016, 5, 4)

    apply_update(case_dir, parsed, source=third.name, today=date(2017, 7, 6))
    case = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    assert case["deadline"] == date(2017, 8, 16)
    assert case["officials"][0]["more_emails"] == ["atencionciudadana@sedena.gob.mx"]
    assert case["updates"][0]["id"] == "fi-2017-07-05"
    assert case["updates"][0]["text"]["en"].startswith("Brothers Ramiro and Rodrigo")
    assert translation.read_text(encoding="utf-8") == "{{ salutation }}! …"
    assert "prompt, independent" in (case_dir / "templates" / "letter.en.j2").read_text()


def test_import_command_names_the_case_a_further_information_updates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content = content_dir(tmp_path)
    first = build_pdf(IS_2016.read_text(encoding="utf-8"), tmp_path / "first.pdf")
    third = build_pdf(IS_2017.read_text(encoding="utf-8"), tmp_path / "third.pdf")
    assert main(["import", str(first), "--content", str(content)]) == 0
    capsys.readouterr()
    assert main(["import", str(third), "--content", str(content)]) == 0
    shown = capsys.readouterr().out
    assert "third.pdf is further information on UA 60/16: it updates case ua-60-16" in shown
    assert "deadline: 2016-05-04 → 2017-08-16" in shown
    assert "run the import again with --update" in shown
    assert main(["import", str(third), "--content", str(content), "--update"]) == 0
    assert "Updated" in capsys.readouterr().out
    case = yaml.safe_load((content / "cases" / "ua-60-16" / "case.yaml").read_text())
    assert case["deadline"] == date(2017, 8, 16)


def test_a_file_over_five_megabytes_is_refused_before_it_is_opened(tmp_path: Path) -> None:
    big = tmp_path / "ua.pdf"
    with big.open("wb") as file:
        file.truncate(5 * 1024 * 1024 + 1)
    with pytest.raises(DocumentError, match=r"5\.0 MB is too large.*refused without opening"):
        read_document(big)


def test_a_zip_bomb_posing_as_word_is_refused_in_one_line(tmp_path: Path) -> None:
    bomb = tmp_path / "ua.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (60 * 1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(DocumentError) as raised:
        read_document(bomb)
    assert "zip bomb" in str(raised.value) and "\n" not in str(raised.value)


def test_a_word_file_with_officials_in_a_table_reads_like_its_text(tmp_path: Path) -> None:
    source = (CORPUS / "aiusa-2023-ua-45-23-belarus.docx.txt").read_text(encoding="utf-8")
    parsed = read_case(build_docx(source, tmp_path / "ua.docx"))
    assert [o.id for o in parsed.officials] == ["prosecutor", "charge"]
    assert parsed.languages == ["be", "ru", "en"]
