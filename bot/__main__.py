"""`python -m bot`: run the bot with long polling."""

from __future__ import annotations

import logging
import sys

from bot.app import build_application
from bot.content import ContentError, load_content
from bot.logs import configure_logging
from bot.settings import load_settings

log = logging.getLogger("bot")


def main() -> int:
    """Check settings and content, then poll Telegram until stopped."""
    settings = load_settings()
    configure_logging(settings.token.get_secret_value())
    try:
        content = load_content(settings.content_dir)
    except ContentError as error:
        print("error: the content is not valid; the bot did not start:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    for warning in content.warnings:
        log.warning("content: %s", warning)
    application = build_application(settings, content)
    log.info("starting with %d case(s), long polling", len(content.cases))
    application.run_polling(allowed_updates=["message", "callback_query"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
