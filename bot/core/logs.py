"""Logging set-up: the bot token must never reach a log line."""

from __future__ import annotations

import json
import logging


class RedactToken(logging.Filter):
    """Replace the token wherever it appears (URLs of HTTP libraries carry it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self._token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self._token and self._token in message:
            record.msg = message.replace(self._token, "[token]")
            record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log collectors (BOT_LOG_JSON=true)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(token: str, level: int = logging.INFO, *, as_json: bool = False) -> None:
    """Logs on stderr, plain or JSON; HTTP client chatter (with URLs) only from WARNING up."""
    handler = logging.StreamHandler()
    formatter = (
        JsonFormatter()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.setFormatter(formatter)
    handler.addFilter(RedactToken(token))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # python-telegram-bot logs every call's parameters (chat ids, texts) at DEBUG.
    logging.getLogger("telegram").setLevel(max(level, logging.INFO))
