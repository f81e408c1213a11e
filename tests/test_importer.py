"""The importer copies a UA document's facts into a case the bot can serve, and invents none.

Variants are derived from the real document's text, so each test changes one thing a real
document might do differently and checks that it is read, or reported, as it should be.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.checks.content import load_content
from bot.content.models import Channel, Content
from bot.importer.document import parse_document
from bot.importer.parsed import ParsedCase
from bot.importer.reading import DocumentError, read_document
from bot.importer.writing import import_document
from tests.harness import CONTENT

DOCUMENT = Path(__file__).parent / "data" / "UA-31.22-kazakhstan.txt"
TEXT = DOCUMENT.read_text(encoding="utf-8")
TODAY = date(2022, 4, 1)

AMBASSADOR_SALUTATION = "Salutation: Dear Ambassador\n"
PRESIDENT_TWITTER = "Twitter: @TokayevKZ\n"
PROSECUTOR = (
    "\nProsecutor General Berik Asylov\n"
    "Prosecutor General’s Office\n"
    "14 Mambetov Street\n"
    "Nur-Sultan 010000\n"
    "Twitter: @ProkuraturaKZ\n"
)


def replaced(old: str, new: str, text: str = TEXT) -> str:
    """The document with one passage changed; fails if the passage is not there."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def parse(text: str = TEXT) -> ParsedCase:
    return parse_document(text)


def warned(parsed: ParsedCase, fragment: str) -> list[str]:
    return [warning for warning in parsed.warnings if fragment in warning]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def content_dir_with_strings(tmp_path: Path) -> Path:
    """A content folder holding the real interface strings and no case yet."""
    target = tmp_path / "content"
    shutil.copytree(CONTENT / "strings", target / "strings")
    return target


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Content, list[str]]:
    """The real document imported into an empty content folder, then loaded as the bot does."""
    target = content_dir_with_strings(tmp_path_factory.mktemp("import"))
    result = import_document(DOCUMENT, target, today=TODAY)
    return load_content(target), result.warnings


# -- the real document ----------------------------------------------------------------------

#: What the document says, where the hand-made case writes it for use from abroad.
AS_DIALLED_AND_POSTED = {
    ("president", "address"): [
        "President of Kazakhstan Kassym-Jomart Tokayev",
        "Republic of Kazakhstan",
        "Nur-Sultan",
        "Mangilik Yel St, 6",
    ],
    ("president", "fax"): "+8 7172 74-56-31",
    ("ambassador", "address"): [
        "Ambassador Yerzhan Ashikbayev",
        "Embassy of the Republic of Kazakhstan",
        "1401 16th St NW, Washington DC 20036",
    ],
    ("ambassador", "phone"): "202 232 5488",
}


def test_import_reproduces_the_facts_of_the_hand_made_case(
    imported: tuple[Content, list[str]], content: Content
) -> None:
    ours = imported[0].cases["ua-31-22"].case
    theirs = content.cases["ua-31-22"].case
    assert ours.ua_number == theirs.ua_number == "31.22"
    assert ours.deadline == theirs.deadline == date(2022, 5, 12)
    assert ours.languages == theirs.languages == ["ru", "en"]
    assert ours.previous_ua is theirs.previous_ua is None
    assert ours.person.name["en"] == theirs.person.name["en"] == "Zhanbolat Mamay"
    assert ours.person.pronouns["en"] == theirs.person.pronouns["en"] == "he, him"
    assert [o.id for o in ours.officials] == [o.id for o in theirs.officials]
    for mine, hand_made in zip(ours.officials, theirs.officials, strict=True):
        for name in ("address", "email", "fax", "phone", "twitter", "facebook", "languages"):
            if (mine.id, name) in AS_DIALLED_AND_POSTED:
                # The hand-made case writes these as they are dialled and posted from abroad
                # (its comments say so); the importer copies the document, never invents.
                assert getattr(mine, name) == AS_DIALLED_AND_POSTED[(mine.id, name)]
                continue
            assert getattr(mine, name) == getattr(hand_made, name), (mine.id, name)
        assert mine.name["en"] == hand_made.name["en"]
        assert mine.salutation["en"] == hand_made.salutation["en"]
        assert mine.channels == hand_made.channels
    # The hand-made case opens its background with the document's full summary (its card
    # shows a two-sentence one); the rest is the document's additional information.
    assert [squash(p) for p in ours.background["en"]] == [
        squash(p) for p in theirs.background["en"][1:]
    ]
    titles = {o.id: o.title["en"] for o in ours.officials}
    assert titles["president"] == content.cases["ua-31-22"].case.officials[0].title["en"]
    # The document's heading is just "Ambassador Yerzhan Ashikbayev"; the hand-made case
    # says "Ambassador of Kazakhstan to the United States", which the document never states.
    assert titles["ambassador"] == "Ambassador"
    assert theirs.officials[1].title["en"].startswith("Ambassador")


