"""Turn an Amnesty Urgent Action document into the facts a case needs, by its structure.

Organizers receive Urgent Actions as PDFs, Word files, web pages and e-mails, in templates
that changed over the years. Sections are found by the headings of every template family
wherever they stand, officials by what an official's block looks like, the letter from any
opening to any closing. The importer never invents: whatever it cannot find is left empty,
named once in `missing`, and explained in one warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.importer.languages import detect_language, find_date, language_code, language_name
from bot.importer.letter import find_letters, generated_letter
from bot.importer.lexicon import (
    CHROME,
    DEADLINE_CUE,
    FOOTERS,
    HEADINGS,
    LANGUAGE_SENTENCE,
    LANGUAGE_SENTENCE_DE,
    MAILING_CLOSING,
    PLACEHOLDERS,
)
from bot.importer.numbers import find_number
from bot.importer.officials import (
    apply_salutations,
    blocks,
    contact_key,
    is_official,
    parse_copy,
    parse_official,
)
from bot.importer.parsed import ParsedCase
from bot.importer.text import clean_lines, is_prose, words

_WORD = re.compile(r"[^\W\d_][\w'’-]*")


_HEADER = re.compile(r"^(?:urgent action|urgent action appeal|eilaktion)$", re.IGNORECASE)


_UA_LINE = re.compile(
    r"^(?:(?P<update>further information|follow-?up)\s+on\s+)?UA\s*:?\s*\d{1,4}(?:-\d{1,2})?"
    r"\s*/\s*\d{2,4}\b(?P<rest>.*)$",
    re.IGNORECASE,
)


_BULLET = re.compile(r"^(?:[-•*–]|\d{1,2}[.)])\s*")


#: Field names, in the order organizers read what is missing.
FIELDS = (
    "ua_number",
    "title",
    "summary",
    "ask",
    "person",
    "pronouns",
    "deadline",
    "languages",
    "officials",
    "letter",
    "background",
)


def _sentence_case(title: str, body: str) -> str:
    """An ALL-CAPS title made readable, capitalising words only as the body capitalises them."""
    if any(char.islower() for char in title):
        return title
    lower: set[str] = set()
    proper: dict[str, str] = {}
    for match in _WORD.finditer(body):
        word, at = match.group(0), match.start() - 1
        while at >= 0 and body[at] == " ":
            at -= 1
        if word == word.lower():
            lower.add(word)
        elif at >= 0 and body[at] not in '.!?:;“"(':  # a capital mid-sentence marks a name
            proper[word.lower()] = word
    proper = {key: word for key, word in proper.items() if key not in lower}

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        return proper.get(word.lower(), word.lower())

    readable = _WORD.sub(fix, title)
    readable = re.sub(r"(:\s+)(\w)", lambda m: m[1] + m[2], readable)
    return readable[:1].upper() + readable[1:]


def _sentences(paragraph: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z“\"(])", paragraph)


#: "…, and Mamay should be released": the ask is the clause after the last "and" whose subject
#: (a name of up to five words) is followed by "should" or "must".
_ASK_SPLIT = re.compile(
    r"^(?P<lead>.*?),?\s+and\s+(?P<ask>[A-Z][\w’'.-]*(?:\s+[\w’'.-]+){0,4}?\s+(?:should|must)\s.+)$"
)


_ASK = re.compile(
    r"\b(?:should|must|calls? (?:on|for)|urges?|fordert|fordern|muss|müssen|doit|doivent|exige"
    r"|demande|pide|piden|debe|deben|exige|требует|призывает|должн\w*)\b",
    re.IGNORECASE,
)


def _split_ask(summary: str) -> tuple[str, str | None]:
    """The summary and the ask, taken from the summary's last sentence when it asks."""
    sentences = _sentences(summary)
    last = sentences[-1]
    split = _ASK_SPLIT.match(last)
    if split:
        lead = split.group("lead").rstrip(",")
        return " ".join([*sentences[:-1], f"{lead}."]), split.group("ask")
    if _ASK.search(last) and len(sentences) > 1:
        return " ".join(sentences[:-1]), last
    return summary, None


