"""Links in content: what looks like a web address must be one a supporter can open."""

from __future__ import annotations

import re
from typing import Final

from bot.content.models import CaseContent, Content

_URL: Final = re.compile(
    r"^https?://[^\s/?#.]+(\.[^\s/?#.]+)*(:\d{1,5})?([/?#]\S*)?$", re.IGNORECASE
)
_LOOKS_LIKE_URL: Final = re.compile(r"^([a-z][a-z0-9+.-]*://|www\.)", re.IGNORECASE)
_HREF: Final = re.compile(r"""href\s*=\s*["']([^"']*)["']""", re.IGNORECASE)


def _url_problem(value: str) -> str | None:
    """Why `value` is not a link a supporter could open, or None if it is one."""
    if not _URL.match(value):
        return f"{value!r} is not a valid web address; write it as https://..."
    return None


def case_link_problems(item: CaseContent) -> list[str]:
    """Links of a case (`source`, `previous_ua`) that look like URLs but would not open."""
    problems = []
    path = item.directory / "case.yaml"
    for name in ("source", "previous_ua"):
        value = getattr(item.case, name)
        # Either may be a file name or a UA number; only what looks like a link is a link.
        for token in re.split(r"[\s,;]+", value or ""):
            problem = _url_problem(token) if _LOOKS_LIKE_URL.match(token) else None
            if problem:
                problems.append(f"{path}: field '{name}': {problem}")
    return problems


def string_link_problems(content: Content) -> list[str]:
    """Links in interface strings that would not open."""
    problems = []
    for lang, strings in content.strings.items():
        path = content.directory / "strings" / f"{lang}.yaml"
        for key, text in strings.messages.items():
            for url in _HREF.findall(text):
                problem = None if "{{" in url else _url_problem(url)
                if problem:
                    problems.append(f"{path}: field 'messages.{key}': link {problem}")
    return problems
