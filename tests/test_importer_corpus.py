"""Every corpus document imports with every stated fact right and no official invented.

The corpus (tests/data/ua/) holds Urgent Actions of every template family since 2009 —
Amnesty USA's current format, the International Secretariat's 2016–2019 PDFs, Amnesty USA's
e-mails of 2009–2012 and further-information updates, sections' model-letter sheets in
English, German, French, Spanish and Russian — as text, web pages, and real PDF and Word
files built from their text. Each has a facts file of what the document states.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.importer.writing import read_case
from tests.corpus import Document, compare, documents, facts_of, invented_officials

CORPUS = documents(Path(__file__).parent / ".corpus-build")


def test_the_corpus_covers_every_family_format_and_language() -> None:
    assert len(CORPUS) >= 20
    suffixes = {d.path.suffix for d in CORPUS}
    assert suffixes == {".txt", ".pdf", ".docx", ".html"}
    assert {d.facts["letter"]["language"] for d in CORPUS} >= {"en", "fr", "es", "de", "ru"}


@pytest.mark.parametrize("document", CORPUS, ids=lambda d: d.name)
def test_every_stated_fact_is_read_and_no_official_invented(document: Document) -> None:
    found = facts_of(read_case(document.path))
    assert invented_officials(document.facts, found) == 0
    assert compare(document.facts, found) == []