class _Document:
    """The cleaned lines and where each section starts."""

    def __init__(self, text: str) -> None:
        self.lines = clean_lines(text)
        self.anchors: dict[int, str] = {}
        self.values: dict[int, str] = {}
        for index, line in enumerate(self.lines):
            kind, value = _anchor(line)
            if kind is not None:
                self.anchors[index] = kind
                self.values[index] = value
        self.letters = find_letters(self.lines, set(self.anchors))
        self.in_letter = {i for start, end, _ in self.letters for i in range(start, end)}
        self.title_at = -1

    def first(self, kind: str) -> int:
        return next((i for i, k in self.anchors.items() if k == kind), -1)

    def all(self, kind: str) -> list[int]:
        return [i for i, k in self.anchors.items() if k == kind]

    def region(self, start: int) -> list[str]:
        """The lines after a heading, up to the next heading, letter or footer."""
        end = start + 1
        while end < len(self.lines) and end not in self.anchors and end not in self.in_letter:
            end += 1
        return self.lines[start + 1 : end]

    def footer(self, kind: str) -> Iterator[tuple[int, str]]:
        pattern = FOOTERS[kind]
        for index, line in enumerate(self.lines):
            match = pattern.match(line)
            if match:
                yield index, match["value"].strip()


def _anchor(line: str) -> tuple[str | None, str]:
    """The kind of section a line starts ('officials', 'background', a footer …), if any."""
    if not line:
        return None, ""
    count = words(line)
    for kind, pattern in FOOTERS.items():
        match = pattern.match(line)
        if match:
            return f"footer:{kind}", match["value"].strip()
    for kind, pattern in HEADINGS.items():
        limit = {"officials": 14, "background": 8, "letter": 10, "diplomats": 25}.get(kind, 40)
        if count > limit:
            continue
        match = pattern.match(line)
        if match and not (kind == "background" and is_prose(line)):
            return kind, (match.groupdict().get("value") or "").strip()
    if MAILING_CLOSING.match(line):
        return "end", ""
    return None, ""


def parse_document(text: str) -> ParsedCase:
    """Everything the document states, in the fields a case needs, without the filesystem."""
    doc = _Document(text)
    parsed = ParsedCase()
    _read_number(doc, parsed)
    title_at = doc.title_at = _read_title(doc, parsed)
    story = _read_summary(doc, parsed, title_at)
    points = _recommended_points(doc)
    if parsed.summary and parsed.ask is None and points:
        parsed.ask = points[0].rstrip(";.,") + "."
    if parsed.summary and parsed.ask is None:
        parsed.warnings.append(
            "no ask found in the summary (a sentence like '... should be released'); "
            "fill in ask.en in case.yaml"
        )
    _read_officials(doc, parsed)
    _read_copies(doc, parsed)
    _read_person(doc, parsed)
    _read_letters(doc, parsed, points)
    _read_background(doc, parsed, story)
    _read_languages(doc, parsed)
    _read_deadline(doc, parsed)
    _read_previous(doc, parsed)
    _read_text_language(parsed)
    parsed.missing = [name for name in FIELDS if _lacks(parsed, name)]
    return parsed


def _lacks(parsed: ParsedCase, name: str) -> bool:
    value = {
        "person": parsed.person_name,
        "letter": parsed.letters,
    }.get(name, getattr(parsed, name, None))
    return not value


# -- number, title, summary -----------------------------------------------------------------


def _read_number(doc: _Document, parsed: ParsedCase) -> None:
    number = find_number(doc.lines)
    if number is None:
        parsed.warnings.append(
            "no UA number ('Urgent Action NN.YY', 'UA NN/YY') found; fill in ua_number "
            "in case.yaml"
        )
        return
    parsed.ua_number = number.number
    if number.update:
        parsed.update_of = number.case_id
    for _, value in doc.footer("published"):
        parsed.published = find_date(value)
        break


def _is_metadata(line: str) -> bool:
    """A line of the template's furniture: never a title or a summary."""
    return bool(
        not line
        or CHROME.match(line)
        or PLACEHOLDERS.match(line)
        or _anchor(line)[0]
        or re.search(r"\b(?:UA|AU)\b[\s:-]*\d", line)
        or (words(line) <= 5 and find_date(line))
        or line.startswith(("http://", "https://", "www."))
        or contact_key(line)
    )


