"""Turn an Amnesty Urgent Action document into a case folder the bot can serve.

Organizers receive each Urgent Action as a Word or text document. Copying names, addresses
and handles by hand is where mistakes creep in, so the importer copies them mechanically.
It never invents: whatever it cannot find is left empty and reported as a warning, and an
empty required field makes `load_content` fail with the file and the field named, so a
half-imported case cannot be served by accident. Translations stay a human step.
"""

from __future__ import annotations

import re
from datetime import date

from bot.content.models import EMAIL_PATTERN
from bot.importer.parsed import ParsedCase, ParsedOfficial

_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")


_FACEBOOK = re.compile(r"^[A-Za-z0-9.]{1,50}$")


_ARTEFACT = re.compile(r"\[bookmark: [^\]]*\]")


_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"))


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u2009\u200a]+")


_HEADER = re.compile(r"^(further information on )?urgent action\b", re.IGNORECASE)


_TAKE_ACTION = re.compile(r"^take action\b", re.IGNORECASE)


_DEAR = re.compile(r"^dear\s+\S", re.IGNORECASE)


_CLOSING = re.compile(
    r"^((yours\s+)?(sincerely|faithfully|truly|respectfully)( yours)?"
    r"|(kind|best|warm)?\s*regards|with respect)\s*[,.]?$",
    re.IGNORECASE,
)


_ADDITIONAL = re.compile(r"^additional information\b", re.IGNORECASE)


_NUMBERED = re.compile(r"^\d{1,2}[.)]\s*")


_CLICK_HERE = re.compile(r"^click here\b", re.IGNORECASE)


_UA_NUMBER = re.compile(
    r"\b(?:urgent\s+action|UA)\s*(?:no\.?|number|#)?\s*:?\s*(\d{1,3}\.\d{2})\b", re.IGNORECASE
)


_FOOTER = {
    "languages": re.compile(
        r"^preferred languages? to address (the )?targets?\s*:\s*(?P<value>.*)$", re.IGNORECASE
    ),
    "deadline": re.compile(r"^please take action\b.*\buntil\s*:\s*(?P<value>.*)$", re.IGNORECASE),
    "person": re.compile(r"^name and (pre)?pronouns?\s*:\s*(?P<value>.*)$", re.IGNORECASE),
    "previous": re.compile(r"^links? to previous uas?\s*:\s*(?P<value>.*)$", re.IGNORECASE),
}


_KEY_LINE = re.compile(r"^(?P<key>[A-Za-z][A-Za-z -]{0,20}?)\s*:\s*(?P<value>.*)$")


_KEYS = {
    "fax": "fax",
    "phone": "phone",
    "tel": "phone",
    "telephone": "phone",
    "email": "email",
    "e-mail": "email",
    "twitter": "twitter",
    "x": "twitter",
    "facebook": "facebook",
    "salutation": "salutation",
    "instagram": "instagram",
}


_LANGUAGE_CODES = {
    "english": "en",
    "russian": "ru",
    "french": "fr",
    "spanish": "es",
    "arabic": "ar",
    "chinese": "zh",
    "mandarin": "zh",
    "german": "de",
    "portuguese": "pt",
    "turkish": "tr",
    "ukrainian": "uk",
    "kazakh": "kk",
    "uzbek": "uz",
    "italian": "it",
    "persian": "fa",
    "farsi": "fa",
    "belarusian": "be",
    "azerbaijani": "az",
    "armenian": "hy",
    "georgian": "ka",
    "kyrgyz": "ky",
    "tajik": "tg",
    "turkmen": "tk",
    "japanese": "ja",
    "korean": "ko",
    "vietnamese": "vi",
    "thai": "th",
    "indonesian": "id",
    "hindi": "hi",
    "urdu": "ur",
    "bengali": "bn",
    "burmese": "my",
    "polish": "pl",
    "hebrew": "he",
    "greek": "el",
}


_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


_MONTHS = {
    name: number for number, full in enumerate(_MONTH_NAMES, start=1) for name in (full, full[:3])
} | {"sept": 9}


def _words(text: str) -> frozenset[str]:
    """A word list written as prose, so long lists stay readable."""
    return frozenset(text.split())


