"""Reading `content/`: YAML validated into models, templates compiled; problems name their file.

Loading does not render anything: the start-up check (`bot.checks`) does that, above this layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import yaml
from pydantic import ValidationError

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


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError([f"{path}: not valid YAML: {error}"]) from None
    except ValueError as error:  # YAML that parses but holds an impossible date, e.g. 2022-13-40
        raise ContentError([f"{path}: invalid value: {error}"]) from None
    except OSError as error:
        raise ContentError([f"{path}: cannot be read: {error.strerror}"]) from None


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
        for section in ("commands", "messages", "buttons"):
            want, have = set(getattr(english, section)), set(getattr(table, section))
            for key in sorted(want - have):
                problems.append(f"{path}: field '{section}.{key}': missing; copy it from en.yaml")
            for key in sorted(have - want):
                problems.append(f"{path}: field '{section}.{key}': not in en.yaml; remove it")
    if problems:
        raise ContentError(problems)
    return strings


def case_environment(directory: Path) -> jinja2.Environment:
    """Jinja for letters: plain text (escaped when put into a message), strict about names."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        undefined=jinja2.StrictUndefined,
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
    templates: dict[tuple[str, Lang], jinja2.Template] = {}
    env = case_environment(directory / "templates")
    for kind in TEMPLATE_KINDS:
        for lang in LANGS:
            name = f"{kind}.{lang}.j2"
            if not (directory / "templates" / name).is_file():
                continue
            try:
                templates[(kind, lang)] = env.get_template(name)
            except jinja2.TemplateSyntaxError as error:
                problems.append(
                    f"{directory / 'templates' / name}: line {error.lineno}: {error.message}"
                )
    if not any(kind == "letter" for kind, _ in templates):
        problems.append(f"{directory / 'templates'}: no letter template (letter.<lang>.j2)")
    for lang in [lang for (kind, lang) in templates if kind == "letter"]:
        for other in TEMPLATE_KINDS:
            if (other, lang) not in templates:
                problems.append(
                    f"{directory / 'templates'}: {other}.{lang}.j2 is missing "
                    f"(the {lang} letter exists, so every {lang} template must)"
                )
    if problems:
        raise ContentError(problems)
    return CaseContent(case=case, directory=directory, templates=templates)


def read_content(directory: Path) -> Content:
    """Read and validate every content file; raise ContentError naming each problem found.

    Nothing is rendered here: `bot.checks.load_content` reads, then renders every screen.
    """
    if not directory.is_dir():
        raise ContentError([f"{directory}: content folder not found (setting BOT_CONTENT_DIR)"])
    strings = _load_strings(directory)
    cases: dict[str, CaseContent] = {}
    problems: list[str] = []
    for case_dir in sorted((directory / "cases").glob("*/")):
        try:
            loaded = _load_case(case_dir)
        except ContentError as error:
            problems += error.problems
            continue
        cases[loaded.case.id] = loaded
    if not cases and not problems:
        problems.append(f"{directory / 'cases'}: no case folders found")
    if problems:
        raise ContentError(problems)
    return Content(cases=cases, strings=strings, directory=directory)