def _read_title(doc: _Document, parsed: ParsedCase) -> int:
    """The title, from the template's field, the UA line of an e-mail, or after the header."""
    lines = doc.lines
    at = doc.first("title")
    if at >= 0:
        value = doc.values[at] or next((line for line in lines[at + 1 :] if line), "")
        body = " ".join(lines[at + 1 :])
        parsed.title = _sentence_case(value, body) if value else None
        return at
    for index, line in enumerate(lines):
        match = _UA_LINE.match(line)
        if match is None:
            continue
        concern = re.sub(r"\([^)]*\)", "", match["rest"])
        concern = re.sub(r"^\s*(?:and follow-?up\b)?\s*[-–—:]?\s*", "", concern).strip(" -–—:")
        subject_at = next((i for i in range(index + 1, len(lines)) if lines[i]), -1)
        country, subject = _subject(lines[subject_at]) if subject_at >= 0 else (None, None)
        if country is None:
            subject_at = index
        parsed.title = ": ".join(part for part in (country, concern, subject) if part) or None
        if country is not None and subject:
            _person_from_subject(parsed, lines[subject_at])
        return subject_at
    header = next((i for i, line in enumerate(lines) if _HEADER.match(line)), -1)
    for index in range(header + 1, len(lines)):
        line = lines[index]
        if _is_metadata(line) or doc.anchors.get(index):
            continue
        if words(line) > 20 or index in doc.in_letter:
            break
        parsed.title = _sentence_case(line, " ".join(lines[index + 1 :]))
        return index
    parsed.warnings.append("no 'URGENT ACTION' heading and title found; fill in title.en")
    return header


def _subject(line: str) -> tuple[str | None, str | None]:
    """'MYANMAR Robert San Aung (m), 54, Lawyer' → ('Myanmar', 'Robert San Aung')."""
    tokens = line.split()
    count = 0
    while count < len(tokens) and re.fullmatch(r"[A-ZÀ-Þ][A-ZÀ-Þ'’.-]+|OF|AND|THE", tokens[count]):
        count += 1
    if count == 0 or count == len(tokens):
        return None, None
    country = _country(" ".join(tokens[:count]))
    rest = " ".join(tokens[count:])
    people = re.findall(r"([^,()]+?)\s*\(([mf])\)", rest)
    if people:
        return country, " and ".join(name.strip() for name, _ in people)
    return country, rest.split(",")[0].strip()


def _country(upper: str) -> str:
    """'UNITED STATES OF AMERICA' → 'United States of America'."""
    return " ".join(
        word.lower()
        if word in {"OF", "AND", "THE"} and i
        else word
        if len(word) <= 3  # USA, UK, DRC: initials stay as they are
        else word.capitalize()
        for i, word in enumerate(upper.split())
    )


def _person_from_subject(parsed: ParsedCase, line: str) -> None:
    _, subject = _subject(line)
    if not subject or not subject[:1].isupper():
        return
    parsed.person_name = subject
    genders = re.findall(r"\(([mf])\)", line)
    if len(genders) != 1:
        return  # several people: the document gives no pronoun for them together
    if genders == ["m"]:
        parsed.pronouns = "he, him"
    elif genders == ["f"]:
        parsed.pronouns = "she, her"


def _read_summary(doc: _Document, parsed: ParsedCase, title_at: int) -> list[str]:
    """The summary (the story's first paragraph); returns the story's other paragraphs."""
    lines = doc.lines
    at = doc.first("summary")
    summary: str | None = (doc.values.get(at) or None) if at >= 0 else None
    story: list[str] = []
    for index in range(max(at if at >= 0 else title_at, -1) + 1, len(lines)):
        line = lines[index]
        kind = doc.anchors.get(index)
        if index in doc.in_letter:
            break
        if kind is not None:
            if kind in ("type", "footer:published", "footer:index"):
                continue  # the template's furniture under its title
            break
        if not line or _is_metadata(line):
            continue
        if not is_prose(line):
            if summary is not None:
                break  # the story has ended: an address, a subject line
            continue
        if summary is None:
            summary = line
        else:
            story.append(line)
    if summary:
        parsed.summary, parsed.ask = _split_ask(summary)
    else:
        parsed.warnings.append("no summary paragraph after the title; fill in summary.en")
    return story


