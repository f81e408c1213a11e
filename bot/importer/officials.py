"""Officials and copy recipients: blocks that look like one, never prose, dates or sign-offs.

A block is an official when it starts with a title or a name line and goes on with address
lines or contact lines (Email, Fax, Phone, Twitter, Facebook, Salutation). Story paragraphs,
dates, URLs, sign-offs and a website's chrome are not blocks at all, and address lines that
Word or a web page gives one per paragraph (a blank line between each) stay one block.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.content.models import EMAIL_PATTERN
from bot.importer.languages import find_date
from bot.importer.lexicon import (
    ADDRESS_WORDS,
    CHROME,
    CLOSINGS,
    CONNECTORS,
    CONTACT_KEYS,
    HONORIFICS,
    INSTITUTION,
    MAILING_CLOSING,
    MAILING_GREETING,
    PARTICLES,
    PLACEHOLDERS,
    SALUTATIONS,
    TITLE_STEM,
    TITLE_WORDS,
)
from bot.importer.parsed import ParsedCopy, ParsedOfficial
from bot.importer.text import is_prose, words

_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")


_FACEBOOK = re.compile(r"^[A-Za-z0-9.]{1,50}$")


_KEY_LINE = re.compile(r"^\(?(?P<key>[^\W\d_][\w .'’/-]{0,24}?)\s*:\s*(?P<value>.*?)\)?$")


_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)


_NUMBERED = re.compile(r"^\d{1,2}[.)]\s*")


_WORD = re.compile(r"[^\W\d_][\w'’-]*")


_HEADER = re.compile(
    r"^(?:urgent action|urgent action appeal|eilaktion|action urgente|acción urgente"
    r"|срочные действия)\b",
    re.IGNORECASE,
)


def contact_key(line: str) -> tuple[str, str] | None:
    """('email', 'a@b.c') for 'E-mail: a@b.c'; None if the line is not a contact line."""
    match = _KEY_LINE.match(line)
    if match is None:
        return None
    key = CONTACT_KEYS.get(match["key"].strip().lower())
    return (key, match["value"].strip()) if key else None


def is_salutation(line: str) -> str | None:
    """The language of a letter opening ('Dear Minister,' → 'en'), or None."""
    if MAILING_GREETING.match(line) or words(line) > 14:
        return None
    for code, pattern in SALUTATIONS.items():
        if pattern.match(line):
            return code
    return None


def is_closing(line: str) -> str | None:
    """The language of a letter closing ('Yours sincerely,' → 'en'), or None."""
    if words(line) > 22:
        return None
    for code, pattern in CLOSINGS.items():
        if pattern.match(line):
            return code
    return None


def _is_noise(line: str) -> bool:
    """A line that can never belong to an official: prose, a date, a URL, a sign-off, chrome."""
    if is_prose(line) or CHROME.match(line) or PLACEHOLDERS.match(line):
        return True
    if _NUMBERED.match(line) and words(line) > 4:
        return True
    if _URL.match(line) or is_closing(line) or MAILING_CLOSING.match(line):
        return True
    if is_salutation(line) and contact_key(line) is None and line.endswith((",", ":", "!")):
        return True  # a letter's opening: the letter starts here
    if _HEADER.match(line) or re.search(r"\b(?:UA|AU)\b[\s:-]*\d", line):
        return True  # the template's own heading and number
    return words(line) <= 12 and find_date(line) is not None


#: A name part with a lowercase prefix: "al-Sawy", "el-Baqer", "d'Almeida".
_PREFIXED = re.compile(r"^(?:al|el|ad|as|ash|bin|ibn|abu|d)[-'’][^\W\d_]")


def _is_capitalised(token: str) -> bool:
    return (token[:1].isupper() or bool(_PREFIXED.match(token))) and all(
        c.isalpha() or c in "-'’." for c in token
    )


def _is_title_word(token: str) -> bool:
    bare = token.lower().rstrip(",.")
    return bare in TITLE_WORDS or bool(TITLE_STEM.search(bare))


def split_heading(heading: str) -> tuple[str, str, bool]:
    """Title and name from 'President of Kazakhstan Kassym-Jomart Tokayev', and whether sure."""
    heading = heading.rstrip(",;")
    if ", " in heading:
        before, after = heading.split(", ", 1)
        tokens = [t for t in before.split() if t.lower() not in HONORIFICS]
        if 2 <= len(tokens) <= 3 and all(
            _is_capitalised(t) and not _is_title_word(t) for t in tokens
        ):
            return after.strip(), " ".join(tokens), True
    tokens = heading.split()
    start = len(tokens)
    while start > 0:
        token = tokens[start - 1]
        if _is_capitalised(token):
            start -= 1
        elif token in PARTICLES and start - 1 > 0 and start < len(tokens):
            # "María de la Luz …": skip particles back to the capitalised word before them.
            back = start - 1
            while back > 0 and tokens[back - 1] in PARTICLES:
                back -= 1
            if back == 0 or not _is_capitalised(tokens[back - 1]):
                break
            start = back
        else:
            break
    if 0 < start < len(tokens) and tokens[start - 1].lower() in CONNECTORS:
        start += 1  # "President of Kazakhstan ...": the word after "of" is the title's
    while start < len(tokens) and (
        _is_title_word(tokens[start])
        or tokens[start].lower() in HONORIFICS
        or (tokens[start].lower() in CONNECTORS and start > 0)
    ):
        start += 1
    title, name = " ".join(tokens[:start]), " ".join(tokens[start:])
    if all(t.lower().rstrip(".") in HONORIFICS or t.lower() in CONNECTORS for t in tokens[:start]):
        title = ""  # "Mr Yerzhan Ashikbayev", "General de División …": no office named
    if name and not _is_name(name):
        title, name = heading if _is_title_line(heading) else title, ""
    return title, name, len(tokens) - start == 2


def _is_name(text: str) -> bool:
    """Two to six capitalised words, none of an office or an address: a person's name."""
    tokens = text.split()
    if not 2 <= len(tokens) <= 6 or any(c.isdigit() for c in text):
        return False
    for token in tokens:
        bare = token.lower().rstrip(",.")
        if bare in ADDRESS_WORDS or _is_title_word(token):
            return False
        if not _is_capitalised(token) and token not in PARTICLES:
            return False
    letters = [c for c in text if c.isalpha()]
    return not all(c.isupper() for c in letters) or len(tokens) <= 4


