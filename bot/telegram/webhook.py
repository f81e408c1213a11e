"""The bot's own HTTP server: Telegram's webhook, `/healthz` and `/metrics`.

In webhook mode Telegram POSTs each update to the path of `BOT_WEBHOOK_URL` (behind a TLS
reverse proxy) with the secret in `X-Telegram-Bot-Api-Secret-Token`; the update is stored in
the inbox (`keep`), queued for the application and answered 200 at once, so a slow handler
never makes Telegram wait.  The 200 makes Telegram forget the update: it is stored first, so a
crash before it is handled does not lose it (`bot.telegram.inbox`); if it cannot be stored,
the answer is 503 and Telegram sends it again later.  In polling mode the same server answers
only `/healthz` (Docker's HEALTHCHECK) and `/metrics`.

`/healthz` and `/metrics` say nothing about supporters; still, the reverse proxy should forward
only the webhook path (see docs/deployment.md).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.core.metrics import Metrics, metrics

__all__ = ["MAX_BODY", "SECRET_HEADER", "WebServer"]

log = logging.getLogger(__name__)

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
#: Real updates are a few kilobytes; anything near this is not from Telegram.
MAX_BODY: Final = 1024 * 1024
_HEALTH_TIMEOUT: Final = 2.0
_METRICS_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"

#: What `/healthz` reports: healthy or not, and a few words per part (never personal data).
Health = Callable[[], Awaitable[tuple[bool, dict[str, str]]]]
#: Stores updates (decoded JSON) durably before they are acknowledged; raises if it cannot.
Keep = Callable[[Sequence[object]], Awaitable[None]]


class WebServer:
    """`/healthz`, `/metrics` and, given a path and a secret, Telegram's webhook."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        health: Health,
        *,
        webhook_path: str | None = None,
        secret: str | None = None,
        keep: Keep | None = None,
        registry: Metrics = metrics,
    ) -> None:
        if webhook_path is not None and not secret:
            raise ValueError("a webhook needs a secret token")
        self.application = application
        self.health = health
        self.webhook_path = webhook_path
        self._secret = (secret or "").encode()
        self._keep = keep
        self.metrics = registry
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The port listened on (useful after asking for port 0)."""
        if self._port is None:
            raise RuntimeError("the server is not started")
        return self._port

    async def start(self, host: str, port: int) -> None:
        """Listen on `host:port`; 0 picks a free port."""
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        if self.webhook_path is not None:
            app.router.add_post(self.webhook_path, self._webhook)
        # No access log: it would record every webhook call, and it is noise for health checks.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            sock.close()
            await runner.cleanup()
            raise
        await web.SockSite(runner, sock).start()
        self._runner = runner
        self._port = int(sock.getsockname()[1])
        log.info(
            "listening on %s:%d (%s)",
            host,
            self._port,
            "webhook, /healthz, /metrics" if self.webhook_path else "/healthz, /metrics",
        )

    async def stop(self) -> None:
        """Stop accepting requests; requests in progress finish (they only queue updates)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- handlers -------------------------------------------------------------------------

    async def _webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        # Constant time: the comparison must not tell an attacker how much of a guess is right.
        if not hmac.compare_digest(given, self._secret):
            self.metrics.webhook_refused.inc()
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            body = await request.read()  # aiohttp refuses more than client_max_size with 413
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not an update")
            update = Update.de_json(data, self.application.bot)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="too large")
        except Exception as error:  # whatever de_json finds wrong, the request is bad
            log.warning("webhook: unreadable update (%s)", type(error).__name__)
            return web.Response(status=400, text="bad update")
        if not self.application.running:
            # Shutting down: Telegram retries later, after the restart.
            return web.Response(status=503, text="stopping")
        if self._keep is not None:
            try:
                await self._keep([data])
            except Exception as error:  # not stored: Telegram must send it again
                log.warning("webhook: update not stored (%s)", type(error).__name__)
                return web.Response(status=503, text="not stored")
        await self.application.update_queue.put(update)
        return web.Response(status=200)

    async def _healthz(self, request: web.Request) -> web.Response:
        try:
            healthy, parts = await asyncio.wait_for(self.health(), _HEALTH_TIMEOUT)
        except Exception as error:  # a check that fails or hangs means: not healthy now
            log.warning("healthz: check failed (%s)", type(error).__name__)
            healthy, parts = False, {"check": type(error).__name__}
        return web.json_response(parts, status=200 if healthy else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await self.metrics.render()
        return web.Response(body=body.encode(), headers={"Content-Type": _METRICS_TYPE})
