"""The bots the journey benchmark measures, each run in a child process of its own.

`python -m bench.journey --role journey|echo|echo-bare` starts one: the urgent-action bot on a
copy of the real content, or PTB's echo bot (bare, or on our transport).
"""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


TOKEN = "123456:BENCH-token"


SECRET_KEY = "xmGdfi0_fIrVt95A5ZuRrXtT5mMj8CI6rSrPQOPNVHw"  # as `python -m bot genkey` makes them


CASE = "ua-31-22"


def _future_content(workdir: Path) -> Path:
    """The real content with the case's deadline ahead (the real one has passed)."""
    target = workdir / "content"
    if not target.exists():
        shutil.copytree(ROOT / "content", target)
        case = target / "cases" / CASE / "case.yaml"
        deadline = date.today() + timedelta(days=60)
        case.write_text(re.sub(r"(?m)^deadline: .*$", f"deadline: {deadline}", case.read_text()))
    return target


async def _until_sigterm() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for each in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(each, stop.set)
    print("READY", flush=True)
    await stop.wait()


async def run_journey_bot(api: str, workdir: Path, port: int) -> None:
    from pydantic import SecretStr

    from bot.checks.content import load_content
    from bot.runner import Runner
    from bot.settings import Settings

    content_dir = _future_content(workdir)
    settings = Settings(
        token=SecretStr(TOKEN),
        secret_key=SecretStr(SECRET_KEY),
        api_url=api,
        database=workdir / "bot.sqlite3",
        content_dir=content_dir,
        listen_port=port,
    )
    runner = Runner(settings, load_content(content_dir))  # bot/app.py wires the processor
    await runner.start()
    try:
        await _until_sigterm()
    finally:
        await runner.stop()


async def run_echo_bot(api: str, bare: bool) -> None:
    from telegram import Update
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    from bot.telegram.request import AiohttpRequest

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.callback_query is not None
        await update.callback_query.answer()

    builder = ApplicationBuilder().token(TOKEN).base_url(f"{api}/bot")
    if not bare:
        builder = (
            builder.request(AiohttpRequest(connection_pool_size=256))
            .get_updates_request(AiohttpRequest(connection_pool_size=1))
            .concurrent_updates(256)
        )
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(answer))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(allowed_updates=["message", "callback_query"])
    try:
        await _until_sigterm()
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
