"""Organizer commands, run as an organizer runs them: `python -m bot ...`, with no token."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
DOCUMENT = ROOT / "tests" / "data" / "UA-31.22-kazakhstan.txt"


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` with every BOT_* setting cleared: none of these needs a token."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("BOT_")}
    clean["PYTHONPATH"] = str(ROOT)
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def copy_content(tmp_path: Path, *, with_cases: bool = True) -> Path:
    target = tmp_path / "content"
    if with_cases:
        shutil.copytree(CONTENT, target)
    else:
        shutil.copytree(CONTENT / "strings", target / "strings")
        (target / "cases").mkdir()
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_check_passes_the_real_content_with_the_past_deadline_as_a_warning() -> None:
    result = run("check", cwd=ROOT)  # the default folder: ./content
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.startswith("error:")]
    [deadline] = [line for line in lines if "field 'deadline'" in line]
    assert deadline.startswith("warning: ") and "2022-05-12 is in the past" in deadline
    assert lines[-1].startswith("content OK: 1 case, ")
    assert "warning" in lines[-1]


def test_check_names_the_file_and_field_of_each_error(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    case = content / "cases" / "ua-31-22" / "case.yaml"
    edit(case, "email: udp@udp-rk.kz", "email: udp-at-udp-rk.kz")
    edit(case, "deadline: 2022-05-12", "deadline: next week")

    result = run("check", str(content), cwd=tmp_path)

    assert result.returncode == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert len(errors) == 2
    assert all(str(case) in line for line in errors)
    assert any("field 'officials.0.email'" in e and "udp-at-udp-rk.kz" in e for e in errors)
    assert any("field 'deadline'" in line for line in errors)
    assert result.stdout.splitlines()[-1].startswith(
        "2 errors, 0 warnings: 1 case left out (ua-31-22); the bot serves the other 0 cases"
    )


def test_check_rejects_a_link_that_would_not_open(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    case = content / "cases" / "ua-31-22" / "case.yaml"
    edit(case, "previous_ua: null", "previous_ua: www.amnesty.org/en/documents/eur57/5305/2022")

    # The folder comes from BOT_CONTENT_DIR when no folder is given, as for the bot itself.
    result = run("check", cwd=tmp_path, env={"BOT_CONTENT_DIR": str(content)})

    assert result.returncode == 1
    [error] = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert str(case) in error and "field 'previous_ua'" in error and "https://" in error
    assert result.stdout.splitlines()[-1].startswith("1 error, ")


def test_import_writes_the_case_and_says_what_is_left_to_do(tmp_path: Path) -> None:
    content = copy_content(tmp_path, with_cases=False)

    result = run("import", str(DOCUMENT), "--content", str(content), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    case_dir = content / "cases" / "ua-31-22"
    assert lines[0] == f"Imported case ua-31-22 into {case_dir}"
    assert (case_dir / "case.yaml").is_file()
    assert (case_dir / "templates" / "letter.en.j2").is_file()
    warnings = lines[1:-1]
    assert warnings and all(line.startswith("warning: ") for line in warnings)
    assert any("no ru letter" in line and "letter.ru.j2" in line for line in warnings)
    assert any("generated from the document's title" in line for line in warnings)
    assert lines[-1] == f"Next: fix the warnings above, then run: python -m bot check {content}"

    checked = run("check", str(content), cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout
    assert "warning: " in checked.stdout and "no ru translation" in checked.stdout
    assert checked.stdout.splitlines()[-1].startswith("content OK: 1 case, ")


def test_importing_twice_needs_overwrite(tmp_path: Path) -> None:
    content = copy_content(tmp_path, with_cases=False)
    first = run("import", str(DOCUMENT), "--content", str(content), cwd=tmp_path)
    assert first.returncode == 0, first.stderr

    again = run("import", str(DOCUMENT), "--content", str(content), cwd=tmp_path)

    assert again.returncode == 1
    assert again.stdout == ""
    assert again.stderr.startswith(f"error: {content / 'cases' / 'ua-31-22'} already exists")
    assert "--overwrite" in again.stderr
    replaced = run("import", str(DOCUMENT), "--content", str(content), "--overwrite", cwd=tmp_path)
    assert replaced.returncode == 0, replaced.stderr


def test_import_of_an_unreadable_document_is_one_clear_error(tmp_path: Path) -> None:
    document = tmp_path / "ua.pdf"
    document.write_bytes(b"%PDF-1.4")

    result = run("import", str(document), "--content", str(tmp_path / "content"), cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {document}: not a readable PDF: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("command", "mentions"),
    [
        ([], ["import", "check", "preview", "run", "genkey"]),
        (["run"], ["BOT_TOKEN"]),
        (["import"], ["FILE", "--content", "--id", "--overwrite", "BOT_CONTENT_DIR"]),
        (["check"], ["DIR", "warnings"]),
        (["preview"], ["--as-of", "--lang", "--content", "/quit"]),
        (["genkey"], ["BOT_SECRET_KEY"]),
    ],
)
def test_help_explains_each_command(
    capsys: pytest.CaptureFixture[str], command: list[str], mentions: list[str]
) -> None:
    # In this process: argparse's --help is the same with or without interpreter start-up.
    from bot.cli import main

    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m bot")
    for word in mentions:
        assert word in out


def test_running_the_bot_still_needs_a_token(tmp_path: Path) -> None:
    for args in ([], ["run"]):
        result = run(*args, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stderr.startswith("error: setting BOT_")
        assert "required but not set" in result.stderr
        assert len(result.stderr.splitlines()) == 1


def test_genkey_prints_a_secret_the_settings_accept(tmp_path: Path) -> None:
    first, second = run("genkey", cwd=tmp_path), run("genkey", cwd=tmp_path)
    assert first.returncode == 0 and first.stderr == ""
    [key] = first.stdout.splitlines()
    assert len(key) >= 32 and key != second.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]+", key)  # safe unquoted in a .env file
    settings = Settings.model_validate({"token": "1:x", "secret_key": key})
    assert settings.secret_key.get_secret_value() == key
