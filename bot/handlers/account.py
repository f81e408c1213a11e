"""The supporter's own settings and data: language, privacy, /mydata, /forget."""

from __future__ import annotations

from telegram import Update

from bot.content.models import LANGS, Lang
from bot.handlers.common import BotContext, load_supporter, send, show


async def language_command(update: Update, context: BotContext) -> None:
    """/language: choose English or Russian."""
    _, lang = await load_supporter(update, context)
    await send(update, context, context.services.views.language_menu(lang))


async def choose_language(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """A language button: store the choice and show the menu in the new language."""
    from bot.handlers.journey import Outdated

    await load_supporter(update, context)
    code = args[0] if args else ""
    if code not in LANGS:
        raise Outdated(code)
    lang: Lang = "ru" if code == "ru" else "en"
    services = context.services
    assert update.effective_user is not None
    await services.storage.set_language(update.effective_user.id, lang, services.now())
    await show(update, context, services.views.note(lang, "language_set"))


async def privacy_command(update: Update, context: BotContext) -> None:
    """/privacy: what is stored, why, and what /forget does (Telegram requires it)."""
    _, lang = await load_supporter(update, context)
    settings = context.services.settings
    screen = context.services.views.privacy(lang, settings.retention_days, settings.backup_days)
    await send(update, context, screen)


async def mydata_command(update: Update, context: BotContext) -> None:
    """/mydata: everything stored about the supporter."""
    _, lang = await load_supporter(update, context)
    assert update.effective_user is not None
    stored = await context.services.storage.stored_data(update.effective_user.id)
    await send(update, context, context.services.views.my_data(lang, stored))


async def forget_command(update: Update, context: BotContext) -> None:
    """/forget: ask for confirmation before deleting everything."""
    _, lang = await load_supporter(update, context)
    await send(update, context, context.services.views.forget_question(lang))


async def confirm_forget(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """The answer to /forget's question."""
    _, lang = await load_supporter(update, context)
    views = context.services.views
    if args != ("yes",):
        await show(update, context, views.note(lang, "forget_cancelled"))
        return
    assert update.effective_user is not None
    existed = await context.services.storage.forget(update.effective_user.id, update.update_id)
    await show(update, context, views.note(lang, "forgotten" if existed else "nothing_to_forget"))