#: Capitalised words that belong to an official's title, never to a person's name.
_TITLE_WORDS = _words(
    """
    president vice prime minister ambassador prosecutor general attorney governor mayor
    chairman chairwoman chairperson chair head chief director deputy secretary commissioner
    judge justice speaker king queen emir prince princess excellency his her mr mrs ms miss
    dr h.e. hon. honourable honorable ombudsman ombudsperson commander colonel officer warden
    superintendent senator member parliament council office ministry embassy republic
    federation state states united kingdom foreign internal interior affairs home defence
    defense security human rights national federal supreme court police service permanent
    representative mission consul consulate high commission public health education labour
    labor information development social economy finance penitentiary prison prisons
    administration agency committee department bureau investigation investigative
    presidential executive
    """
)


_CONNECTORS = _words("of for to the and on in at de")


_PARTICLES = _words("da de del della der di do dos du van von bin ibn al el la le ter")


_HONORIFICS = _words("mr mrs ms miss dr madam madame sir your his her excellency")


def _clean_lines(text: str) -> list[str]:
    """Lines without conversion artefacts, odd spaces or line-ending differences."""
    text = text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    text = _ARTEFACT.sub("", text)
    return [_SPACES.sub(" ", line).strip() for line in text.split("\n")]


def _find(
    lines: list[str], pattern: re.Pattern[str], start: int = 0, end: int | None = None
) -> int:
    """Index of the first line from `start` matching `pattern`, or -1."""
    for index in range(start, len(lines) if end is None else end):
        if pattern.search(lines[index]):
            return index
    return -1


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
        if word[0].islower():
            lower.add(word.lower())
        elif at >= 0 and body[at] not in '.!?:;“"(':  # a capital mid-sentence marks a name
            proper[word.lower()] = word
    proper = {key: word for key, word in proper.items() if key not in lower}

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        return proper.get(word.lower(), word.lower())

    readable = _WORD.sub(fix, title)
    return readable[:1].upper() + readable[1:]


def _sentences(paragraph: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z“\"(])", paragraph)


_ASK_SPLIT = re.compile(
    r"^(?P<lead>.*\bbelieves\b.*?),?\s+and\s+(?P<ask>[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*"
    r"\s+(?:should|must)\s.+)$"
)


_ASK = re.compile(
    r"\b(should|must)\b.*\breleased?\b|\bcalls? (on|for)\b|\bbelieves\b.*\b(should|must)\b"
    r"|\burges?\b",
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
    if _ASK.search(last):
        rest = " ".join(sentences[:-1])
        return rest or summary, last
    return summary, None


def _parse_date(value: str) -> date | None:
    value = value.strip().rstrip(".")
    numbers = re.search(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b", value)
    month_first = re.search(r"\b([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b", value)
    day_first = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})\b", value)
    try:
        if numbers:
            return date(int(numbers[1]), int(numbers[2]), int(numbers[3]))
        if month_first and month_first[1].lower() in _MONTHS:
            month = _MONTHS[month_first[1].lower()]
            return date(int(month_first[3]), month, int(month_first[2]))
        if day_first and day_first[2].lower() in _MONTHS:
            return date(int(day_first[3]), _MONTHS[day_first[2].lower()], int(day_first[1]))
    except ValueError:
        return None
    return None


def _is_capitalised(token: str) -> bool:
    return token[:1].isupper() and all(c.isalpha() or c in "-'’." for c in token)


def _split_heading(heading: str) -> tuple[str, str, bool]:
    """Title and name from 'President of Kazakhstan Kassym-Jomart Tokayev', and whether sure."""
    if ", " in heading:
        before, after = heading.split(", ", 1)
        tokens = [t for t in before.split() if t.lower() not in _HONORIFICS]
        if 2 <= len(tokens) <= 3 and all(
            _is_capitalised(t) and t.lower() not in _TITLE_WORDS for t in tokens
        ):
            return after.strip(), " ".join(tokens), True
    tokens = heading.split()
    start = len(tokens)
    while start > 0:
        token = tokens[start - 1]
        if _is_capitalised(token):
            start -= 1
        elif token in _PARTICLES and start - 1 > 0 and start < len(tokens):
            if not _is_capitalised(tokens[start - 2]):
                break
            start -= 1
        else:
            break
    if 0 < start < len(tokens) and tokens[start - 1].lower() in _CONNECTORS:
        start += 1  # "President of Kazakhstan ...": the word after "of" is the title's
    while start < len(tokens) and tokens[start].lower() in _TITLE_WORDS:
        start += 1
    title, name = " ".join(tokens[:start]), " ".join(tokens[start:])
    if all(token.lower().rstrip(".") in _HONORIFICS for token in tokens[:start]):
        title = ""  # "Mr Yerzhan Ashikbayev" says nothing about the office
    return title, name, len(tokens) - start == 2


