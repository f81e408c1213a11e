"""The running bot loads none of the test tools; the layering itself is `lint-imports`'s job."""

from __future__ import annotations

import subprocess
import sys

from tests.harness import ROOT


def test_the_running_bot_never_imports_the_fake_bot_api() -> None:
    # What `python -m bot` imports to run (cli, runner, app), in a fresh interpreter.
    script = (
        "import sys, bot.cli, bot.runner, bot.app\n"
        "print(sorted(m for m in sys.modules if 'fake' in m))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_preview_does_use_the_fake_bot_api() -> None:
    # The same probe would pass vacuously if the module names changed: prove it can see one.
    script = "import sys, bot.preview\nprint(sorted(m for m in sys.modules if 'fake' in m))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert "faketelegram" in result.stdout
