"""Settings and start-up: one clear line and exit code 2 for a bad setting; no token in logs."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.cli import main
from bot.core.logs import log_handler
from bot.settings import Settings, describe_error
from tests.harness import ROOT

STRONG = "qZ3v-L9xR_t2Wm8cK4pY7nB1dF6hJ0sGe5aU"


def run_bot(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        env=clean | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "error: setting BOT_TOKEN is required but not set"),
        ({"BOT_TOKEN": "x"}, "error: setting BOT_SECRET_KEY is required but not set"),
        ({"BOT_TOKEN": "x", "BOT_SECRET_KEY": "short"}, "BOT_SECRET_KEY is invalid: Value error"),
        ({"BOT_TOKEN": "x", "BOT_ADMINS": "12,abc"}, "setting BOT_ADMINS is invalid"),
        ({"BOT_TOKEN": "x", "BOT_API_URL": "ftp://example"}, "setting BOT_API_URL is invalid"),
        (
            {"BOT_TOKEN": "x", "BOT_SECRET_KEY": STRONG, "BOT_WEBHOOK_URL": "https://a.org"},
            "BOT_WEBHOOK_SECRET is required with BOT_WEBHOOK_URL",
        ),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_code_2(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    result = run_bot(env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]
    assert "Traceback" not in result.stderr


def test_settings_come_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("BOT_ADMINS=oops\n", encoding="utf-8")
    result = run_bot({"BOT_TOKEN": "x", "BOT_SECRET_KEY": STRONG}, tmp_path)
    assert result.returncode == 2 and "BOT_ADMINS" in result.stderr


def test_broken_content_stops_start_up_naming_the_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "strings").mkdir(parents=True)
    result = run_bot(
        {
            "BOT_TOKEN": "123:abc",
            "BOT_SECRET_KEY": STRONG,
            "BOT_CONTENT_DIR": str(content),
            "BOT_API_URL": "http://127.0.0.1:9",
        },
        tmp_path,
    )
    assert result.returncode == 1
    assert "strings/en.yaml" in result.stderr and "Traceback" not in result.stderr


def test_the_token_is_redacted_from_log_lines() -> None:
    token = "123456:SECRET-token-part-0123456789"
    stream = io.StringIO()
    logger = logging.getLogger("test.redact")
    handler = log_handler([token], stream=stream)
    logger.addHandler(handler)
    try:
        logger.warning("POST https://api.telegram.org/bot%s/getMe", token)
    finally:
        logger.removeHandler(handler)
    assert token not in stream.getvalue()
    assert "bot[redacted]/getMe" in stream.getvalue()


def test_json_logs_are_one_object_per_line_without_the_token() -> None:
    token = "123456:SECRET-token-part-0123456789"
    stream = io.StringIO()
    logger = logging.getLogger("test.redact.json")
    handler = log_handler([token], as_json=True, stream=stream)
    logger.addHandler(handler)
    try:
        logger.warning("calling %s", f"bot{token}/getMe")
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "calling bot[redacted]/getMe" and line["level"] == "WARNING"


@pytest.mark.parametrize(
    "weak",
    [
        "k" * 32,
        "ab" * 20,
        "0123456789" * 4,
        "abcdefghijklmnopqrstuvwxyz012345",
        "password-password-password-password",
    ],
)
def test_an_obviously_weak_secret_key_is_refused(weak: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings.model_validate({"token": "1:x", "secret_key": weak})
    assert "python -m bot genkey" in describe_error(raised.value)
    assert weak not in describe_error(raised.value)


@pytest.mark.parametrize("secret", ["x", "a" * 31, "webhook-secret_0123456789", "é" * 40])
def test_a_short_or_strange_webhook_secret_is_refused(secret: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Settings.model_validate(
            {
                "token": "1:x",
                "secret_key": STRONG,
                "webhook_url": "https://bot.example.org/telegram",
                "webhook_secret": secret,
            }
        )
    message = describe_error(raised.value)
    assert "BOT_WEBHOOK_SECRET" in message and "32" in message and secret not in message


def test_genkey_makes_a_webhook_secret_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["genkey"]) == 0
    key = capsys.readouterr().out.strip()
    settings = Settings.model_validate(
        {
            "token": "1:x",
            "secret_key": STRONG,
            "webhook_url": "https://bot.example.org/telegram",
            "webhook_secret": key,
        }
    )
    assert settings.webhook_secret is not None


def test_the_secret_key_can_come_from_a_file(tmp_path: Path) -> None:
    # Docker and compose secrets: the key lives on another disk than the database.
    path = tmp_path / "bot_secret_key"
    path.write_text(STRONG + "\n", encoding="utf-8")
    settings = Settings.model_validate({"token": "1:x", "secret_key_file": str(path)})
    assert settings.secret_key.get_secret_value() == STRONG
    with pytest.raises(ValidationError) as missing:
        Settings.model_validate({"token": "x", "secret_key_file": str(tmp_path / "nope")})
    line = describe_error(missing.value)
    assert "BOT_SECRET_KEY_FILE" in line and "cannot be read" in line
    with pytest.raises(ValidationError) as both:
        Settings.model_validate({"token": "x", "secret_key": STRONG, "secret_key_file": str(path)})
    assert "not both" in describe_error(both.value) and STRONG not in describe_error(both.value)


def test_genkey_writes_the_key_into_a_private_env_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("BOT_TOKEN=123:abc\n", encoding="utf-8")
    dotenv.chmod(0o644)  # as `cp .env.example .env` leaves it
    assert main(["genkey", "--env-file", str(dotenv)]) == 0
    assert dotenv.stat().st_mode & 0o777 == 0o600
    lines = dotenv.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "BOT_TOKEN=123:abc" and lines[1].startswith("BOT_SECRET_KEY=")
    printed = capsys.readouterr()
    assert lines[1].removeprefix("BOT_SECRET_KEY=") not in printed.out + printed.err
    assert main(["genkey", "--env-file", str(dotenv)]) == 0  # a key already there is kept
    assert dotenv.read_text(encoding="utf-8").splitlines() == lines
    fresh = tmp_path / "fresh" / ".env"
    fresh.parent.mkdir()
    umask = os.umask(0o022)
    try:
        assert main(["genkey", "--env-file", str(fresh)]) == 0
    finally:
        os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o600


def test_a_weak_old_key_can_still_be_rotated_away_from() -> None:
    settings = Settings.model_validate(
        {"token": "1:x", "secret_key": STRONG, "secret_key_old": "k" * 32}
    )
    assert settings.secret_key_old is not None