def _is_title_line(line: str) -> bool:
    return any(_is_title_word(token) for token in line.split()) and not any(
        c.isdigit() for c in line
    )


def _readable(title: str) -> str:
    """The office alone ('Monsieur le Ministre de la Justice' → 'Ministre de la Justice'),
    and an ALL-CAPS office ('GENERALSTAATSANWALT') as running text writes it."""
    tokens = title.split()
    while len(tokens) > 1 and (
        tokens[0].lower() in HONORIFICS or tokens[0].lower() in {"le", "la", "el", "der", "die"}
    ):
        tokens = tokens[1:]
    title = " ".join(tokens)
    if any(c.islower() for c in title):
        return title
    parts = title.lower().split()
    return " ".join(
        part if part in CONNECTORS and i else part[:1].upper() + part[1:]
        for i, part in enumerate(parts)
    )


def official_id(title: str, taken: set[str]) -> str:
    """A short id from the title ('president', 'minister-justice'), unique in the case."""
    plain = unicodedata.normalize("NFKD", title.lower()).encode("ascii", "ignore").decode()
    found = re.findall(r"[a-z]+|\d+", plain)
    ascii_words = [w for w in found if w.isascii() and w not in CONNECTORS]
    candidates = [ascii_words[0][:16]] if ascii_words else ["official"]
    if len(ascii_words) > 1:
        candidates.append(f"{ascii_words[0]}-{ascii_words[-1]}"[:16].rstrip("-"))
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    number = 2
    while f"{candidates[0][:13]}-{number}" in taken:
        number += 1
    return f"{candidates[0][:13]}-{number}"


# -- blocks ---------------------------------------------------------------------------------


def blocks(region: list[str]) -> list[list[str]]:
    """The region's candidate blocks, noise left out, contact lines kept with their block."""
    filled = [line for line in region if line]
    # Word and web pages give an address one line per paragraph: blank lines mean nothing.
    spaced = len(filled) >= 3 and all(
        not (region[i] and region[i + 1]) for i in range(len(region) - 1)
    )
    found: list[list[str]] = []
    current: list[str] = []
    after_contact = False
    for line in region:
        if not line:
            if not spaced and current:
                found.append(current)
                current, after_contact = [], False
            continue
        if _is_noise(line):
            if current:
                found.append(current)
                current, after_contact = [], False
            continue
        contact = contact_key(line) is not None
        if current and after_contact and not contact:
            found.append(current)
            current = []
        current.append(line)
        after_contact = contact
    if current:
        found.append(current)
    merged: list[list[str]] = []
    for block in found:
        heading = [line for line in block if contact_key(line) is None]
        previous = merged[-1] if merged else []
        lone = len(previous) == 1 and contact_key(previous[0]) is None
        if merged and (
            not heading or lone or (not _has_heading(heading) and not _closed(previous))
        ):
            # Contact lines cut off by a blank line, address lines without a heading of their
            # own, or a lone name line: each belongs to the block above.
            merged[-1] += block
        else:
            merged.append(block)
    return merged