def _official_id(title: str, taken: set[str]) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in _CONNECTORS]
    candidates = [words[0][:16]] if words else ["official"]
    if len(words) > 1:
        candidates.append(f"{words[0]}-{words[-1]}"[:16].rstrip("-"))
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    number = 2
    while f"{candidates[0][:13]}-{number}" in taken:
        number += 1
    return f"{candidates[0][:13]}-{number}"


def _handles(value: str, where: str, warnings: list[str]) -> list[str]:
    handles = []
    for item in re.split(r"[;,\s]+", value):
        if not item:
            continue
        url = re.match(r"^(?:https?://)?(?:www\.)?(?:twitter|x)\.com/([^/?#]+)", item)
        handle = (url[1] if url else item).lstrip("@")
        if _HANDLE.match(handle):
            handles.append(handle)
        else:
            warnings.append(f"{where}: {item!r} is not a Twitter handle; ignored")
    return handles


def _facebook(value: str, where: str, warnings: list[str]) -> str | None:
    url = re.match(r"^(?:https?://)?(?:[a-z]+\.)?facebook\.com/([^/?#]+)", value.strip())
    page = (url[1] if url else value.strip()).lstrip("@")
    if _FACEBOOK.match(page):
        return page
    warnings.append(f"{where}: cannot read a Facebook page name from {value!r}; ignored")
    return None


def _read_channel(official: ParsedOfficial, key: str, value: str, warnings: list[str]) -> None:
    """Store one 'Key: value' line of an official's block."""
    where = f"officials.{official.id}"
    if key == "email":
        emails = [e.rstrip(".") for e in re.split(r"[;,\s]+", value) if e]
        for bad in [e for e in emails if not EMAIL_PATTERN.match(e)]:
            warnings.append(f"{where}: {bad!r} is not an email address; ignored")
        for extra in [e for e in emails if EMAIL_PATTERN.match(e)]:
            if official.email is None:
                official.email = extra
            else:
                warnings.append(
                    f"{where}: a second email address {extra!r} was left out (the bot offers "
                    f"one per official); kept {official.email!r}"
                )
    elif key == "twitter":
        official.twitter += _handles(value, where, warnings)
    elif key == "facebook":
        official.facebook = _facebook(value, where, warnings)
    elif key == "salutation":
        official.salutation = value.rstrip(",!:;. ")
    elif key == "instagram":
        warnings.append(f"{where}: Instagram is not a channel the bot offers; ignored")
    elif key == "fax":
        official.fax = value or None
    else:
        official.phone = value or None


def _parse_official(block: list[str], taken: set[str], warnings: list[str]) -> ParsedOfficial:
    """An official from their block: heading, address lines, then 'Key: value' lines."""
    heading = block[0]
    title, name, sure = _split_heading(heading)
    official = ParsedOfficial(
        id=_official_id(title, taken), heading=heading, title=title, name=name
    )
    where = f"officials.{official.id}"
    if not name:
        warnings.append(f"{where}: no name found in {heading!r}; fill in name.en in case.yaml")
    elif not title:
        warnings.append(f"{where}: no title found in {heading!r}; fill in title.en in case.yaml")
    elif not sure:
        warnings.append(
            f"{where}: unsure where the title ends in {heading!r}: read title {title!r} and "
            f"name {name!r}; check title.en and name.en in case.yaml"
        )
    address: list[str] = []
    in_keys = False
    for line in block[1:]:
        match = _KEY_LINE.match(line)
        key = _KEYS.get(match["key"].strip().lower()) if match else None
        if key is not None and match is not None:
            in_keys = True
            _read_channel(official, key, match["value"].strip(), warnings)
        elif match is not None and len(match["key"].split()) <= 2:
            warnings.append(
                f"{where}: unrecognised line {line!r}; ignored (add it by hand if it belongs "
                "to the address)"
            )
        elif in_keys:
            warnings.append(f"{where}: line {line!r} after the contact details; ignored")
        else:
            address.append(line)
    official.address = [heading, *address] if address else []
    if not address:
        warnings.append(f"{where}: no postal address; the bot will not offer a letter by post")
    if official.email is None:
        warnings.append(
            f"{where}: no email address; the bot will not offer email to this official"
        )
    return official