def _recommended_points(doc: _Document) -> list[str]:
    """The recommended actions, as the document words them, without bullets."""
    points: list[str] = []
    for at in doc.all("recommended"):
        for line in doc.region(at):
            if line and not _is_metadata(line):
                points.append(_BULLET.sub("", line).strip())
    return points


# -- officials and copies -------------------------------------------------------------------


def _official_regions(doc: _Document) -> list[list[str]]:
    headed = doc.all("officials")
    if headed:
        return [doc.region(at) for at in headed]
    # No heading: officials are wherever blocks look like officials, outside the letter,
    # the copies and the background.
    regions: list[list[str]] = [[]]
    skip = False
    for index, line in enumerate(doc.lines):
        kind = doc.anchors.get(index)
        if kind is not None:
            skip = kind in ("copies", "background", "recommended", "diplomats", "end")
            regions.append([])
            continue
        if index in doc.in_letter or index == doc.title_at:
            regions.append([])
            continue
        if not skip:
            regions[-1].append(line)
    return regions


def _read_officials(doc: _Document, parsed: ParsedCase) -> None:
    taken: set[str] = set()
    for region in _official_regions(doc):
        for block in blocks(region):
            if not is_official(block):
                if any(contact_key(line) for line in block):
                    parsed.warnings.append(
                        f"officials: a block with contact lines but no name or title was left "
                        f"out: {' / '.join(block)[:120]!r}"
                    )
                continue
            official = parse_official(block, taken, parsed.warnings)
            taken.add(official.id)
            parsed.officials.append(official)
    if not parsed.officials:
        parsed.warnings.append(
            "no officials found (a title or name, then an address or contact lines); add them "
            "to officials in case.yaml"
        )


def _read_copies(doc: _Document, parsed: ParsedCase) -> None:
    for at in doc.all("copies"):
        region = [doc.values.get(at, ""), *doc.region(at)]
        # Amnesty USA's e-mails give a recipient on one line: "Ambassador X, Embassy …, Fax: …".
        region = [
            part.strip()
            for line in region
            for part in (line.split(", ") if line.count(", ") >= 2 else [line])
        ]
        for block in blocks(region):
            if any(contact_key(line) is None for line in block):
                parsed.copies.append(parse_copy(block))


def _read_person(doc: _Document, parsed: ParsedCase) -> None:
    for _, value in doc.footer("person"):
        person = re.match(r"^(?P<name>[^()]*?)\s*(?:\((?P<pronouns>[^()]*)\))?$", value)
        if person is None:
            parsed.person_name = parsed.pronouns = None
            parsed.warnings.append(
                f"person: cannot tell name and pronouns apart in {value!r}; fill in "
                "person.name.en and person.pronouns.en"
            )
            return
        parsed.person_name = person["name"] or None
        parsed.pronouns = (person["pronouns"] or "").strip() or None
        if parsed.person_name is None:
            parsed.warnings.append(
                "person: no name on the 'NAME AND PRONOUN' line; fill in person.name.en"
            )
        if parsed.pronouns is None:
            parsed.warnings.append(
                "person: no pronouns on the 'NAME AND PRONOUN' line; fill in person.pronouns.en"
            )
        return
    for _, value in doc.footer("name"):
        if value and parsed.person_name is None:
            parsed.person_name = value
        for _, gender in doc.footer("gender"):
            parsed.pronouns = {"m": "he, him", "f": "she, her"}.get(gender.strip().lower())
        break
    if parsed.person_name is None:
        parsed.warnings.append(
            "no 'NAME AND PRONOUN' line; fill in person.name.en and person.pronouns.en"
        )
    elif parsed.pronouns is None:
        parsed.warnings.append(
            f"person: the document gives no pronouns for {parsed.person_name!r}; fill in "
            "person.pronouns.en"
        )


# -- the letter -----------------------------------------------------------------------------