def _closed(block: list[str]) -> bool:
    key = contact_key(block[-1])
    return key is not None and key[0] == "sal"


def _has_heading(lines: list[str]) -> bool:
    """Whether a block starts with a name or a title (its first or second line)."""
    for line in lines[:2]:
        if re.search(r"\S: \S", line):
            continue  # "Honduras: Defensores del agua …" is a document's title, not an office
        _, name, _ = split_heading(line)
        if name or _is_title_line(line) or _is_name(line):
            return True
    return False


def is_official(block: list[str]) -> bool:
    """A heading (title or name) followed by address lines or contact lines."""
    heading = [line for line in block if contact_key(line) is None]
    contacts = len(block) - len(heading)
    if not heading or not _has_heading(heading):
        return False
    return len(heading) >= 2 or contacts >= 1


@dataclass
class _Heading:
    title: str
    name: str
    sure: bool


def _heading(lines: list[str]) -> _Heading:
    """Title and name from the first lines: one line ('Ambassador X'), or title and name lines."""
    first = lines[0].rstrip(",;")
    title, name, sure = split_heading(first)
    if name:
        second = lines[1] if len(lines) > 1 else ""
        if not title and _is_title_line(second) and not INSTITUTION.match(second):
            return _Heading(_readable(lines[1].rstrip(",;")), name, True)
        return _Heading(_readable(title), name, sure)
    if _is_title_line(first) and len(lines) > 1:
        _, second_name, _ = split_heading(lines[1].rstrip(",;"))
        if second_name:
            return _Heading(_readable(first), second_name, True)
    return _Heading(_readable(title or (first if _is_title_line(first) else "")), "", False)


def parse_official(block: list[str], taken: set[str], warnings: list[str]) -> ParsedOfficial:
    """An official from their block: heading lines, address lines, then contact lines."""
    plain = [line.rstrip(",") for line in block if contact_key(line) is None]
    heading = _heading(plain)
    official = ParsedOfficial(
        id=official_id(heading.title, taken),
        heading=block[0].rstrip(","),
        title=heading.title,
        name=heading.name,
    )
    where = f"officials.{official.id}"
    if not heading.name:
        warnings.append(
            f"{where}: no name found in {official.heading!r}; fill in name.en in case.yaml"
        )
    elif not heading.title:
        warnings.append(
            f"{where}: no title found in {official.heading!r}; fill in title.en in case.yaml"
        )
    elif not heading.sure:
        warnings.append(
            f"{where}: unsure where the title ends in {official.heading!r}: read title "
            f"{heading.title!r} and name {heading.name!r}; check title.en and name.en in case.yaml"
        )
    in_keys = False
    for line in block:
        contact = contact_key(line)
        match = _KEY_LINE.match(line)
        if contact is not None:
            in_keys = True
            _read_channel(official, contact[0], contact[1], warnings)
        elif line.rstrip(",") in plain[:1]:
            continue
        elif match is not None and len(match["key"].split()) <= 2 and not _URL.match(line):
            warnings.append(
                f"{where}: unrecognised line {line!r}; ignored (add it by hand if it belongs "
                "to the address)"
            )
        elif in_keys:
            warnings.append(f"{where}: line {line!r} after the contact details; ignored")
    address = [line for line in plain[1:] if not _KEY_LINE.match(line)]
    official.address = [plain[0], *address] if address else []
    if not address:
        warnings.append(f"{where}: no postal address; the bot will not offer a letter by post")
    if official.email is None:
        web = f" (it gives a web form: {official.web_form})" if official.web_form else ""
        warnings.append(
            f"{where}: no email address{web}; the bot will not offer email to this official"
        )
    elif official.web_form:
        warnings.append(
            f"{where}: the web form {official.web_form} is not a channel the bot offers; ignored"
        )
    return official


