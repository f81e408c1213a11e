"""An organizer walks the real supporter screens of a case (a draft too), as a preview.

The buttons of a previewed screen carry `Action.PREVIEW` and the language of the preview,
so a tap never reaches the supporter journey: nothing is counted, followed or stored. The
screens themselves are the supporters' own (`Views`), under a banner.
"""

from __future__ import annotations

import dataclasses

from telegram import Update

from bot.content.models import LANGS, CaseContent, Lang
from bot.content.signature import Signature
from bot.handlers.common import BotContext, load_supporter, send, show
from bot.handlers.journey import Outdated
from bot.screens.callbacks import Action, Target
from bot.screens.desk import as_preview
from bot.screens.screen import Screen, button

#: Supporter buttons that only change the supporter's own settings: inert in a preview.
_INERT = frozenset(
    {Action.SUBSCRIBE, Action.ALERTS, Action.SETTINGS, Action.SIGN, Action.ENDED, Action.LANGUAGE}
)


def _as_open(item: CaseContent) -> CaseContent:
    """A draft shown as it will be once published (an active case)."""
    if item.case.status != "draft":
        return item
    case = item.case.model_copy(update={"status": "active"})
    return dataclasses.replace(item, case=case)


async def on_preview_button(
    update: Update, context: BotContext, args: tuple[str, ...]
) -> str | None:
    """A button of a previewed screen: the next supporter screen, still in preview."""
    user = update.effective_user
    services = context.services
    if user is None or not services.is_organizer(user.id) or len(args) < 3:
        raise Outdated(args)
    supporter, organizer_lang = await load_supporter(update, context)
    if args[0] not in LANGS:
        raise Outdated(args)
    lang: Lang = "ru" if args[0] == "ru" else "en"
    try:
        action = Action(args[1])
    except ValueError:
        raise Outdated(args) from None
    inner = args[2:]
    texts = services.texts
    if action in _INERT:
        return texts.button(lang, "preview_inert")
    item = services.content.case(inner[0])
    if item is None:
        problems = services.content.broken.get(inner[0])
        if problems is None:
            raise Outdated(args)
        screen = services.desk_views.refused(organizer_lang, "author_preview_broken", problems)
        await send(update, context, screen)
        return None
    item = _as_open(item)
    views = services.views
    today = services.today()
    signature = supporter.signature if supporter and supporter.signature else Signature("none")
    banner = texts.message(lang, "preview_banner")
    back = button(texts.button(lang, "preview_end"), Action.DESK, "d", item.case.id)

    def wrapped(screen: Screen) -> Screen:
        return as_preview(screen, lang, banner, back)

    toast = None
    if action in (Action.CASE, Action.MENU):
        total = await services.storage.total_actions(item.case.id)
        card = views.case_card(lang, item, today, total, offer_reminders=True)
        await show(update, context, wrapped(card))
    elif action is Action.BACKGROUND:
        for screen in views.background(lang, item):
            await send(update, context, wrapped(screen))
    elif action is Action.OFFICIAL and len(inner) >= 2:
        official = item.case.official(inner[1])
        if official is None:
            raise Outdated(args)
        await show(update, context, wrapped(views.official(lang, item, official, ())))
    elif action in (Action.VIEW, Action.CONFIRM, Action.MEANING):
        target = Target.from_args(inner)
        official = item.case.official(target.official_id) if target else None
        if target is None or official is None or target.channel not in official.channels:
            raise Outdated(args)
        if target.lang not in item.languages_for(official):
            target = dataclasses.replace(target, lang=item.languages_for(official)[0])
        if action is Action.MEANING:
            meaning = views.meaning(lang, item, official, signature, target.channel)
            await send(update, context, wrapped(meaning))
            return None
        done = action is Action.CONFIRM
        screen = views.channel(lang, item, official, target, signature, today, done)
        await show(update, context, wrapped(screen))
        if done:
            total = await services.storage.total_actions(item.case.id)
            thanks = views.thanks(
                lang, item, official, total, {(official.id, target.channel.value)}
            )
            await send(update, context, wrapped(thanks))
            toast = texts.button(lang, "preview_not_counted")
    else:
        raise Outdated(args)
    return toast