def _read_letters(doc: _Document, parsed: ParsedCase, points: list[str]) -> None:
    parsed.letters = [letter for _, _, letter in doc.letters]
    if not parsed.letters and points:
        parsed.letters = [generated_letter(points, parsed.person_name)]
        parsed.warnings.append(
            "letter: the document has no model letter; templates/letter.en.j2 was written from "
            "its recommended actions: review it"
        )
    if not parsed.letters:
        parsed.warnings.append(
            "no letter found (from 'Dear ...' to 'Sincerely,'); write templates/letter.en.j2"
        )
        apply_salutations(parsed.officials, None, None, parsed.warnings)
        return
    first = parsed.letters[0]
    if first.generated:
        apply_salutations(parsed.officials, None, "en", parsed.warnings)
        parsed.letter, parsed.letter_closing = first.paragraphs, first.closing
        return
    parsed.letter_salutation = first.salutation
    parsed.letter = first.paragraphs
    parsed.letter_closing = first.closing
    if first.closing is None:
        parsed.warnings.append(
            f"letter: no closing line ('Sincerely,') found; the letter was taken up to the "
            f"next section: check templates/letter.{first.language}.j2"
        )
    apply_salutations(parsed.officials, first.salutation, first.language, parsed.warnings)


# -- background and footers -----------------------------------------------------------------


def _read_background(doc: _Document, parsed: ParsedCase, story: list[str]) -> None:
    found = list(story)
    for at in doc.all("background"):
        for line in doc.region(at):
            if line and not _is_metadata(line):
                found.append(line)
    parsed.background = found
    if not found:
        parsed.warnings.append(
            "no 'Additional information' section; add paragraphs to background.en"
        )


def _read_languages(doc: _Document, parsed: ParsedCase) -> None:
    values = [value for _, value in doc.footer("languages")]
    if not values:
        for index, line in enumerate(doc.lines):
            match = LANGUAGE_SENTENCE.search(line) or LANGUAGE_SENTENCE_DE.search(line)
            if match is None and doc.anchors.get(index) == "recommended":
                # "Please send appeals to arrive as quickly as possible, in English:"
                match = re.search(r",\s*in\s+(?P<value>[^:;.,]+?)\s*:?\s*$", line)
            if match:
                values = [match["value"]]
                break
    if not values:
        parsed.warnings.append(
            "no 'PREFERRED LANGUAGE TO ADDRESS TARGET' line; fill in languages in case.yaml "
            "and in each official"
        )
        return
    separators = r"\s*(?:,|;|/|&|\b(?:and|or|und|oder|et|ou|y|o|и|или)\b)\s*"
    for name in re.split(separators, values[0].strip().rstrip(".")):
        if not name or name.lower() in {"in", "auf", "en"}:
            continue
        code = language_code(name)
        if code is None:
            parsed.warnings.append(f"languages: unknown language {name!r}; add its code by hand")
        elif code not in parsed.languages:
            parsed.languages.append(code)


def _read_deadline(doc: _Document, parsed: ParsedCase) -> None:
    for _, value in doc.footer("deadline"):
        parsed.deadline = find_date(value)
        if parsed.deadline is None:
            parsed.warnings.append(
                f"deadline: cannot read the date {value!r}; fill in deadline (YYYY-MM-DD) in "
                "case.yaml"
            )
        return
    for index, line in enumerate(doc.lines):
        if index in doc.in_letter or not DEADLINE_CUE.search(line):
            continue
        polite = line.lower().startswith(("please", "bitte", "merci", "por favor", "пожалуйста"))
        if is_prose(line) and not polite:
            continue
        found = find_date(line[DEADLINE_CUE.search(line).start() :])  # type: ignore[union-attr]
        if found is not None:
            parsed.deadline = found
            return
    parsed.warnings.append(
        "no deadline line ('PLEASE TAKE ACTION AS SOON AS POSSIBLE UNTIL: ...'); deadline "
        "left empty: fill it in case.yaml if the appeal has one"
    )


def _read_previous(doc: _Document, parsed: ParsedCase) -> None:
    for index, value in doc.footer("previous"):
        if not value and index + 1 < len(doc.lines):
            following = doc.lines[index + 1]
            value = following if following.startswith(("http", "www.")) else ""
        if value.lower().rstrip(".") not in {"", "n/a", "na", "none", "-"}:
            parsed.previous_ua = value
        return


def _read_text_language(parsed: ParsedCase) -> None:
    sample = " ".join(filter(None, [parsed.summary, *parsed.background[:2]]))
    parsed.text_language = detect_language(sample) if sample else None
    if parsed.text_language not in (None, "en"):
        parsed.warnings.append(
            f"texts: title, summary, ask and background are in "
            f"{language_name(parsed.text_language)}; they were written under 'en': translate "
            "them into English"
        )
