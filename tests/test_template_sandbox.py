"""A careless or malicious content file cannot run code: templates render in Jinja's sandbox.

Each known way out of a plain Jinja environment is put into a case template and into an
interface string; `check` must refuse it, name the file, and nothing must have run (each
payload would create a marker file).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.checks.content import load_content
from bot.content.models import ContentError
from tests.harness import CONTENT

# `{mark}` becomes a shell command that creates the marker file.
ESCAPES = [
    '{% set _ = cycler.__init__.__globals__.os.system("{mark}") %}',
    '{{ joiner.__init__.__globals__.os.system("{mark}") }}',
    '{{ namespace.__init__.__globals__.os.system("{mark}") }}',
    '{{ lipsum.__globals__["os"].system("{mark}") }}',
    '{{ self._TemplateReference__context.cycler.__init__.__globals__.os.system("{mark}") }}',
    "{% for c in ''.__class__.__mro__[1].__subclasses__() %}"
    '{% if c.__name__ == "catch_warnings" %}'
    '{{ c()._module.__builtins__["__import__"]("os").system("{mark}") }}'
    "{% endif %}{% endfor %}",
    '{{ (person|attr("__class__")).__mro__[1].__subclasses__() }}',
    "{{ '{0.__class__.__init__.__globals__}'.format(cycler) }}",
    # Spelled at render time, so that only the sandbox itself can stop it.
    '{{ (cycler|attr("_" ~ "_init_" ~ "_")|attr("_" ~ "_globals_" ~ "_"))["os"]'
    '.system("{mark}") }}',
]


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def payload(escape: str, marker: Path) -> str:
    return escape.replace("{mark}", f"touch {marker}")


@pytest.mark.parametrize("escape", ESCAPES)
def test_a_letter_template_cannot_reach_python(
    content_copy: Path, tmp_path: Path, escape: str
) -> None:
    marker = tmp_path / "escaped"
    letter = content_copy / "cases" / "ua-31-22" / "templates" / "letter.en.j2"
    letter.write_text(payload(escape, marker) + letter.read_text(encoding="utf-8"), "utf-8")
    content = load_content(content_copy)
    assert not marker.exists()
    # The case is set aside as broken (the bot serves the others), its file named.
    assert "ua-31-22" not in content.cases
    [problem] = content.broken["ua-31-22"]
    assert f"{letter}:" in problem and "Python internals" in problem


@pytest.mark.parametrize("escape", ESCAPES)
def test_an_interface_string_cannot_reach_python(
    content_copy: Path, tmp_path: Path, escape: str
) -> None:
    marker = tmp_path / "escaped"
    strings = content_copy / "strings" / "en.yaml"
    text = strings.read_text(encoding="utf-8")
    # A block scalar keeps the quotes of the payload as they are.
    line = '  forget_cancelled: "Nothing was deleted."'
    assert line in text
    escaped = "  forget_cancelled: |-\n    " + payload(escape, marker) + " Nothing was deleted."
    strings.write_text(text.replace(line, escaped), encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        load_content(content_copy)
    assert not marker.exists()
    [problem] = raised.value.problems
    assert "strings/en.yaml" in problem and "forget_cancelled" in problem
    assert "Python internals" in problem


def test_lists_handed_to_templates_cannot_be_changed(content_copy: Path) -> None:
    # The immutable sandbox: a template cannot alter what the bot passes in.
    tweet = content_copy / "cases" / "ua-31-22" / "templates" / "tweet.en.j2"
    tweet.write_text("{% set _ = [].append(1) %}{{ handles }}", encoding="utf-8")
    content = load_content(content_copy)
    assert f"{tweet}:" in " ".join(content.broken["ua-31-22"])
