"""Plural forms by CLDR's rules (through Babel): one helper for every number the bot shows.

English has two forms for whole numbers (one, other), Russian three (one: 1, 21, 101; few:
2–4, 22–24; many: 0, 5–20, 25–30, 11–14), Arabic six. A string names each form it needs by
CLDR's category, `{{ n | plural(one="day", other="days") }}`, so a sentence reads the same
way in any language and the start-up check can tell which form a string lacks.
"""

from __future__ import annotations

from functools import cache

from babel import Locale

#: Whole numbers sampled to learn which categories a language uses for counts: the rules
#: repeat every 100 (Russian), 1,000,000 only matters for French "many" of round millions.
_SAMPLE = (*range(0, 1000), 1_000_000)


class PluralError(ValueError):
    """A plural form a count needs is missing from a string."""


@cache
def _rules(lang: str) -> Locale:
    return Locale.parse(lang)


def category(count: int, lang: str) -> str:
    """CLDR's plural category of a whole number in a language: 'one', 'few', 'many', 'other'."""
    return str(_rules(lang).plural_form(abs(count)))


@cache
def categories(lang: str) -> frozenset[str]:
    """Every category whole numbers take in the language: what a count's forms must cover."""
    return frozenset(category(n, lang) for n in _SAMPLE)


def plural(count: object, lang: str, **forms: str) -> str:
    """The form of a word (or phrase) that agrees with `count`, by CLDR's rules.

    `forms` are keyed by category: English one/other, Russian one/few/many. A missing form
    raises PluralError naming it, so a string that would print the wrong word fails the check.
    """
    number = int(count)  # type: ignore[call-overload]  # any count a template hands over
    wanted = category(number, lang)
    if wanted in forms:
        return forms[wanted]
    raise PluralError(
        f"plural: no {wanted!r} form for {number} (the forms {lang} needs for counts are "
        f"{', '.join(sorted(categories(lang)))})"
    )


def counted(count: int, lang: str, **forms: str) -> str:
    """A number and its word: '1 case', '5 cases', «21 акция», «5 акций»."""
    return f"{count} {plural(count, lang, **forms)}"
