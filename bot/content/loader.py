"""Reading `content/`: YAML validated into models, templates compiled; problems name their file.

Loading does not render anything: the start-up check (`bot.checks`) does that, above this layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import yaml
from pydantic import ValidationError

from bot.content.languages import is_language_code
from bot.content.models import (
    DEFAULT_LANG,
    LANGS,
    TEMPLATE_KINDS,
    Case,
    CaseContent,
    Content,
    ContentError,
    Lang,
    UiStrings,
)
from bot.content.render import internals_reached, sandboxed


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ContentError([not_utf8(path, error)]) from None
    except OSError as error:
        raise ContentError([f"{path}: cannot be read: {error.strerror}"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ContentError([f"{path}: {_yaml_problem(error, text)}"]) from None
    except ValueError as error:  # YAML that parses but holds an impossible date, e.g. 2022-13-40
        raise ContentError([f"{path}: invalid value: {error}"]) from None


def not_utf8(path: Path, error: UnicodeDecodeError) -> str:
    """One line for a file that is not UTF-8, with where the first bad byte is."""
    line = error.object[: error.start].count(b"\n") + 1
    return (
        f"{path}: line {line}: not UTF-8 (byte 0x{error.object[error.start]:02x}); save the file "
        "as UTF-8"
    )


def _yaml_problem(error: yaml.YAMLError, text: str) -> str:
    """PyYAML's error as one line: where it is (line, not "<unicode string>"), and what.

    PyYAML notices an unclosed quote or bracket only where the text stops making sense,
    often lines later; the line that opened it is the one to fix, so it comes first.
    """
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return f"not valid YAML: {error}"
    mark = error.problem_mark
    problem = (error.problem or "").replace("'\\t'", "a tab")
    if "a tab" in problem:
        problem += " (YAML indents with spaces only)"
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    context = error.context or ""
    opened = error.context_mark
    if opened is not None and ("quoted scalar" in context or "flow" in context):
        what = "quoted text" if "quoted" in context else "[ or {"
        return (
            f"line {opened.line + 1}: not valid YAML: the {what} opened here is not closed "
            f"(stopped at {where}: {problem})"
        )
    unclosed = _unclosed_quote(text, mark.line)
    if unclosed is not None:
        return (
            f'line {unclosed}: not valid YAML: an unclosed " here? (the parser stopped at '
            f"{where}: {problem})"
        )
    return f"{where}: not valid YAML: {problem}"


def _unclosed_quote(text: str, before: int) -> int | None:
    """The first line (1-based) before line `before` with an odd number of double quotes."""
    for number, line in enumerate(text.splitlines()[:before], start=1):
        code = line.strip()
        if code.startswith("#"):
            continue
        if (code.count('"') - code.count('\\"')) % 2 == 1:
            return number
    return None


def _validation_problems(path: Path, error: ValidationError) -> list[str]:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        problems.append(f"{path}: field '{where}': {item['msg']}")
    return problems


def _load_strings(directory: Path) -> dict[Lang, UiStrings]:
    strings: dict[Lang, UiStrings] = {}
    problems: list[str] = []
    for lang in LANGS:
        path = directory / "strings" / f"{lang}.yaml"
        try:
            strings[lang] = UiStrings.model_validate(_read_yaml(path))
        except ValidationError as error:
            problems += _validation_problems(path, error)
        except ContentError as error:
            problems += error.problems
    if problems:
        raise ContentError(problems)
    english = strings[DEFAULT_LANG]
    for lang, table in strings.items():
        path = directory / "strings" / f"{lang}.yaml"
        problems += _strings_internals(path, table)
        for section in ("commands", "messages", "buttons"):
            want, have = set(getattr(english, section)), set(getattr(table, section))
            for key in sorted(want - have):
                problems.append(f"{path}: field '{section}.{key}': missing; copy it from en.yaml")
            for key in sorted(have - want):
                problems.append(f"{path}: field '{section}.{key}': not in en.yaml; remove it")
    if problems:
        raise ContentError(problems)
    return strings


def _internals(env: jinja2.Environment, source: str) -> list[str]:
    """A problem for each attribute of Python's machinery the template reaches for."""
    found = sorted(internals_reached(env, source))
    if not found:
        return []
    names = ", ".join(dict.fromkeys(f"{name!r}" for _, name in found))
    return [
        f"line {found[0][0]}: {names} reach for Python internals; templates may use only "
        "the values the bot gives them"
    ]


def _strings_internals(path: Path, table: UiStrings) -> list[str]:
    """`_internals` for every message and button of one strings file."""
    env = sandboxed()
    problems = []
    for section in ("messages", "buttons"):
        for key, text in getattr(table, section).items():
            try:
                found = _internals(env, text)
            except jinja2.TemplateSyntaxError:
                continue  # reported where the strings are compiled
            problems += [f"{path}: field '{section}.{key}': {problem}" for problem in found]
    return problems


