"""Every error is one line naming its file or setting, with the exit code the README states.

The findings of `../shared/reviews/new-user-2026-12.md` (D4, D5, D8, friction) as an
organizer meets them: `python -m bot check`, `/reload`, `python -m bot` with a bad setting.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.checks.content import load_content
from bot.content.models import ContentError
from faketelegram import FakeTelegram
from tests.conftest import ADMIN_ID
from tests.harness import CONTENT, ROOT, SECRET_KEY, TOKEN, BotUnderTest, MutableClock
from tests.test_cli import DOCUMENT, run

Output = tuple[int, str, str]


def cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
) -> Output:
    """`python -m bot ARGS` in this process (no interpreter start-up): code, stdout, stderr."""
    from bot.cli import main

    for name in [name for name in os.environ if name.startswith("BOT_")]:
        monkeypatch.delenv(name)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


CASE = Path("cases") / "ua-31-22"
TEMPLATES = CASE / "templates"


def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append_bytes(path: Path, data: bytes) -> None:
    path.write_bytes(path.read_bytes() + data)


def problems(content: Path) -> list[str]:
    """What the start-up check reports, whether the strings or a case is broken."""
    try:
        return load_content(content).problems
    except ContentError as error:
        return error.problems


# Each broken file, the file the one error line must name, and what it must say.
Breakage = Callable[[Path], None]
BROKEN: dict[str, tuple[Breakage, Path, str]] = {
    "TypeError in a template (D4)": (
        lambda c: replace_in(
            c / TEMPLATES / "call.en.j2",
            "{{ official_name }}",
            '{{ official_name | truncate("x") }}',
        ),
        TEMPLATES / "call.en.j2",
        "TypeError",
    ),
    "ZeroDivisionError in a template (D4)": (
        lambda c: replace_in(c / TEMPLATES / "call.en.j2", "Hello", "{{ 1 / 0 }}Hello"),
        TEMPLATES / "call.en.j2",
        "ZeroDivisionError",
    ),
    "a template that is not UTF-8 (D4)": (
        lambda c: append_bytes(c / TEMPLATES / "call.en.j2", b"\xff\xfe caf\xe9"),
        TEMPLATES / "call.en.j2",
        "not UTF-8",
    ),
    "a case file that is not UTF-8": (
        lambda c: append_bytes(c / CASE / "case.yaml", b"# caf\xe9\n"),
        CASE / "case.yaml",
        "not UTF-8",
    ),
    "a strings file that is not UTF-8": (
        lambda c: append_bytes(c / "strings" / "ru.yaml", b"# caf\xe9\n"),
        Path("strings") / "ru.yaml",
        "not UTF-8",
    ),
    "an unknown name in a letter (D5)": (
        lambda c: replace_in(
            c / TEMPLATES / "letter.en.j2", "{{ salutation }}", "{{ salutaton }}"
        ),
        TEMPLATES / "letter.en.j2",
        "'salutaton' is undefined",
    ),
    "an unknown name in an interface string (D5)": (
        lambda c: replace_in(
            c / "strings" / "en.yaml", "Please type your initials", "Please type your {{ totl }}"
        ),
        Path("strings") / "en.yaml",
        "messages.ask_initials: 'totl' is undefined",
    ),
    "a missing include (D5)": (
        lambda c: append_bytes(c / TEMPLATES / "letter.en.j2", b'{% include "nope.j2" %}'),
        TEMPLATES / "letter.en.j2",
        "nope.j2",
    ),
    "an unknown filter (D5)": (
        lambda c: replace_in(
            c / TEMPLATES / "tweet.en.j2", "{{ handles }}", "{{ handles | nah }}"
        ),
        TEMPLATES / "tweet.en.j2",
        "No filter named 'nah'",
    ),
    "broken HTML in an interface string (D5)": (
        lambda c: replace_in(c / "strings" / "en.yaml", "This bot helps you", "This <b>bot helps"),
        Path("strings") / "en.yaml",
        "messages.greeting: Telegram would refuse",
    ),
    "a syntax error in an interface string": (
        lambda c: replace_in(c / "strings" / "ru.yaml", "✍️ Напишите ваши инициалы", "{% if %}"),
        Path("strings") / "ru.yaml",
        "messages.ask_initials",
    ),
    "a missing plural form": (
        lambda c: replace_in(c / "strings" / "ru.yaml", 'few="дня", ', ""),
        Path("strings") / "ru.yaml",
        "plural lacks the form(s) few",
    ),
    "a Russian case the template asks for but the content lacks": (
        lambda c: (
            replace_in(
                c / TEMPLATES / "call.ru.j2",
                "{{ official_name.dat }}",
                "{{ official_name.ins }}{{ official_name.dat }}",
            )
            or replace_in(c / CASE / "case.yaml", "          ins: Ержаном Ашикбаевым\n", "")
        ),
        CASE / "case.yaml",
        "declension.ru.name",
    ),
}


@pytest.mark.parametrize("name", list(BROKEN))
def test_each_broken_file_is_one_line_naming_it(tmp_path: Path, name: str) -> None:
    break_it, culprit, says = BROKEN[name]
    content = content_copy(tmp_path)
    break_it(content)

    found = problems(content)

    assert len(found) == 1, found  # once, not once per case card, official or language
    [line] = found
    assert "\n" not in line and "Traceback" not in line
    assert str(content / culprit) in line or str(culprit) in line, line
    assert says in line, line
    assert "<unicode string>" not in line and "is missing" not in line and "missing (" not in line


def test_check_prints_the_same_one_line_and_exits_1(tmp_path: Path) -> None:
    """As an organizer runs it: `python -m bot check DIR`, no traceback, exit 1."""
    break_it, culprit, says = BROKEN["a template that is not UTF-8 (D4)"]
    content = content_copy(tmp_path)
    break_it(content)

    result = run("check", str(content), cwd=tmp_path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and result.stderr == ""
    [error] = [line for line in result.stdout.splitlines() if line.startswith("error: ")]
    assert str(content / culprit) in error and says in error


YAML_BREAKAGES = {
    # An unterminated quote: PyYAML only notices lines later, at a quote in a comment.
    "unterminated quote": ('ua_number: "31.22"', 'ua_number: "31.22', 'unclosed "'),
    "a tab": ("previous_ua: null", "\tprevious_ua: null", "tab"),
    "an unclosed bracket": ("languages: [ru, en]", "languages: [ru, en", "not closed"),
}


@pytest.mark.parametrize("name", list(YAML_BREAKAGES))
def test_a_yaml_error_names_file_and_line_in_one_line(tmp_path: Path, name: str) -> None:
    old, new, hint = YAML_BREAKAGES[name]
    content = content_copy(tmp_path)
    path = content / CASE / "case.yaml"
    replace_in(path, old, new)
    broken_line = path.read_text(encoding="utf-8").splitlines().index(new) + 1

    [line] = problems(content)

    assert line.startswith(f"{path}: line {broken_line}"), line
    assert "<unicode string>" not in line and "\n" not in line
    assert hint in line


async def test_reload_reports_the_same_lines_to_the_organizer(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    content = content_copy(tmp_path)
    pristine = content_copy(tmp_path / "pristine")
    bot = BotUnderTest(
        fake, tmp_path / "bot.sqlite3", load_content(content), MutableClock(), admins=[ADMIN_ID]
    )
    await bot.start()
    try:
        admin = bot.user(ADMIN_ID)
        for name in ("ZeroDivisionError in a template (D4)", "a strings file that is not UTF-8"):
            shutil.rmtree(content)
            shutil.copytree(pristine, content)
            BROKEN[name][0](content)
            expected = problems(content)

            [reply] = await admin.send("/reload")

            assert "Sorry, something went wrong" not in reply.text
            shown = [line[2:] for line in reply.text.splitlines() if line.startswith("• ")]
            assert shown == expected, name
    finally:
        await bot.stop()


def test_check_of_a_missing_folder_names_that_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no-such-content"
    env = {"BOT_CONTENT_DIR": "/elsewhere"}
    code, out, _ = cli(capsys, monkeypatch, "check", str(missing), cwd=tmp_path, env=env)
    assert code == 1
    assert out.splitlines() == [f"error: {missing}: no such folder"]


def test_import_into_an_empty_folder_leaves_content_that_check_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = tmp_path / "new-content"
    code, out, err = cli(
        capsys, monkeypatch, "import", str(DOCUMENT), "--content", str(fresh), cwd=tmp_path
    )
    assert code == 0, out + err
    assert f"Copied the interface strings from {CONTENT / 'strings'}" in out
    assert (fresh / "strings" / "en.yaml").is_file() and (fresh / "strings" / "ru.yaml").is_file()
    code, out, err = cli(capsys, monkeypatch, "check", str(fresh), cwd=tmp_path)
    assert code == 0, out
    assert out.splitlines()[-1].startswith("content OK: 1 case")


def test_the_readme_import_example_works_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("The quick way", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].split() for line in block.splitlines() if line.strip()]
    assert [c[:3] for c in commands] == [["python", "-m", "bot"]] * 3
    clone = tmp_path / "clone"  # the repository's root, as a fresh clone has it
    shutil.copytree(ROOT / "tests" / "data", clone / "tests" / "data")
    shutil.copytree(CONTENT, clone / "content")
    for command in commands:
        if command[3] == "preview":
            continue  # interactive; the preview has its own tests
        code, out, err = cli(capsys, monkeypatch, *command[3:], cwd=clone)
        assert code == 0, (command, out, err)


def test_a_bot_variable_that_is_not_a_setting_is_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("BOT_LISTEN_PROT=9000\n", encoding="utf-8")
    env = {"BOT_ADMIN": "123", "BOT_TOKN": "x"}
    code, _, err = cli(capsys, monkeypatch, "check", str(CONTENT), cwd=tmp_path, env=env)
    assert code == 0, err
    lines = err.splitlines()
    assert "warning: BOT_ADMIN is not a setting; did you mean BOT_ADMINS?" in lines
    assert "warning: BOT_TOKN is not a setting; did you mean BOT_TOKEN?" in lines
    assert (
        "warning: BOT_LISTEN_PROT (in .env) is not a setting; did you mean BOT_LISTEN_PORT?"
        in lines
    )
    assert "123" not in err and "9000" not in err  # values are never echoed: maybe secrets


# -- start-up failures of the running bot (D8) ----------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def run_bot(fake: FakeTelegram, tmp_path: Path, **settings: str) -> tuple[int, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    env.update(
        PYTHONPATH=str(ROOT),
        BOT_TOKEN=TOKEN,
        BOT_SECRET_KEY=SECRET_KEY,
        BOT_API_URL=fake.base_url,
        BOT_CONTENT_DIR=str(CONTENT),
        BOT_DATABASE=str(tmp_path / "bot.sqlite3"),
        BOT_LISTEN_PORT=str(free_port()),
    )
    env.update(settings)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "error" in line.lower()]


async def test_a_busy_listen_port_is_one_line_naming_the_setting(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, stderr = await run_bot(fake, tmp_path, BOT_LISTEN_PORT=str(port))
    assert code == 2, stderr
    assert "Traceback" not in stderr
    [line] = error_lines(stderr)
    assert line.startswith("error: ") and "BOT_LISTEN_PORT" in line and str(port) in line


async def test_an_unusable_database_path_is_one_line_naming_the_setting(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    code, stderr = await run_bot(fake, tmp_path, BOT_DATABASE="/proc/nope/db.sqlite3")
    assert code == 2, stderr
    assert "Traceback" not in stderr
    [line] = error_lines(stderr)
    assert line.startswith("error: ") and "BOT_DATABASE" in line and "/proc/nope" in line
