"""Everything else a supporter can send, so that nothing ends in silence."""

from __future__ import annotations

import logging

from telegram import Update

from bot.handlers.authoring import receive_author_text
from bot.handlers.broadcast import receive_broadcast_text
from bot.handlers.common import (
    BotApplication,
    BotContext,
    Services,
    language_of,
    load_supporter,
    send,
)
from bot.handlers.signature import receive_signature_text
from bot.screens.screen import Screen
from bot.telegram.budget import ReplyDropped

log = logging.getLogger(__name__)


async def help_command(update: Update, context: BotContext) -> None:
    """/help: what the bot does and its commands."""
    _, lang = await load_supporter(update, context)
    await send(update, context, context.services.views.note(lang, "help"))


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have (admin commands look the same to non-admins)."""
    _, lang = await load_supporter(update, context)
    views = context.services.views
    # One message, not two: a flood of unknown commands must not cost twice the budget.
    note = views.texts.message(lang, "unknown_command")
    await send(update, context, views.note(lang, "help").after(note))


async def free_text(update: Update, context: BotContext) -> None:
    """Typed text: what the bot waits for (a signature, a broadcast), else a pointer."""
    supporter, lang = await load_supporter(update, context, keep_pending=True)
    pending = supporter.pending if supporter else None
    user = update.effective_user
    assert user is not None
    # Organizers' answers about cases and pasted documents (only ever from BOT_ADMINS).
    if await receive_author_text(update, context, supporter, lang):
        return
    if supporter is not None and pending is not None and pending.step != "author":
        if pending.step != "broadcast":
            await receive_signature_text(update, context, supporter, lang)
            return
        if user.id in context.services.settings.admins:
            await receive_broadcast_text(update, context, pending)
            return
    await send(update, context, context.services.views.note(lang, "free_text"))


async def other_message(update: Update, context: BotContext) -> None:
    """Stickers, photos, voice, files: the bot cannot read them, and says so."""
    _, lang = await load_supporter(update, context)
    await send(update, context, context.services.views.note(lang, "other_media"))


async def group_message(update: Update, context: BotContext) -> None:
    """In groups the bot only points to the private chat (supporters' data stays private)."""
    lang = language_of(update, None)
    await send(update, context, context.services.views.private_only(lang))


async def flood_notice(application: BotApplication, update: Update) -> None:
    """Tell a supporter who floods the bot, once, that it answers only some of their messages.

    Called by the update processor, outside any handler (the update itself is not handled).
    """
    services = application.bot_data.get("services")
    chat = update.effective_chat
    if not isinstance(services, Services) or chat is None or chat.type != "private":
        return
    user = update.effective_user
    supporter = None if user is None else await services.storage.supporter(user.id)
    lang = language_of(update, supporter)  # the language they chose, as every reply
    screen = Screen(services.views.texts.message(lang, "slow_down"))
    await application.bot.send_message(chat.id, screen.text, parse_mode="HTML")


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure without personal data; tell the supporter instead of going silent."""
    if isinstance(context.error, ReplyDropped):
        return  # counted and logged by the budget; an apology would be later still
    log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    lang = language_of(update, None)
    try:
        # Button queries are answered by the router's `finally`, even when a route fails.
        await send(update, context, context.services.views.note(lang, "error"))
    except Exception:  # the error reply is best effort; the error itself is logged above
        log.warning("could not tell the supporter about a failed update")