def test_import_takes_title_summary_and_ask_from_the_document(
    imported: tuple[Content, list[str]],
) -> None:
    case = imported[0].cases["ua-31-22"].case
    assert case.title["en"] == "Kazakhstan: release opposition party leader: Zhanbolat Mamay"
    assert case.summary["en"].startswith("Zhanbolat Mamay, journalist and leader")
    assert case.summary["en"].endswith("believes this prosecution is politically motivated.")
    assert case.ask["en"] == (
        "Mamay should be immediately released from detention and the charges dropped."
    )
    assert case.source == "UA-31.22-kazakhstan.txt"
    assert case.status == "active"
    assert case.reminders_days_before == [7, 1]


def test_letter_is_the_documents_with_placeholders(
    imported: tuple[Content, list[str]], content: Content
) -> None:
    ours = imported[0].cases["ua-31-22"]
    letter = (ours.directory / "templates" / "letter.en.j2").read_text(encoding="utf-8")
    assert letter.startswith("{{ salutation }},\n\nI am writing to urge you")
    assert letter.endswith("freedom of assembly.\n\nSincerely,\n{{ signature }}\n")
    # The document's own wording, typos included; the hand-made letter corrected two.
    hand_made = (content.cases["ua-31-22"].directory / "templates" / "letter.en.j2").read_text(
        encoding="utf-8"
    )
    corrected = letter.replace("to be release ", "to be released ").replace(
        "put a stop his", "put a stop to his"
    )
    assert corrected == hand_made
    assert ours.letter_languages == ["en"]


def test_generated_templates_use_only_the_documents_words(
    imported: tuple[Content, list[str]],
) -> None:
    templates = imported[0].cases["ua-31-22"].directory / "templates"
    title = "Kazakhstan: release opposition party leader: Zhanbolat Mamay"
    assert (templates / "email_subject.en.j2").read_text() == f"{title}\n"
    assert (templates / "tweet.en.j2").read_text() == f"{{{{ handles }}}} {title}\n"
    assert (templates / "call.en.j2").read_text().splitlines() == [
        "Hello, I am calling about Zhanbolat Mamay.",
        f"{title}.",
        "Please pass my message on to the {{ official_title }}, {{ official_name }}. Thank you.",
    ]
    assert sorted(p.name for p in templates.iterdir()) == [
        "call.en.j2",
        "email_subject.en.j2",
        "letter.en.j2",
        "tweet.en.j2",
    ]


def test_real_document_warns_only_about_generated_templates_and_translation(
    imported: tuple[Content, list[str]],
) -> None:
    warnings = imported[1]
    assert len(warnings) == 2, warnings
    assert "no ru letter: translate templates/letter.en.j2" in warnings[0]
    assert "were generated from the document's title" in warnings[1]


def test_case_yaml_names_its_source_and_date(imported: tuple[Content, list[str]]) -> None:
    path = imported[0].cases["ua-31-22"].directory / "case.yaml"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == (
        "# Urgent Action 31.22, imported from UA-31.22-kazakhstan.txt on 2022-04-01 "
        "by bot/importer.py."
    )


