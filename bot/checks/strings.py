"""Each interface string on its own: does its HTML survive Telegram, whatever values it gets?

Values put into a message are escaped, so a message whose HTML Telegram refuses is broken by
its string, never by a case. Rendering each string with stand-in values finds that string and
names it (file and key) once, instead of blaming every case whose screens use it.
"""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2 import nodes

from bot.content.models import Content
from bot.content.plural import categories
from bot.content.render import environment, internals_failure
from bot.telegram.html import EntityParseError, parse_html


class _StandIn(jinja2.Undefined):
    """Any value: prints as a word, counts as 1, is true (so {% if %} branches are rendered)."""

    def __str__(self) -> str:
        return "x"

    def __html__(self) -> str:
        return "x"

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Any:
        return iter((_StandIn(), _StandIn()))  # two, so "for name, count in pairs" unpacks

    def __len__(self) -> int:
        return 2

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return _StandIn()


#: CLDR's plural categories.
_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})


def _one(*_: object) -> int:
    return 1


# Jinja's Undefined fails on arithmetic and comparisons; a stand-in number answers 1. Set
# after the class so they replace Undefined's failing methods without a typed override.
_NUMERIC = (
    "__int__", "__add__", "__sub__", "__mul__", "__floordiv__", "__truediv__", "__mod__",
    "__radd__", "__rsub__", "__rmul__", "__rmod__", "__lt__", "__le__", "__gt__", "__ge__",
    "__getitem__", "__call__",
)  # fmt: skip
for _name in _NUMERIC:
    setattr(_StandIn, _name, _one)


def string_problems(content: Content) -> list[str]:
    """Messages whose HTML Telegram would refuse, named by file and key."""
    problems = []
    for lang, table in content.strings.items():
        env = environment(autoescape=True, lang=lang, undefined=_StandIn)
        for key, source in table.messages.items():
            where = f"{content.directory / 'strings' / f'{lang}.yaml'}: messages.{key}"
            try:
                parse_html(env.from_string(source).render().strip())
            except jinja2.TemplateSyntaxError as error:
                problems.append(f"{where}: line {error.lineno} of the text: {error.message}")
            except EntityParseError as error:
                problems.append(f"{where}: Telegram would refuse this message's HTML: {error}")
            except Exception as error:  # stand-ins cannot fit every string; the screens are
                # rendered with real values next, and their failures are named too. But a
                # string the sandbox stopped is named now: no screen may ever render it.
                internals = internals_failure(error)
                if internals:
                    problems.append(f"{where}: {internals}")
        for key, source in table.buttons.items():
            try:
                env.parse(source)
            except jinja2.TemplateSyntaxError as error:
                where = f"{content.directory / 'strings' / f'{lang}.yaml'}: buttons.{key}"
                problems.append(f"{where}: line {error.lineno} of the text: {error.message}")
    return problems


def plural_problems(content: Content) -> list[str]:
    """Counts whose words lack a form CLDR's rules need in the string's language.

    Russian needs one, few and many (1 день, 2 дня, 5 дней); English one and other. A string
    missing a form would print the wrong word only for some numbers, so each `plural` is
    read here rather than waiting for the number that breaks it.
    """
    problems = []
    for lang, table in content.strings.items():
        env = environment(autoescape=False, lang=lang)
        needed = categories(lang)
        path = content.directory / "strings" / f"{lang}.yaml"
        for section in ("messages", "buttons"):
            for key, source in getattr(table, section).items():
                where = f"{path}: {section}.{key}"
                try:
                    tree = env.parse(source)
                except jinja2.TemplateSyntaxError:
                    continue  # reported with its line when the strings are compiled
                for node in tree.find_all(nodes.Filter):
                    if node.name != "plural":
                        continue
                    given = {str(keyword.key) for keyword in node.kwargs}
                    if node.args or not given:
                        problems.append(
                            f"{where}: plural takes its forms by CLDR category, like "
                            f"plural({', '.join(f'{c}=...' for c in sorted(needed))})"
                        )
                        continue
                    if needed - given:
                        missing = ", ".join(sorted(needed - given))
                        problems.append(
                            f"{where}: plural lacks the form(s) {missing}"
                            f" ({lang} counts need {', '.join(sorted(needed))})"
                        )
                    if given - _CATEGORIES:
                        problems.append(
                            f"{where}: plural: {', '.join(sorted(given - _CATEGORIES))} is not a"
                            f" CLDR category ({', '.join(sorted(_CATEGORIES))})"
                        )
    return problems
