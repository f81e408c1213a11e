"""The corpus of Urgent Action documents under tests/data/ua/, built into the files organizers get.

Text and web pages are stored as they are. Documents published as PDF or Word are stored as
their text (`name.pdf.txt`, `name.docx.txt`) and built into a real .pdf (fpdf2: wrapped
lines, a running header, "Page N of M" footers) or .docx (python-docx: one paragraph per
line, `[table]`/`[cell]`/`[/table]` for officials in a table), so the importer reads them
through the same libraries as an organizer's files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).parent / "data" / "ua"


@dataclass(frozen=True)
class Document:
    """One corpus document: its name, the file to import, and the facts it states."""

    name: str
    path: Path
    facts: dict[str, Any]


def _font() -> Path:
    import matplotlib

    # A Unicode TrueType font that every install of the bot has (matplotlib ships it).
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def build_pdf(text: str, target: Path, index: str = "") -> Path:
    """A PDF as the International Secretariat published them: wrapped, paged, headed."""
    from fpdf import FPDF

    class Sheet(FPDF):
        def header(self) -> None:
            self.set_font("dejavu", size=8)
            self.cell(0, 5, f"Amnesty International   {index}".strip())
            self.ln(8)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("dejavu", size=8)
            self.cell(0, 10, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Sheet(format="A4")
    pdf.set_creation_date(datetime(2017, 7, 5, tzinfo=UTC))
    pdf.add_font("dejavu", fname=str(_font()))
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("dejavu", size=10)
    for line in text.split("\n"):
        if line:
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
            if len(line) > 100:
                pdf.ln(3)  # space after a paragraph, as the published PDFs have
        else:
            pdf.ln(4)
    pdf.output(str(target))
    return target


def build_docx(text: str, target: Path) -> Path:
    """A Word document: one paragraph per line, tables where the text marks them."""
    import docx

    document = docx.Document()
    cells: list[list[str]] | None = None
    for line in text.split("\n"):
        if line == "[table]":
            cells = [[]]
        elif line == "[cell]" and cells is not None:
            cells.append([])
        elif line == "[/table]" and cells is not None:
            table = document.add_table(rows=1, cols=len(cells))
            for column, cell in enumerate(cells):
                table.cell(0, column).text = "\n".join(cell)
            cells = None
        elif cells is not None:
            cells[-1].append(line)
        else:
            document.add_paragraph(line)
    document.save(str(target))
    return target


def documents(build_dir: Path) -> list[Document]:
    """Every corpus document with its facts, PDFs and Word files built into `build_dir`."""
    build_dir.mkdir(parents=True, exist_ok=True)
    found = []
    for facts_path in sorted(CORPUS.glob("*.facts.yaml")):
        name = facts_path.name.removesuffix(".facts.yaml")
        facts = yaml.safe_load(facts_path.read_text(encoding="utf-8"))
        source = CORPUS / facts["source"]
        if source.name.endswith(".pdf.txt"):
            text = source.read_text(encoding="utf-8")
            path = build_pdf(text, build_dir / f"{name}.pdf", str(facts.get("index") or ""))
        elif source.name.endswith(".docx.txt"):
            path = build_docx(source.read_text(encoding="utf-8"), build_dir / f"{name}.docx")
        else:
            path = source
        found.append(Document(name=name, path=path, facts=facts))
    return found


def facts_of(parsed: Any) -> dict[str, Any]:
    """The importer's reading of a document in the shape of a facts file."""
    letter = parsed.letters[0] if parsed.letters else None
    return {
        "ua_number": parsed.ua_number,
        "case_id": parsed.case_id,
        "update_of": parsed.update_of,
        "title": parsed.title,
        "summary": parsed.summary,
        "ask": parsed.ask,
        "person": parsed.person_name,
        "pronouns": parsed.pronouns,
        "deadline": parsed.deadline,
        "languages": parsed.languages,
        "previous_ua": parsed.previous_ua,
        "letter": {
            "language": parsed.letter_language,
            "paragraphs": len(parsed.letter),
            "salutation": parsed.letter_salutation,
            "closing": parsed.letter_closing,
            "generated": bool(letter and letter.generated),
        },
        "background": {
            "paragraphs": len(parsed.background),
            "starts": parsed.background[0][:60] if parsed.background else None,
        },
        "text_language": parsed.text_language,
        "officials": [
            {
                key: value
                for key, value in {
                    "id": o.id,
                    "title": o.title,
                    "name": o.name,
                    "address": o.address,
                    "emails": o.emails,
                    "fax": o.fax,
                    "phone": o.phone,
                    "twitter": o.twitter,
                    "facebook": o.facebook,
                    "web_form": o.web_form,
                    "salutations": o.salutations,
                }.items()
                if value not in (None, [], {})
            }
            for o in parsed.officials
        ],
        "copies": [
            {
                key: value
                for key, value in {
                    "name": c.name,
                    "address": c.address,
                    "email": c.email,
                    "fax": c.fax,
                }.items()
                if value
            }
            for c in parsed.copies
        ],
        "missing": parsed.missing,
    }


def compare(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """Field-by-field differences ('officials.1.emails: expected … found …'); [] if all right."""
    wrong = []
    for field, value in expected.items():
        if field in ("source", "index"):
            continue
        if field == "officials":
            for number, official in enumerate(value):
                theirs = found["officials"][number] if number < len(found["officials"]) else {}
                for key in {*official, *theirs}:
                    if official.get(key) != theirs.get(key):
                        wrong.append(
                            f"officials.{number}.{key}: expected {official.get(key)!r}, "
                            f"found {theirs.get(key)!r}"
                        )
        elif found.get(field) != value:
            wrong.append(f"{field}: expected {value!r}, found {found.get(field)!r}")
    return wrong


def invented_officials(expected: dict[str, Any], found: dict[str, Any]) -> int:
    """Officials the importer found that the document does not name."""
    names = {(o.get("title"), o.get("name")) for o in expected["officials"]}
    return sum((o.get("title"), o.get("name")) not in names for o in found["officials"])