def test_overwrite_false_refuses_an_existing_case(tmp_path: Path) -> None:
    target = content_dir_with_strings(tmp_path)
    result = import_document(DOCUMENT, target, today=TODAY)
    marker = result.directory / "templates" / "letter.ru.j2"
    marker.write_text("organizer's translation", encoding="utf-8")
    with pytest.raises(DocumentError, match="already exists"):
        import_document(DOCUMENT, target)
    assert marker.exists()
    again = import_document(DOCUMENT, target, overwrite=True, today=TODAY)
    assert again.directory == result.directory
    assert not marker.exists()
    # No staging folder is left behind for the loader or the organizer to trip over.
    assert sorted(p.name for p in target.iterdir()) == ["cases", "strings"]


def test_case_id_can_be_chosen_and_must_be_a_slug(tmp_path: Path) -> None:
    target = content_dir_with_strings(tmp_path)
    result = import_document(DOCUMENT, target, case_id="mamay", today=TODAY)
    assert result.directory == target / "cases" / "mamay"
    assert "id: mamay" in (result.directory / "case.yaml").read_text(encoding="utf-8")
    with pytest.raises(DocumentError, match="lowercase letters"):
        import_document(DOCUMENT, target, case_id="UA 31.22")


# -- reading files --------------------------------------------------------------------------


def test_read_document_tolerates_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "ua.txt"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.replace("\n", "\r\n").encode("utf-8"))
    assert read_document(path) == TEXT


def test_read_document_refuses_other_formats(tmp_path: Path) -> None:
    path = tmp_path / "ua.rtf"
    path.write_bytes(b"{\\rtf1}")
    with pytest.raises(DocumentError, match=r"only \.txt, \.docx, \.pdf and \.html"):
        read_document(path)
    broken = tmp_path / "ua.pdf"
    broken.write_bytes(b"%PDF")
    with pytest.raises(DocumentError, match="not a readable PDF"):
        read_document(broken)
    latin = tmp_path / "ua.txt"
    latin.write_bytes("Caf\xe9".encode("latin-1"))
    with pytest.raises(DocumentError, match="not UTF-8"):
        read_document(latin)


