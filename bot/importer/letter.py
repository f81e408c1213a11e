"""Model letters: from any opening to any closing, in the languages Urgent Actions use.

A letter is an opening ("Dear Minister,", "Your Excellency,", "Monsieur le Ministre,",
"Excelentísimo Señor Presidente:", "Sehr geehrter Herr Präsident,", "Уважаемый господин …!")
followed by prose, up to a closing ("Yours sincerely,", "Veuillez agréer …", "Atentamente,",
"Mit freundlichen Grüßen", "С уважением,"), wherever it stands in the document. The mailing's
own "Dear friends," and "In solidarity," are not letters.
"""

from __future__ import annotations

from bot.importer.languages import detect_language
from bot.importer.lexicon import MAILING_CLOSING, PLACEHOLDERS
from bot.importer.officials import contact_key, is_closing, is_salutation, split_salutation
from bot.importer.parsed import ParsedLetter
from bot.importer.text import is_prose


def find_letters(lines: list[str], stops: set[int]) -> list[tuple[int, int, ParsedLetter]]:
    """Every letter as (first line, line after it, letter); `stops` are section headings."""
    found: list[tuple[int, int, ParsedLetter]] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = is_salutation(line) if contact_key(line) is None else None
        if opening is None or not _prose_follows(lines, index):
            index += 1
            continue
        end, closing = len(lines), None
        for at in range(index + 1, len(lines)):
            if at in stops or MAILING_CLOSING.match(lines[at]):
                end = at
                break
            if is_closing(lines[at]):
                end, closing = at, lines[at]
                break
        paragraphs = [
            text for text in lines[index + 1 : end] if text and not PLACEHOLDERS.match(text)
        ]
        language = detect_language(" ".join(paragraphs)) or opening
        salutation = line.rstrip(",!:;. ")
        parts = split_salutation(salutation)
        mark = line[-1] if line[-1] in ",:!" else ","
        letter = ParsedLetter(
            salutation=parts.get(language, salutation),
            paragraphs=paragraphs,
            closing=closing,
            language=language,
            mark=mark,
        )
        found.append((index, end + 1 if closing else end, letter))
        index = end + 1
    return found


def _prose_follows(lines: list[str], index: int) -> bool:
    """Whether a letter's body follows an opening line (not an address block's salutation)."""
    for line in lines[index + 1 : index + 4]:
        if not line or PLACEHOLDERS.match(line):
            continue
        return is_prose(line) or len(line.split()) >= 6
    return False


def generated_letter(points: list[str], person: str | None) -> ParsedLetter:
    """A letter from the recommended actions' own words, for an organizer to review."""
    about = f"I am writing to you about {person}." if person else "I am writing to you."
    return ParsedLetter(
        salutation="",
        paragraphs=[about, *points],
        closing="Yours sincerely,",
        language="en",
        mark=",",
        generated=True,
    )
