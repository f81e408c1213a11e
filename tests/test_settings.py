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

from bot.core.logs import log_handler
from tests.harness import ROOT


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
            {"BOT_TOKEN": "x", "BOT_SECRET_KEY": "k" * 32, "BOT_WEBHOOK_URL": "https://a.org"},
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
    result = run_bot({"BOT_TOKEN": "x", "BOT_SECRET_KEY": "k" * 32}, tmp_path)
    assert result.returncode == 2 and "BOT_ADMINS" in result.stderr


def test_broken_content_stops_start_up_naming_the_file(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "strings").mkdir(parents=True)
    result = run_bot(
        {
            "BOT_TOKEN": "123:abc",
            "BOT_SECRET_KEY": "k" * 32,
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
