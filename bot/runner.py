"""Running the bot in production: long polling or a webhook, health and metrics, clean stops.

PTB's manual lifecycle (as in its `customwebhookbot` example) rather than `run_polling`, so
that one process serves the webhook, `/healthz` and `/metrics` on one port, and so that a stop
happens in an order that loses nothing:

1. stop taking updates (close the HTTP server; stop polling, which confirms the fetched
   updates to Telegram: they are all in the application's queue, and in the inbox, by then);
2. `Application.stop()`: handles every queued update and waits for the ones in flight;
3. `stop_services`: pauses broadcasts (they resume after a restart), closes the database;
4. `Application.shutdown()`.

SIGTERM (`docker stop`) and SIGINT (Ctrl-C) start that sequence; a second signal kills the
process at once (the database survives that too: see README, "Storage"), and the updates it
was handling are handled at the next start, from the inbox (`bot.telegram.inbox`), queued by
`start_services` before polling or the webhook takes new ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sqlite3
import sys
from functools import partial
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from telegram.error import InvalidToken

from bot.app import build_application, health, start_services, stop_services
from bot.content.models import Content
from bot.core.clock import Clock, system_clock
from bot.handlers.common import BotApplication
from bot.settings import Settings
from bot.telegram.inbox import UpdateInbox
from bot.telegram.processor import UpdateProcessor
from bot.telegram.request import AiohttpRequest
from bot.telegram.webhook import WebServer

__all__ = ["ALLOWED_UPDATES", "Runner", "run"]

log = logging.getLogger(__name__)

#: The updates the bot handles; anything else Telegram need not send.
ALLOWED_UPDATES: Final = ["message", "callback_query", "my_chat_member"]


class SettingError(Exception):
    """A setting the bot cannot start with (a busy port, a database path it cannot open).

    The message is one line naming the setting; the process exits with 2, as for any other
    invalid setting.
    """


def check_database(path: Path) -> None:
    """Raise SettingError unless an SQLite database can be created or opened at `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA schema_version").fetchone()
    except (OSError, sqlite3.Error) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise SettingError(f"setting BOT_DATABASE: cannot open {path}: {reason}") from None


class Runner:
    """One bot process: the application, its services and its HTTP server."""

    def __init__(
        self,
        settings: Settings,
        content: Content,
        clock: Clock = system_clock,
        *,
        port: int | None = None,
    ) -> None:
        self.settings = settings
        self.content = content
        self.clock = clock
        # None: BOT_LISTEN_PORT; tests pass 0 for a free port.
        self._port = settings.listen_port if port is None else port
        self._application: BotApplication | None = None
        self.server: WebServer | None = None
        self._initialized = False
        self._services_started = False
        self._stopped = False  # "stopped" is logged once, however often stop() runs

    @property
    def webhook(self) -> bool:
        """Whether Telegram pushes updates to us (BOT_WEBHOOK_URL set) instead of polling."""
        return self.settings.webhook_url is not None

    @property
    def application(self) -> BotApplication:
        """The application, built on first use (inside the event loop that will run it)."""
        if self._application is None:
            self._application = build_application(self.settings, self.content, self.clock)
        return self._application

    @property
    def port(self) -> int:
        """The port of the HTTP server."""
        assert self.server is not None, "the runner is not started"
        return self.server.port

    async def start(self) -> None:
        """Open everything and start taking updates; undoes what it did if a step fails."""
        app = self.application
        self._stopped = False
        if not isinstance(app.update_processor, UpdateProcessor):
            log.warning("the update processor is not wired: no de-duplication, no throttling")
        try:
            await app.initialize()  # getMe: fails here if the token or the network is wrong
            self._initialized = True
            await start_services(app)
            self._services_started = True
            await app.start()
            server = self._make_server(app)
            try:
                await server.start(self.settings.listen_host, self._port)
            except OSError as error:
                host, port = self.settings.listen_host, self._port
                raise SettingError(
                    f"settings BOT_LISTEN_HOST, BOT_LISTEN_PORT: cannot listen on {host}:{port}:"
                    f" {error.strerror or error}"
                ) from None
            self.server = server  # published only once it listens (and knows its port)
            if self.webhook:
                await self._set_webhook(app)
            else:
                assert app.updater is not None
                await app.updater.start_polling(
                    allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
                )
        except BaseException:
            await self.stop()
            raise
        mode = "webhook" if self.webhook else "long polling"
        log.info("started with %d case(s), %s", len(self.content.cases), mode)

    async def stop(self) -> None:
        """Stop taking updates, finish the ones taken, close services; safe to call twice."""
        app = self._application
        if app is None:
            return
        if self.server is not None:
            await self.server.stop()
            self.server = None
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()  # waits for the update queue and every update in flight
        if self._services_started:
            self._services_started = False
            await stop_services(app)
        if self._initialized:
            self._initialized = False
            await app.shutdown()
        # initialize() that failed at getMe (a wrong token) left the connection pools open.
        for request in app.bot_data.get("requests", ()):
            if isinstance(request, AiohttpRequest):
                await request.shutdown()  # idempotent
        if not self._stopped:
            self._stopped = True
            log.info("stopped")

    async def serve(self) -> int:
        """Run until SIGTERM or SIGINT, then stop gracefully; 0 on a clean stop."""
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        signals = (signal.SIGTERM, signal.SIGINT)

        def on_signal(signum: signal.Signals) -> None:
            log.info("%s received: finishing the updates in hand, then stopping", signum.name)
            stopping.set()
            for each in signals:  # a second signal gets the default: an immediate exit
                loop.remove_signal_handler(each)

        for each in signals:
            loop.add_signal_handler(each, on_signal, each)
        try:
            try:
                await self.start()
            except InvalidToken:
                # One line: python-telegram-bot's message quotes the token itself.
                log.error(
                    "Telegram did not accept BOT_TOKEN, or BOT_API_URL is not a Bot API server;"
                    " the bot did not start"
                )
                return 2
            except SettingError as error:
                print(f"error: {error}", file=sys.stderr)
                return 2
            except Exception as error:
                log.error("the bot could not start: %s", type(error).__name__, exc_info=error)
                return 1
            await stopping.wait()
        finally:
            for each in signals:
                loop.remove_signal_handler(each)
            await self.stop()
        return 0

    def _make_server(self, app: BotApplication) -> WebServer:
        if not self.webhook:
            return WebServer(app, partial(health, app))
        url = self.settings.webhook_url
        secret = self.settings.webhook_secret
        assert url is not None and secret is not None  # Settings require both together
        inbox = app.bot_data.get("inbox")
        return WebServer(
            app,
            partial(health, app),
            webhook_path=urlsplit(url).path or "/",
            secret=secret.get_secret_value(),
            keep=inbox.keep if isinstance(inbox, UpdateInbox) else None,
        )

    async def _set_webhook(self, app: BotApplication) -> None:
        url = self.settings.webhook_url
        secret = self.settings.webhook_secret
        assert url is not None and secret is not None
        # drop_pending_updates=False: updates that arrived while the bot was down still count.
        await app.bot.set_webhook(
            url,
            secret_token=secret.get_secret_value(),
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=False,
        )


def run(settings: Settings, content: Content) -> int:
    """`python -m bot`: run until stopped; the exit code for the process."""
    try:
        check_database(settings.database)
    except SettingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return asyncio.run(Runner(settings, content).serve())
