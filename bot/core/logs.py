"""Logging set-up: the bot token (and any other secret) must never reach a log line.

Secrets are removed from the finished text of each log line, traceback included: a filter on
the record sees only the message, while a traceback is formatted later and can quote a URL
that carries the token (HTTP libraries put it in their error messages).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import IO
from urllib.parse import quote

REDACTED = "[redacted]"


class Redactor:
    """Replaces every known secret in a text, also as it appears percent-encoded in a URL."""

    def __init__(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            forms |= {secret, quote(secret, safe=""), quote(secret)}
            # A bot token is "<bot id>:<secret part>"; the secret part alone is the secret.
            _, _, tail = secret.partition(":")
            if len(tail) >= 16:
                forms.add(tail)
        # Longest first, so that a part never hides the whole.
        self._forms = sorted(forms, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, REDACTED)
        return text


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


class RedactingFormatter(logging.Formatter):
    """Formats with `inner`, then removes every secret from the finished text."""

    def __init__(self, inner: logging.Formatter, redact: Redactor) -> None:
        super().__init__()
        self._inner = inner
        self._redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self._redact(self._inner.format(record))


def log_handler(
    secrets: Iterable[str], *, as_json: bool = False, stream: IO[str] | None = None
) -> logging.Handler:
    """A handler writing plain or JSON lines (stderr by default) with `secrets` redacted."""
    handler = logging.StreamHandler(stream)
    inner = (
        JsonFormatter()
        if as_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.setFormatter(RedactingFormatter(inner, Redactor(secrets)))
    return handler


def configure_logging(
    token: str,
    level: int = logging.INFO,
    *,
    as_json: bool = False,
    secrets: Iterable[str] = (),
) -> None:
    """Logs on stderr, plain or JSON, without the token or `secrets`; HTTP chatter from WARNING.

    Uncaught exceptions go through the same handler, so their tracebacks are redacted too.
    """
    logging.basicConfig(
        level=level, handlers=[log_handler([token, *secrets], as_json=as_json)], force=True
    )
    for noisy in ("httpx", "httpcore", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # python-telegram-bot logs every call's parameters (chat ids, texts) at DEBUG.
    logging.getLogger("telegram").setLevel(max(level, logging.INFO))
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    logging.getLogger("bot").critical("uncaught %s", kind.__name__, exc_info=(kind, error, trace))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)