def test_read_docx_gives_the_same_case(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document()
    for line in TEXT.split("\n"):
        document.add_paragraph(line)
    path = tmp_path / "ua.docx"
    document.save(str(path))
    assert parse_document(read_document(path)) == parse()


# -- variants of the document ---------------------------------------------------------------


def test_windows_line_endings_parse_the_same() -> None:
    assert parse(TEXT.replace("\n", "\r\n")) == parse()


def test_official_without_email_has_no_email_channel(tmp_path: Path) -> None:
    text = replaced("Email: udp@udp-rk.kz\n", "")
    parsed = parse(text)
    president = parsed.officials[0]
    assert president.email is None
    assert president.fax == "+8 7172 74-56-31"
    assert warned(parsed, "officials.president: no email address")
    assert not warned(parsed, "officials.ambassador")
    path = tmp_path / "ua.txt"
    path.write_text(text, encoding="utf-8")
    target = content_dir_with_strings(tmp_path)
    import_document(path, target, today=TODAY)
    served = load_content(target).cases["ua-31-22"].case
    assert served.officials[0].channels == [Channel.TWEET, Channel.POST, Channel.FAX]


def test_third_official_with_only_an_address_and_twitter() -> None:
    parsed = parse(replaced(AMBASSADOR_SALUTATION, AMBASSADOR_SALUTATION + PROSECUTOR))
    assert [o.id for o in parsed.officials] == ["president", "ambassador", "prosecutor"]
    prosecutor = parsed.officials[2]
    assert (prosecutor.title, prosecutor.name) == ("Prosecutor General", "Berik Asylov")
    assert prosecutor.address == [
        "Prosecutor General Berik Asylov",
        "Prosecutor General’s Office",
        "14 Mambetov Street",
        "Nur-Sultan 010000",
    ]
    assert prosecutor.twitter == ["ProkuraturaKZ"]
    assert (prosecutor.email, prosecutor.fax, prosecutor.phone) == (None, None, None)
    assert prosecutor.facebook is None
    # "Dear Mr President" is not addressed to the Prosecutor General: nothing is invented.
    assert prosecutor.salutation == ""
    assert warned(parsed, "officials.prosecutor: no 'Salutation:' line")
    assert warned(parsed, "officials.prosecutor: no email address")
    assert parsed.officials[1].salutation == "Dear Ambassador"


def test_missing_deadline_is_left_empty_with_a_warning() -> None:
    line = "PLEASE TAKE ACTION AS SOON AS POSSIBLE UNTIL: May 12, 2022 \n"
    parsed = parse(replaced(line, ""))
    assert parsed.deadline is None
    assert warned(parsed, "no deadline line")


@pytest.mark.parametrize("written", ["12 May 2022", "2022-05-12", "May 12th 2022", "12 May, 2022"])
def test_deadline_formats(written: str) -> None:
    parsed = parse(replaced("UNTIL: May 12, 2022", f"UNTIL: {written}"))
    assert parsed.deadline == date(2022, 5, 12)


def test_unreadable_deadline_is_reported() -> None:
    parsed = parse(replaced("UNTIL: May 12, 2022", "UNTIL: mid-May"))
    assert parsed.deadline is None
    assert warned(parsed, "deadline: cannot read the date 'mid-May'")


def test_second_twitter_handle_for_the_president() -> None:
    parsed = parse(replaced(PRESIDENT_TWITTER, "Twitter: @TokayevKZ ; @AkordaPress\n"))
    assert parsed.officials[0].twitter == ["TokayevKZ", "AkordaPress"]
    assert parsed.officials[1].twitter == ["KazakhEmbassy", "KZAmbUS"]
    assert parsed.warnings == []


def test_official_without_salutation_not_addressed_by_the_letter() -> None:
    parsed = parse(replaced(AMBASSADOR_SALUTATION, ""))
    assert parsed.officials[0].salutation == "Dear Mr President"
    assert parsed.officials[1].salutation == ""
    [warning] = parsed.warnings
    assert "officials.ambassador: no 'Salutation:' line" in warning
    assert "fill in salutation.en" in warning


def test_unsalvageable_pieces_become_empty_fields_that_fail_the_content_check(
    tmp_path: Path,
) -> None:
    text = replaced("NAME AND PRONOUN: Zhanbolat Mamay (he, him)\n", "")
    text = replaced(AMBASSADOR_SALUTATION, "", text)
    path = tmp_path / "UA-31.22.txt"
    path.write_text(text, encoding="utf-8")
    target = content_dir_with_strings(tmp_path)
    result = import_document(path, target, today=TODAY)
    assert any("no 'NAME AND PRONOUN' line" in w for w in result.warnings)
    assert any("call.en.j2 was not written" in w for w in result.warnings)
    content = load_content(target)  # the case is left out, its problems named
    assert "ua-31-22" not in content.cases
    problems = "\n".join(content.problems)
    assert "field 'person.name'" in problems
    assert "field 'officials.1.salutation'" in problems
    assert not (result.directory / "templates" / "call.en.j2").exists()


def test_conversion_artefacts_and_odd_spacing_are_tolerated() -> None:
    messy = replaced(
        "Ambassador Yerzhan Ashikbayev\n",
        "[bookmark: _Hlk1]Ambassador Yerzhan\u00a0Ashikbayev  \n",
    )
    messy = replaced("Phone: 202 232 5488", "Tel : 202 232 5488", messy)
    messy = replaced("Email: washington", "E-mail: washington", messy)
    parsed = parse(messy.replace("\n", "\u00a0\n"))
    assert parsed == parse()


def test_officials_heading_without_numbered_list() -> None:
    text = replaced("1. [bookmark: _Hlk77689456]Write", "Write")
    text = replaced("2. Click here", "Click here", text)
    assert parse(text).officials == parse().officials


def test_facebook_url_and_instagram() -> None:
    text = replaced(
        "Facebook: @KazakhEmbassyDC\n",
        "Facebook: https://www.facebook.com/KazakhEmbassyDC/\nInstagram: @kazembassy\n",
    )
    parsed = parse(text)
    assert parsed.officials[1].facebook == "KazakhEmbassyDC"
    assert parsed.officials[1].salutation == "Dear Ambassador"
    assert warned(parsed, "officials.ambassador: Instagram is not a channel")


def test_any_preferred_language_is_written_and_unknown_names_reported(tmp_path: Path) -> None:
    text = replaced(": Russian, English", ": French, English and Klingon")
    parsed = parse(text)
    assert parsed.languages == ["fr", "en"]
    assert warned(parsed, "unknown language 'Klingon'")
    path = tmp_path / "ua.txt"
    path.write_text(text, encoding="utf-8")
    result = import_document(path, content_dir_with_strings(tmp_path), today=TODAY)
    # Any language is a letter language now: French is written, its letter is still to make.
    case = yaml.safe_load((result.directory / "case.yaml").read_text(encoding="utf-8"))
    assert case["languages"] == ["fr", "en"]
    assert any("no fr letter: translate templates/letter.en.j2" in w for w in result.warnings)
    assert not any("no ru letter" in w for w in result.warnings)


def test_previous_ua_link_is_kept() -> None:
    link = "https://www.amnesty.org/en/documents/eur57/0001/2022/en/"
    parsed = parse(replaced("PREVIOUS UA: n/a", f"PREVIOUS UA: {link}"))
    assert parsed.previous_ua == link


def test_missing_ask_and_letter_are_reported() -> None:
    text = replaced(
        " and Mamay should be immediately released from detention and the charges dropped.", "."
    )
    start, end = text.index("Dear Mr President,"), text.index("Additional information")
    parsed = parse(text[:start] + text[end:])
    assert parsed.ask is None
    assert warned(parsed, "no ask found in the summary")
    assert parsed.letter == [] and parsed.letter_salutation is None
    assert warned(parsed, "no letter found")
    assert [o.salutation for o in parsed.officials] == ["", "Dear Ambassador"]


def test_name_title_split_for_other_headings() -> None:
    for heading, title, name in [
        (
            "Minister of Foreign Affairs Mukhtar Tileuberdi",
            "Minister of Foreign Affairs",
            "Mukhtar Tileuberdi",
        ),
        (
            "President of the Republic of Kazakhstan Kassym-Jomart Tokayev",
            "President of the Republic of Kazakhstan",
            "Kassym-Jomart Tokayev",
        ),
        (
            "Kassym-Jomart Tokayev, President of Kazakhstan",
            "President of Kazakhstan",
            "Kassym-Jomart Tokayev",
        ),
    ]:
        official = parse(replaced("President of Kazakhstan Kassym-Jomart Tokayev", heading))
        assert (official.officials[0].title, official.officials[0].name) == (title, name)


def test_read_docx_with_officials_in_a_table(tmp_path: Path) -> None:
    docx = pytest.importorskip("docx")
    before, rest = TEXT.split(" President of Kazakhstan", 1)
    officials, after = rest.split("\n\n\nDear Mr President,", 1)
    president, ambassador = ("President of Kazakhstan" + officials).split("\n\n")
    document = docx.Document()
    for line in before.rstrip("\n").split("\n"):
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = president.strip()
    table.cell(0, 1).text = ambassador.strip()
    for line in ("Dear Mr President," + after).split("\n"):
        document.add_paragraph(line)
    path = tmp_path / "ua.docx"
    document.save(str(path))
    assert parse_document(read_document(path)) == parse()


def test_unusual_lines_are_reported_not_guessed() -> None:
    text = replaced("Zhanbolat Mamay (he, him)", "Zhanbolat Mamay (he, him) and others (they)")
    text = replaced(
        "Phone: 202 232 5488\n", "Phone: 202 232 5488\nWebsite: kazakhembassy.us\n", text
    )
    text = replaced("Ambassador Yerzhan Ashikbayev\n", "Mr Yerzhan Ashikbayev\n", text)
    parsed = parse(text)
    assert parsed.person_name is None and parsed.pronouns is None
    assert warned(parsed, "person: cannot tell name and pronouns apart")
    ambassador = parsed.officials[1]
    assert (ambassador.title, ambassador.name) == ("", "Yerzhan Ashikbayev")
    assert ambassador.id == "official"
    assert warned(parsed, "officials.official: no title found in 'Mr Yerzhan Ashikbayev'")
    assert warned(parsed, "unrecognised line 'Website: kazakhembassy.us'")
    assert ambassador.phone == "202 232 5488"
