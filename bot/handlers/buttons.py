"""One entry point for every button: decode, route, and always answer the query."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.error import BadRequest

from bot.handlers import (
    account,
    admin,
    authoring,
    broadcast,
    journey,
    preview,
    settings,
    signature,
)
from bot.handlers.common import BotContext, load_supporter
from bot.screens.callbacks import Action, Callback

log = logging.getLogger(__name__)

Route = Callable[[Update, BotContext, tuple[str, ...]], Awaitable[str | None]]


def _quiet(
    handler: Callable[[Update, BotContext, tuple[str, ...]], Awaitable[None]],
) -> Route:
    async def route(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
        await handler(update, context, args)

    return route


ROUTES: dict[Action, Route] = {
    Action.MENU: _quiet(journey.show_menu),
    Action.CASE: _quiet(journey.show_case),
    Action.BACKGROUND: _quiet(journey.show_background),
    Action.OFFICIAL: _quiet(journey.show_official),
    Action.VIEW: _quiet(journey.show_channel),
    Action.MEANING: _quiet(journey.show_meaning),
    Action.CONFIRM: journey.record_action,
    Action.SIGN: _quiet(signature.choose_signature),
    Action.LANGUAGE: _quiet(account.choose_language),
    Action.FORGET: _quiet(account.confirm_forget),
    Action.SUBSCRIBE: journey.subscribe,
    Action.BROADCAST: broadcast.on_broadcast_button,
    Action.ENDED: _quiet(journey.show_ended),
    Action.ALERTS: settings.on_alerts_button,
    Action.SETTINGS: settings.on_settings_button,
    Action.STATS: _quiet(admin.on_stats_button),
    Action.DESK: authoring.on_desk_button,
    Action.PREVIEW: preview.on_preview_button,
}


async def on_button(update: Update, context: BotContext) -> None:
    """Route a tapped button; stale or unknown buttons get a short note and the menu."""
    query = update.callback_query
    assert query is not None
    toast: str | None = None
    try:
        callback = Callback.parse(query.data)
        if callback is None:
            raise journey.Outdated(query.data)
        try:
            toast = await ROUTES[callback.action](update, context, callback.args)
        except (IndexError, journey.Outdated):
            raise journey.Outdated(query.data) from None
    except journey.Outdated:
        _, lang = await load_supporter(update, context)
        views = context.services.views
        toast = views.texts.button(lang, "outdated_toast")
        # One message, not two: the current menu, under a line that says why it came.
        await journey.send_menu(update, context, lang, note=views.texts.message(lang, "outdated"))
    finally:
        # Telegram shows a spinner until the query is answered: answer even on failure.
        try:
            await query.answer(toast)
        except BadRequest as error:
            # A tap handled again after a crash was answered the first time already.
            log.info("could not answer a button: %s", error.message)
