"""Turning content into text: interface strings, dates, letters, and the limits they must fit."""

from __future__ import annotations

import hashlib
import json
import re
import traceback
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, TypeVar

import jinja2
from babel.lists import format_list
from jinja2 import meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from bot.content.models import DEFAULT_LANG, CaseContent, Lang, Official, UiStrings
from bot.content.names import official_name, official_title, person_name
from bot.content.plural import plural
from bot.content.signature import Signature

#: How many rendered button labels `Texts` keeps.
LABEL_CACHE = 4096


class RenderFailure(Exception):
    """A template or string failed to render; the message names its file (and line, key)."""


#: How the sandbox refuses an attribute of Python's machinery, directly or through a name
#: built at render time (then the next attribute is "unknown").
_INTERNAL = re.compile(r"is unsafe|has no attribute '_")


def internals_failure(error: Exception) -> str | None:
    """What to say if the sandbox stopped a template reaching for Python's internals."""
    message = getattr(error, "message", None) or str(error)
    if isinstance(error, SecurityError) or (
        isinstance(error, jinja2.UndefinedError) and _INTERNAL.search(message)
    ):
        return f"reaches for Python internals, which templates may not use ({message})"
    return None


def _describe(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    internals = internals_failure(error)
    if internals:
        return internals
    return (
        f"{type(error).__name__}: {message}"
        if not isinstance(error, jinja2.TemplateError)
        else message
    )


def _template_line(error: BaseException, fallback: str) -> str:
    """Where in a template file an error happened: Jinja puts template frames in tracebacks."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith(".j2"):
            return f"{frame.filename}: line {frame.lineno}"
    return fallback


#: Attributes that lead from a value to Python's machinery without starting with "_".
_INTERNAL_ATTRIBUTES = frozenset(
    {"mro", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "f_globals"}
)


def sandboxed(
    *, undefined: type[jinja2.Undefined] = jinja2.StrictUndefined, **options: Any
) -> jinja2.Environment:
    """A Jinja environment for content: sandboxed, immutable, strict about unknown names.

    Content files are edited by organizers, and a template in a plain environment can run
    any Python (`cycler.__init__.__globals__.os`). In the sandbox, attributes that lead to
    Python's internals are refused and values passed in cannot be changed.
    """
    return ImmutableSandboxedEnvironment(undefined=undefined, **options)


def environment(
    *, autoescape: bool, lang: str, undefined: type[jinja2.Undefined] = jinja2.StrictUndefined
) -> jinja2.Environment:
    """Jinja for one language's interface strings: sandboxed, strict about names, with the
    bot's filters.

    `{{ n | plural(one="day", other="days") }}` picks the form CLDR's rules give `n` in this
    language (see `bot.content.plural`); `{{ names | and_list }}` joins names as the language
    does ("A, B and C", «А, Б и В»).
    """
    env = sandboxed(autoescape=autoescape, undefined=undefined)

    def plural_filter(count: object, **forms: str) -> str:
        return plural(count, lang, **forms)

    def and_list(items: Iterable[object], before: str = "") -> str:
        return format_list([f"{before}{item}" for item in items], locale=lang)

    env.filters["plural"] = plural_filter
    # "A, B and C" by CLDR's list patterns ("A, B и C" in Russian).
    env.filters["and_list"] = and_list
    return env


def internals_reached(env: jinja2.Environment, source: str) -> list[tuple[int, str]]:
    """(line, name) of each attribute a template names that belongs to Python, not content.

    Found without rendering, so a branch the start-up check never renders is refused too;
    names built at render time are left to the sandbox.
    """
    found = []
    for node in env.parse(source).find_all((nodes.Getattr, nodes.Getitem, nodes.Filter)):
        name: object = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            first = node.args[0]
            name = first.value if isinstance(first, nodes.Const) else None
        if isinstance(name, str) and (name.startswith("_") or name in _INTERNAL_ATTRIBUTES):
            found.append((node.lineno, name))
    return found


class Texts:
    """Interface strings compiled once; messages are HTML (autoescaped), buttons plain text."""

    def __init__(self, strings: Mapping[Lang, UiStrings]) -> None:
        """Compile every string; one that does not compile raises RenderFailure naming it."""
        html = {lang: environment(autoescape=True, lang=lang) for lang in strings}
        plain = {lang: environment(autoescape=False, lang=lang) for lang in strings}
        self._strings = strings
        self._messages = {
            (lang, key): _compile(html[lang], lang, "messages", key, text)
            for lang, table in strings.items()
            for key, text in table.messages.items()
        }
        self._buttons = {
            (lang, key): _compile(plain[lang], lang, "buttons", key, text)
            for lang, table in strings.items()
            for key, text in table.buttons.items()
        }
        self._labels: dict[tuple[object, ...], str] = {}
        #: (section, language, key) of every string rendered: the start-up check renders
        #: every screen, so a string it never rendered is one no screen uses.
        self.rendered: set[tuple[str, str, str]] = set()
        # Messages without variables are rendered once.
        self._constant: dict[tuple[Lang, str], str] = {}
        self._valueless: set[tuple[Lang, str]] = set()
        for (lang, key), template in self._messages.items():
            if meta.find_undeclared_variables(html[lang].parse(strings[lang].messages[key])):
                continue
            self._valueless.add((lang, key))
            try:
                self._constant[(lang, key)] = template.render().strip()
            except Exception:  # left to `message`, which names the string that failed
                continue

    def takes_no_values(self, lang: Lang, key: str) -> bool:
        """Whether a message is rendered without values (the check renders each once)."""
        return (lang, key) in self._valueless

    def message(self, lang: Lang, key: str, **context: Any) -> str:
        """An HTML message; every value passed in is escaped unless it is already Markup."""
        self.rendered.add(("messages", lang, key))
        constant = self._constant.get((lang, key))
        if constant is not None:
            return constant
        try:
            return self._messages[(lang, key)].render(context).strip()
        except Exception as error:  # named here: the caller cannot tell which string failed
            raise RenderFailure(
                f"strings/{lang}.yaml: messages.{key}: {_describe(error)}"
            ) from error

    def button(self, lang: Lang, key: str, **context: Any) -> str:
        """A button label (plain text: Telegram does not parse HTML in buttons).

        Labels are remembered: every screen renders several, always from the same few values
        (officials' names, counts), and a Jinja render costs more than the rest of a screen.
        Labels never hold what a supporter typed, so the memory holds no personal data.
        """
        try:
            cache_key = (lang, key, _frozen(context))
            return self._labels[cache_key]
        except TypeError:  # a value that cannot be a key: render every time
            return self._label(lang, key, context)
        except KeyError:
            pass
        label = self._label(lang, key, context)
        if len(self._labels) >= LABEL_CACHE:
            self._labels.clear()  # a plain bound: the working set is a few hundred labels
        self._labels[cache_key] = label
        return label

    def _label(self, lang: Lang, key: str, context: Mapping[str, Any]) -> str:
        self.rendered.add(("buttons", lang, key))
        try:
            return self._buttons[(lang, key)].render(context).strip()
        except Exception as error:  # named here: the caller cannot tell which string failed
            raise RenderFailure(
                f"strings/{lang}.yaml: buttons.{key}: {_describe(error)}"
            ) from error

    def commands(self, lang: Lang) -> dict[str, str]:
        """The command menu for setMyCommands in this language."""
        return dict(self._strings[lang].commands)

    def date(self, lang: Lang, day: date) -> str:
        """A date as people write it: '12 May 2022' (Russian adds the year mark)."""
        month = self._strings[lang].months[day.month - 1]
        return self.message(lang, "date", day=day.day, month=month, year=day.year)


def _compile(
    env: jinja2.Environment, lang: str, section: str, key: str, text: str
) -> jinja2.Template:
    try:
        return env.from_string(text)
    except jinja2.TemplateSyntaxError as error:
        raise RenderFailure(
            f"strings/{lang}.yaml: {section}.{key}: line {error.lineno} of the text: "
            f"{error.message}"
        ) from None


def _frozen(context: Mapping[str, Any]) -> tuple[tuple[str, type, Any], ...]:
    """Template values as a hashable key (raises TypeError for unhashable values)."""
    key = tuple(sorted((name, type(value), value) for name, value in context.items()))
    hash(key)
    return key


T = TypeVar("T")


def local(texts: Mapping[Any, T], lang: str) -> T:
    """The text in this language, falling back to English where a translation is missing."""
    return texts.get(lang, texts[DEFAULT_LANG])


def handles(official: Official) -> str:
    """The official's Twitter handles as they appear in a tweet."""
    return " ".join(f"@{handle}" for handle in official.twitter)


def render_template(
    case: CaseContent, kind: str, lang: str, official: Official, signature: Signature
) -> str:
    """Render a case template (letter, email subject, tweet, call script) as plain text.

    `lang` is the letter's language (any code); the loader made sure the official has a
    salutation in every language their letter is offered in.
    """
    template = case.templates[(kind, lang)]
    try:
        return template.render(
            salutation=official.salutation[lang],
            # Names with their grammatical cases: {{ official_title.dat }} in a Russian call
            # script; a case the content lacks fails the check, naming the field to add.
            official_name=official_name(official, lang, strict=True),
            official_title=official_title(official, lang, strict=True),
            person=person_name(case.case, lang, strict=True),
            handles=handles(official),
            signature=signature.text,
        ).strip()
    except Exception as error:  # a broken template must name its file, not the case
        where = _template_line(error, str(case.directory / "templates" / f"{kind}.{lang}.j2"))
        raise RenderFailure(f"{where}: {_describe(error)}") from error


def markup(html: str) -> Markup:
    """Mark an already-escaped HTML fragment as safe to embed in a message template."""
    return Markup(html)


#: Compiled interface strings, by their content (see `compiled_texts`).
_COMPILED: dict[str, Texts] = {}


def compiled_texts(strings: Mapping[Lang, UiStrings]) -> Texts:
    """Texts for these strings, compiled once per content: compiling takes most of a second,
    and a reload, a restart or a check of one case brings the same strings again."""
    dump = {lang: table.model_dump() for lang, table in strings.items()}
    key = hashlib.sha256(json.dumps(dump, sort_keys=True).encode()).hexdigest()
    texts = _COMPILED.get(key)
    if texts is None:
        if len(_COMPILED) >= 4:
            _COMPILED.clear()  # strings edited many times in one process: keep the latest
        texts = _COMPILED[key] = Texts(strings)
    return texts