def _addressees(salutation: str) -> set[str]:
    """The words that say whom 'Dear Mr President' is for: {'president'}."""
    words = _WORD.findall(salutation.lower())
    return {w for w in words[1:] if w not in _HONORIFICS and w not in {"and", "or", "the"}}


def _apply_letter_salutation(parsed: ParsedCase) -> None:
    """Officials without a 'Salutation:' line get the letter's opening only if it is theirs."""
    opening = parsed.letter_salutation
    for official in parsed.officials:
        if official.salutation:
            continue
        if opening:
            wanted = _addressees(opening)
            theirs = set(_WORD.findall(official.heading.lower()))
            if not wanted or wanted & theirs:
                official.salutation = opening
                continue
        letter = f"the letter's {opening!r} is not for them" if opening else "there is no letter"
        parsed.warnings.append(
            f"officials.{official.id}: no 'Salutation:' line and {letter}; fill in "
            "salutation.en in case.yaml (for example 'Dear Minister')"
        )


def _official_blocks(lines: list[str]) -> list[list[str]]:
    """Blank-line separated blocks, after the TAKE ACTION list's instructions."""
    start = 0
    while start < len(lines) and (
        not lines[start]
        or _NUMBERED.match(lines[start])
        or _CLICK_HERE.match(lines[start])
        or len(lines[start].split()) > 12
    ):
        start += 1
    blocks: list[list[str]] = [[]]
    for line in lines[start:]:
        if not line:
            blocks.append([])
        elif not _CLICK_HERE.match(line):
            blocks[-1].append(line)
    return [block for block in blocks if block]


def _parse_languages(value: str, warnings: list[str]) -> list[str]:
    codes: list[str] = []
    for name in re.split(r"\s*(?:,|;|/|\band\b|\bor\b)\s*", value.strip().rstrip(".")):
        if not name:
            continue
        code = _LANGUAGE_CODES.get(name.lower())
        if code is None:
            warnings.append(f"languages: unknown language {name!r}; add its code by hand")
        elif code not in codes:
            codes.append(code)
    return codes