def parse_copy(block: list[str]) -> ParsedCopy:
    """A copy recipient: their lines as printed, and their email, fax and phone."""
    plain = [line.rstrip(",") for line in block if contact_key(line) is None]
    copy = ParsedCopy(name=plain[0] if plain else "", address=plain[1:])
    for line in block:
        contact = contact_key(line)
        if contact is None:
            continue
        key, value = contact
        if key == "email":
            emails = [e for e in re.split(r"[;,\s]+", value) if EMAIL_PATTERN.match(e.rstrip("."))]
            copy.email = emails[0].rstrip(".") if emails else None
        elif key == "fax":
            copy.fax = value or None
        elif key == "phone":
            copy.phone = value or None
    return copy


# -- channels -------------------------------------------------------------------------------


def _handles(value: str, where: str, warnings: list[str]) -> list[str]:
    handles = []
    for item in re.split(r"[;,\s]+", value):
        if not item or item.lower() in {"and", "or", "y", "et", "und"}:
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


def split_salutation(value: str) -> dict[str, str]:
    """'Dear Minister/Estimado Señor Secretario' → {'en': 'Dear Minister', 'es': '…'}."""
    value = value.strip().rstrip(",!:;. ")
    parts = [part.strip().rstrip(",!:;. ") for part in re.split(r"\s*/\s*|\s+//\s+", value)]
    languages = [is_salutation(part) for part in parts]
    if len(parts) > 1 and all(languages) and len(set(languages)) == len(parts):
        return {code: part for code, part in zip(languages, parts, strict=True) if code}
    code = is_salutation(value) or "en"
    return {code: value}


def _read_channel(official: ParsedOfficial, key: str, value: str, warnings: list[str]) -> None:
    """Store one contact line of an official's block."""
    where = f"officials.{official.id}"
    if key == "email":
        items = [e.rstrip(".") for e in re.split(r"[;,\s]+", value) if e]
        for item in items:
            if EMAIL_PATTERN.match(item):
                if official.email is None:
                    official.email = item
                elif item not in official.emails:
                    official.more_emails.append(item)
            elif _URL.match(item) or item.startswith("http"):
                official.web_form = official.web_form or item
            elif item.lower() not in {"and", "or", "y", "et", "und", "и"}:
                warnings.append(f"{where}: {item!r} is not an email address; ignored")
    elif key == "web":
        official.web_form = value.split()[0] if value else None
    elif key == "twitter":
        official.twitter += _handles(value, where, warnings)
    elif key == "facebook":
        official.facebook = _facebook(value, where, warnings)
    elif key == "sal":
        official.salutations |= split_salutation(value)
    elif key == "instagram":
        warnings.append(f"{where}: Instagram is not a channel the bot offers; ignored")
    elif key == "fax":
        official.fax = value or None
    else:
        official.phone = value or None


# -- salutations from the letter ------------------------------------------------------------


def _addressees(salutation: str) -> set[str]:
    """The words that say whom 'Dear Mr President' is for: {'president'}."""
    found = _WORD.findall(salutation.lower())
    return {w for w in found[1:] if w not in HONORIFICS and w not in {"and", "or", "the"}}


def apply_salutations(
    officials: list[ParsedOfficial],
    opening: str | None,
    letter_language: str | None,
    warnings: list[str],
) -> None:
    """Each official's salutation in the letter's language: their own line, else the letter's.

    The letter's opening is used only when it is theirs ("Dear Mr President" is not for the
    Prosecutor General); otherwise the field is left empty and named.
    """
    language = letter_language or "en"
    for official in officials:
        own = official.salutations.get(language)
        if own is None and official.salutations and language == "en" and opening is None:
            own = next(iter(official.salutations.values()))
        if own:
            official.salutation = own
            continue
        if opening:
            wanted = _addressees(opening)
            theirs = set(_WORD.findall(official.heading.lower())) | set(
                _WORD.findall(official.title.lower())
            )
            if not wanted or wanted & theirs or _stems(wanted) & _stems(theirs):
                official.salutation = opening
                official.salutations.setdefault(language, opening)
                continue
        if official.salutations:
            continue  # a salutation in another language than the letter's: kept, not invented
        letter = f"the letter's {opening!r} is not for them" if opening else "there is no letter"
        warnings.append(
            f"officials.{official.id}: no 'Salutation:' line and {letter}; fill in "
            "salutation.en in case.yaml (for example 'Dear Minister')"
        )


def _stems(found: set[str]) -> set[str]:
    """Word stems, so 'Generalstaatsanwalt' in a heading answers 'Herr Generalstaatsanwalt'."""
    return {word[:6] for word in found if len(word) >= 6}
