"""`python -m bot`: run the bot (no arguments), or an organizer command (see `--help`)."""

from __future__ import annotations

from bot.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
