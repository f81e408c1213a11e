"""Names and titles as sentences need them: the nominative, and the other grammatical cases.

Russian declines names: «Поддержите Жанболата Мамая», «в поддержку Жанболата Мамая»,
«передайте Послу ... Ержану Ашикбаеву». The forms come from the content (`declension:` on the
person and on each official). A `Name` is the nominative string itself, so `{{ person }}`
works everywhere; `{{ person.gen }}` is the genitive, or None where the content has none,
and interface strings then choose a wording in which the nominative is correct.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.content.models import DEFAULT_LANG, GRAMMATICAL_CASES, Case, Declension, Official


class MissingForm(ValueError):
    """A template asked for a grammatical case the content does not give."""


class Name(str):
    """A name or title: the string is its nominative; `.gen`, `.dat`, `.acc`, `.ins`, `.pre`
    are the other cases (None when the content gives none, or an error in a case template,
    where `field` names what to add)."""

    _cases: Mapping[str, str]
    _field: str | None

    def __new__(
        cls, nominative: str, cases: Declension | None = None, *, field: str | None = None
    ) -> Name:
        name = super().__new__(cls, nominative)
        name._cases = cases.model_dump() if cases is not None else {}
        name._field = field
        return name

    def __getattr__(self, attribute: str) -> str | None:
        if attribute not in GRAMMATICAL_CASES:
            raise AttributeError(attribute)
        form = self._cases.get(attribute)
        if form is None and self._field is not None:
            raise MissingForm(
                f"{self._field}.{attribute} is not given; add it to case.yaml (the template "
                f"uses {{{{ ... .{attribute} }}}})"
            )
        return form

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        return (str, (str(self),))


def _local(texts: Mapping[str, str], lang: str) -> str:
    return texts.get(lang, texts[DEFAULT_LANG])


def person_name(case: Case, lang: str, *, strict: bool = False) -> Name:
    """The person's name in a language, with its cases where the content gives them."""
    field = f"person.declension.{lang}" if strict else None
    return Name(_local(case.person.name, lang), case.person.declension.get(lang), field=field)


def official_title(official: Official, lang: str, *, strict: bool = False) -> Name:
    """An official's title ('President of Kazakhstan') with its cases."""
    declension = official.declension.get(lang)
    field = f"officials.{official.id}.declension.{lang}.title" if strict else None
    return Name(
        _local(official.title, lang), declension.title if declension else None, field=field
    )


def official_name(official: Official, lang: str, *, strict: bool = False) -> Name:
    """An official's name ('Kassym-Jomart Tokayev') with its cases."""
    declension = official.declension.get(lang)
    field = f"officials.{official.id}.declension.{lang}.name" if strict else None
    return Name(_local(official.name, lang), declension.name if declension else None, field=field)
