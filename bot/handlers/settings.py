"""What the bot may send a supporter: /settings, alerts about new cases, the switches."""

from __future__ import annotations

from typing import Literal

from telegram import Update

from bot.content.models import Lang
from bot.handlers.common import BotContext, load_supporter, send, show
from bot.handlers.journey import Outdated
from bot.screens.screen import Screen
from bot.storage.supporters import AlertMode, Supporter

#: Switch buttons carry a letter for the kind and 1 (on) or 0 (off): "r1", "n0".
_SWITCHES: dict[str, Literal["reminders", "news"]] = {"r": "reminders", "n": "news"}
#: Alert buttons carry the mode, or "off".
_MODES: dict[str, AlertMode | None] = {"each": "each", "weekly": "weekly", "off": None}


def _settings_screen(context: BotContext, supporter: Supporter | None, lang: Lang) -> Screen:
    views = context.services.views
    if supporter is None:
        return views.settings(lang, None, True, True, ())
    return views.settings(
        lang,
        supporter.alerts,
        supporter.reminders,
        supporter.news,
        sorted(supporter.subscriptions),
    )


async def settings_command(update: Update, context: BotContext) -> None:
    """/settings: every kind of message the bot may send, and how to change each."""
    supporter, lang = await load_supporter(update, context)
    await send(update, context, _settings_screen(context, supporter, lang))


async def on_settings_button(
    update: Update, context: BotContext, args: tuple[str, ...]
) -> str | None:
    """A switch on the settings screen; without one, the screen itself (from an alert)."""
    supporter, lang = await load_supporter(update, context)
    services = context.services
    if not args:
        await show(update, context, _settings_screen(context, supporter, lang))
        return None
    kind = _SWITCHES.get(args[0][:1])
    if kind is None or args[0][1:] not in ("0", "1") or len(args) != 1:
        raise Outdated(args)
    assert update.effective_user is not None
    await services.storage.set_switch(
        update.effective_user.id, kind, args[0][1:] == "1", services.now()
    )
    supporter, lang = await load_supporter(update, context)
    await show(update, context, _settings_screen(context, supporter, lang))
    return services.texts.button(lang, "saved_toast")


async def on_alerts_button(
    update: Update, context: BotContext, args: tuple[str, ...]
) -> str | None:
    """Alerts about new cases: ask how often ("?"), or set each / weekly / off."""
    _, lang = await load_supporter(update, context)
    services = context.services
    choice = args[0] if len(args) == 1 else ""
    if choice == "?":
        await send(update, context, services.views.alerts_question(lang))
        return None
    if choice not in _MODES:
        raise Outdated(args)
    assert update.effective_user is not None
    await services.storage.set_alerts(
        update.effective_user.id, _MODES[choice], lang, services.now()
    )
    supporter, lang = await load_supporter(update, context)
    await show(update, context, _settings_screen(context, supporter, lang))
    return services.texts.button(lang, f"alerts_{choice}_toast")