def parse_document(text: str) -> ParsedCase:
    """Everything the document states, in the fields a case needs, without the filesystem."""
    lines = _clean_lines(text)
    parsed = ParsedCase()
    warn = parsed.warnings.append
    body = " ".join(lines)

    number = _UA_NUMBER.search(body)
    if number:
        parsed.ua_number = number[1]
    else:
        warn("no UA number ('Urgent Action NN.YY') found; fill in ua_number in case.yaml")

    header = _find(lines, _HEADER)
    title_at = next((i for i in range(header + 1, len(lines)) if lines[i]), -1)
    summary_end = title_at
    if header < 0 or title_at < 0:
        warn("no 'URGENT ACTION' heading and title found; fill in title.en in case.yaml")
    else:
        raw_title = lines[title_at]
        parsed.title = _sentence_case(raw_title, " ".join(lines[title_at + 1 :]))
        summary_lines = []
        for line in lines[title_at + 1 :]:
            if not line or _TAKE_ACTION.match(line):
                break
            summary_lines.append(line)
        summary_end = title_at + 1 + len(summary_lines)
        if summary_lines:
            parsed.summary, parsed.ask = _split_ask(" ".join(summary_lines))
        else:
            warn("no summary paragraph after the title; fill in summary.en in case.yaml")
    if parsed.summary and parsed.ask is None:
        warn(
            "no ask found in the summary (a sentence like '... should be released'); "
            "fill in ask.en in case.yaml"
        )
    elif parsed.summary is None:
        warn("no ask found; fill in ask.en in case.yaml")

    take = _find(lines, _TAKE_ACTION, max(summary_end, 0))
    officials_from = take + 1 if take >= 0 else max(summary_end, 0)
    dear = _find(lines, _DEAR, officials_from)
    additional = _find(lines, _ADDITIONAL, max(dear, officials_from))
    footer_at = min(
        [i for i in (_find(lines, p, officials_from) for p in _FOOTER.values()) if i >= 0]
        or [len(lines)]
    )
    ends = [i for i in (dear, additional, footer_at) if i >= 0]
    officials_to = min(ends) if ends else len(lines)

    taken: set[str] = set()
    for block in _official_blocks(lines[officials_from:officials_to]):
        official = _parse_official(block, taken, parsed.warnings)
        taken.add(official.id)
        parsed.officials.append(official)
    if not parsed.officials:
        warn(
            "no officials found between 'TAKE ACTION' and the letter; add them to officials "
            "in case.yaml"
        )

    if dear < 0:
        warn("no letter found (from 'Dear ...' to 'Sincerely,'); write templates/letter.en.j2")
    else:
        parsed.letter_salutation = lines[dear].rstrip(",!:;. ")
        stop = additional if additional > dear else footer_at if footer_at > dear else len(lines)
        closing = _find(lines, _CLOSING, dear + 1, stop)
        if closing < 0:
            warn(
                "letter: no closing line ('Sincerely,') found; the letter was taken up to "
                "the next section: check templates/letter.en.j2"
            )
            closing = stop
        else:
            parsed.letter_closing = lines[closing]
        parsed.letter = [line for line in lines[dear + 1 : closing] if line]
    _apply_letter_salutation(parsed)

    if additional < 0:
        warn("no 'Additional information' section; add paragraphs to background.en")
    else:
        for line in lines[additional + 1 :]:
            if any(p.match(line) for p in _FOOTER.values()):
                break
            if line:
                parsed.background.append(line)

    found = {key: _find(lines, pattern) for key, pattern in _FOOTER.items()}
    if found["languages"] < 0:
        warn(
            "no 'PREFERRED LANGUAGE TO ADDRESS TARGET' line; fill in languages in case.yaml "
            "and in each official"
        )
    else:
        value = _FOOTER["languages"].match(lines[found["languages"]])
        assert value is not None
        parsed.languages = _parse_languages(value["value"], parsed.warnings)

    if found["deadline"] < 0:
        warn(
            "no deadline line ('PLEASE TAKE ACTION AS SOON AS POSSIBLE UNTIL: ...'); deadline "
            "left empty: fill it in case.yaml if the appeal has one"
        )
    else:
        value = _FOOTER["deadline"].match(lines[found["deadline"]])
        assert value is not None
        parsed.deadline = _parse_date(value["value"])
        if parsed.deadline is None:
            warn(
                f"deadline: cannot read the date {value['value']!r}; fill in deadline "
                "(YYYY-MM-DD) in case.yaml"
            )

    if found["person"] < 0:
        warn("no 'NAME AND PRONOUN' line; fill in person.name.en and person.pronouns.en")
    else:
        value = _FOOTER["person"].match(lines[found["person"]])
        assert value is not None
        person = re.match(r"^(?P<name>[^()]*?)\s*(?:\((?P<pronouns>[^()]*)\))?$", value["value"])
        if person is None:
            warn(
                f"person: cannot tell name and pronouns apart in {value['value']!r}; fill in "
                "person.name.en and person.pronouns.en"
            )
        else:
            parsed.person_name = person["name"] or None
            parsed.pronouns = (person["pronouns"] or "").strip() or None
            if parsed.person_name is None:
                warn("person: no name on the 'NAME AND PRONOUN' line; fill in person.name.en")
            if parsed.pronouns is None:
                warn(
                    "person: no pronouns on the 'NAME AND PRONOUN' line; "
                    "fill in person.pronouns.en"
                )

    if found["previous"] < 0:
        warn("no 'LINK TO PREVIOUS UA' line; previous_ua left empty")
    else:
        value = _FOOTER["previous"].match(lines[found["previous"]])
        assert value is not None
        previous = value["value"].strip()
        if previous.lower().rstrip(".") not in {"", "n/a", "na", "none", "-"}:
            parsed.previous_ua = previous
    return parsed
