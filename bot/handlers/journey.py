"""The supporter journey: case card, background, officials, channels, and "I sent it"."""

from __future__ import annotations

from telegram import Update

from bot.content.models import LETTER_CHANNELS, CaseContent, Lang, Official
from bot.content.signature import Signature
from bot.core.metrics import metrics
from bot.handlers.common import BotContext, load_supporter, send, show
from bot.screens.callbacks import Target
from bot.screens.screen import Screen, is_open
from bot.storage.supporters import Supporter

_UNSIGNED = Signature("none")


class Outdated(Exception):
    """A button refers to a case, official or channel the current content does not have."""


def resolve(
    context: BotContext, case_id: str, official_id: str | None = None
) -> tuple[CaseContent, Official | None]:
    """Look up ids from a button; raise Outdated for anything no longer in the content."""
    case = context.services.content.case(case_id)
    if case is None:
        raise Outdated(case_id)
    if official_id is None:
        return case, None
    official = case.case.official(official_id)
    if official is None:
        raise Outdated(official_id)
    return case, official


def resolve_target(
    context: BotContext, args: tuple[str, ...]
) -> tuple[CaseContent, Official, Target]:
    """A channel view from button arguments, checked against the current content."""
    target = Target.from_args(args)
    if target is None:
        raise Outdated(args)
    case, official = resolve(context, target.case_id, target.official_id)
    assert official is not None
    if target.channel not in official.channels:
        raise Outdated(target.channel)
    if target.lang not in case.languages_for(official):
        target = Target(
            target.case_id, target.official_id, target.channel, case.languages_for(official)[0]
        )
    return case, official, target


async def start(update: Update, context: BotContext) -> None:
    """/start and deep links (/start <case-id>): greeting and the case card or case list."""
    services = context.services
    supporter, lang = await load_supporter(update, context)
    today = services.today()
    offer = reminders_to_offer(supporter)
    case = services.content.case(context.args[0]) if context.args else None
    if case is not None:
        total = await services.storage.total_actions(case.case.id)
        screen = services.views.welcome_case(
            lang, case, today, total, offer_reminders=case.case.id in offer
        )
        await send(update, context, screen)
        return
    totals = {
        item.case.id: await services.storage.total_actions(item.case.id)
        for item in services.views.listed_cases(today)
    }
    await send(update, context, services.views.welcome(lang, today, totals, offer_reminders=offer))


def reminders_to_offer(supporter: Supporter | None) -> set[str]:
    """Cases the supporter acted on but gets no reminders for: /start offers them again."""
    if supporter is None:
        return set()
    return supporter.acted_on() - supporter.subscriptions


async def menu_screen(context: BotContext, lang: Lang) -> Screen:
    """The case list, or the only case's card."""
    services = context.services
    today = services.today()
    cases = services.views.listed_cases(today)
    if len(cases) == 1:
        total = await services.storage.total_actions(cases[0].case.id)
        return services.views.case_card(lang, cases[0], today, total)
    return services.views.case_list(lang, today)


async def send_menu(update: Update, context: BotContext, lang: Lang) -> None:
    """The menu as a new message (after a note about an outdated button)."""
    await send(update, context, await menu_screen(context, lang))