def case_environment(directory: Path) -> jinja2.Environment:
    """Jinja for letters: sandboxed, plain text (escaped when put into a message), strict."""
    return sandboxed(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=False,  # plain text; every view escapes the rendered letter as a whole
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _load_case(directory: Path) -> CaseContent:
    path = directory / "case.yaml"
    try:
        case = Case.model_validate(_read_yaml(path))
    except ValidationError as error:
        raise ContentError(_validation_problems(path, error)) from None
    problems: list[str] = []
    if case.id != directory.name:
        problems.append(f"{path}: field 'id': {case.id!r} must equal the folder name")
    ids = [official.id for official in case.officials]
    for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(f"{path}: field 'officials': id {duplicate!r} is used twice")
    templates: dict[tuple[str, str], jinja2.Template] = {}
    failed: set[tuple[str, str]] = set()  # files that exist but do not compile: not "missing"
    folder = directory / "templates"
    env = case_environment(folder)
    for file in sorted(folder.glob("*.j2")) if folder.is_dir() else []:
        kind, _, lang = file.name.removesuffix(".j2").rpartition(".")
        if kind not in TEMPLATE_KINDS or not is_language_code(lang):
            problems.append(
                f"{file}: not a template name the bot knows: <kind>.<language>.j2 with kind one"
                f" of {', '.join(TEMPLATE_KINDS)} and a language code such as en, ru, es"
            )
            continue
        try:
            templates[(kind, lang)] = env.get_template(file.name)
        except jinja2.TemplateSyntaxError as error:
            problems.append(f"{file}: line {error.lineno}: {error.message}")
            failed.add((kind, lang))
            continue
        except UnicodeDecodeError as error:
            problems.append(not_utf8(file, error))
            failed.add((kind, lang))
            continue
        source = file.read_text(encoding="utf-8")
        problems += [f"{file}: {problem}" for problem in _internals(env, source)]
    letters = sorted({lang for kind, lang in (*templates, *failed) if kind == "letter"})
    if not letters:
        problems.append(f"{folder}: no letter template (letter.<language>.j2)")
    for lang in letters:
        for other in TEMPLATE_KINDS:
            if (other, lang) not in templates and (other, lang) not in failed:
                problems.append(
                    f"{folder / f'{other}.{lang}.j2'}: missing (the {lang} letter exists, so"
                    f" every {lang} template must)"
                )
    loaded = CaseContent(case=case, directory=directory, templates=templates)
    for official in case.officials if letters else ():
        for lang in loaded.languages_for(official):
            if lang not in official.salutation:
                problems.append(
                    f"{path}: field 'officials.{official.id}.salutation': no {lang} salutation,"
                    f" but the {lang} letter is offered to this official"
                )
    if problems:
        raise ContentError(problems)
    return loaded


def case_folders(directory: Path, cases_dir: Path | None = None) -> list[Path]:
    """Every case folder, by name: `directory/cases/*`, then `cases_dir/*` overriding.

    Names starting with a dot are work in progress (a folder being written) and never read.
    """
    found: dict[str, Path] = {}
    for parent in (directory / "cases", cases_dir):
        if parent is None or not parent.is_dir():
            continue
        for case_dir in parent.iterdir():
            if case_dir.is_dir() and not case_dir.name.startswith("."):
                found[case_dir.name] = case_dir
    return [found[name] for name in sorted(found)]


def load_case(directory: Path) -> CaseContent:
    """One case folder, validated and its templates compiled; ContentError names problems."""
    return _load_case(directory)


def read_content(directory: Path, cases_dir: Path | None = None) -> Content:
    """Read and validate every content file; problems name their file and field.

    Broken interface strings raise ContentError: the bot cannot talk without them. A broken
    case is left out and listed in `Content.broken`, so the other cases keep working.
    Cases in `cases_dir` (made in Telegram) override those of `directory` with the same id.
    Nothing is rendered here: `bot.checks.load_content` reads, then renders every screen.
    """
    if not directory.is_dir():
        raise ContentError([f"{directory}: content folder not found"])
    strings = _load_strings(directory)
    cases: dict[str, CaseContent] = {}
    broken: dict[str, list[str]] = {}
    for case_dir in case_folders(directory, cases_dir):
        try:
            loaded = _load_case(case_dir)
        except ContentError as error:
            broken[case_dir.name] = error.problems
            continue
        cases[loaded.case.id] = loaded
    return Content(cases=cases, strings=strings, directory=directory, broken=broken)