async def show_menu(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """The menu in place of the tapped message."""
    _, lang = await load_supporter(update, context)
    await show(update, context, await menu_screen(context, lang))


async def show_case(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """The case card: who, what, what we ask, the deadline, the total so far."""
    _, lang = await load_supporter(update, context)
    case, _ = resolve(context, args[0])
    services = context.services
    total = await services.storage.total_actions(case.case.id)
    await show(update, context, services.views.case_card(lang, case, services.today(), total))


async def show_background(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """The additional information, as new messages so the case card stays in view."""
    _, lang = await load_supporter(update, context)
    case, _ = resolve(context, args[0])
    for screen in context.services.views.background(lang, case):
        await send(update, context, screen)


async def show_official(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """The channels to reach one official, with those already used ticked."""
    supporter, lang = await load_supporter(update, context)
    case, official = resolve(context, args[0], args[1])
    assert official is not None
    done_on_case = supporter.done(case.case.id) if supporter else set()
    done = {channel for official_id, channel in done_on_case if official_id == official.id}
    await show(update, context, context.services.views.official(lang, case, official, done))


async def show_channel(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """A channel button: the channel in place of the tapped message."""
    supporter, lang = await load_supporter(update, context)
    await channel_screen(update, context, args, supporter, lang)


async def channel_screen(
    update: Update,
    context: BotContext,
    args: tuple[str, ...],
    supporter: Supporter | None,
    lang: Lang,
    *,
    new_message: bool = False,
) -> None:
    """Everything to act through one channel; asks for a signature first for letters."""
    case, official, target = resolve_target(context, args)
    services = context.services
    signature = supporter.signature if supporter else None
    if target.channel in LETTER_CHANNELS and signature is None:
        await show(update, context, services.views.signature_question(lang, None, target))
        return
    done_on_case = supporter.done(case.case.id) if supporter else set()
    done = (official.id, target.channel.value) in done_on_case
    screen = services.views.channel(
        lang, case, official, target, signature or _UNSIGNED, services.today(), done
    )
    if new_message:
        await send(update, context, screen)
    else:
        await show(update, context, screen)


async def show_meaning(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """The letter in the supporter's language, as a new message below the letter to send."""
    supporter, lang = await load_supporter(update, context)
    case, official, _ = resolve_target(context, args)
    signature = supporter.signature if supporter and supporter.signature else _UNSIGNED
    await send(update, context, context.services.views.meaning(lang, case, official, signature))


async def record_action(update: Update, context: BotContext, args: tuple[str, ...]) -> str:
    """ "I sent it": count the action once, thank, show the total and what to do next."""
    supporter, lang = await load_supporter(update, context)
    case, official, target = resolve_target(context, args)
    services = context.services
    views = services.views
    if not is_open(case, services.today()):
        total = await services.storage.total_actions(case.case.id)
        await send(update, context, views.case_card(lang, case, services.today(), total))
        return views.closed_toast(lang)
    user = update.effective_user
    assert user is not None
    counted = await services.storage.record_action(
        user.id, case.case.id, official.id, target.channel.value, services.now(), lang
    )
    if not counted:
        return views.already_counted(lang)
    metrics.actions_recorded.inc()
    signature = supporter.signature if supporter and supporter.signature else _UNSIGNED
    # Turn the confirm button of the letter into "Counted", keeping the letter in view.
    await show(
        update,
        context,
        views.channel(lang, case, official, target, signature, services.today(), True),
    )
    done = supporter.done(case.case.id) if supporter else set()
    done.add((official.id, target.channel.value))
    total = await services.storage.total_actions(case.case.id)
    subscribed = supporter is not None and case.case.id in supporter.subscriptions
    thanks = views.thanks(
        lang, case, official, total, done, offer_reminders=not subscribed, today=services.today()
    )
    await send(update, context, thanks)
    return views.texts.button(lang, "confirmed")


async def subscribe(update: Update, context: BotContext, args: tuple[str, ...]) -> str:
    """ "Remind me": reminders for this case before its deadline."""
    _, lang = await load_supporter(update, context)
    case, _ = resolve(context, args[0])
    services = context.services
    assert update.effective_user is not None
    await services.storage.subscribe(update.effective_user.id, case.case.id, lang, services.now())
    await send(update, context, Screen(services.texts.message(lang, "subscribed")))
    return services.texts.button(lang, "subscribed_toast")


async def stop_command(update: Update, context: BotContext) -> None:
    """/stop: no more reminders, broadcasts or case updates."""
    _, lang = await load_supporter(update, context)
    services = context.services
    assert update.effective_user is not None
    stopped = await services.storage.stop_messages(update.effective_user.id, services.now())
    await send(
        update, context, services.views.note(lang, "stopped" if stopped else "nothing_to_stop")
    )
