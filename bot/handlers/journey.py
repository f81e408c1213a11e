"""The supporter journey: case card, background, officials, channels, and "I sent it"."""

from __future__ import annotations

from telegram import Update

from bot.content.models import LETTER_CHANNELS, CaseContent, Lang, Official, is_open
from bot.content.signature import Signature
from bot.core.metrics import metrics
from bot.handlers.common import BotContext, load_supporter, remove_button, send, show
from bot.screens.callbacks import Action, Target
from bot.screens.screen import Screen
from bot.storage.supporters import Supporter

_UNSIGNED = Signature("none")


class Outdated(Exception):
    """A button refers to a case, official or channel the current content does not have."""


def resolve(
    context: BotContext, case_id: str, official_id: str | None = None
) -> tuple[CaseContent, Official | None]:
    """Look up ids from a button; raise Outdated for anything no longer in the content."""
    case = context.services.views.visible_case(case_id)
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
    following = supporter.subscriptions if supporter else frozenset()
    case = services.views.visible_case(context.args[0]) if context.args else None
    if case is not None:
        total = await services.storage.total_actions(case.case.id)
        screen = services.views.welcome_case(
            lang,
            case,
            today,
            total,
            offer_reminders=case.case.id not in following,
            offer_alerts=supporter is None or supporter.alerts is None,
            calendar=services.calendar_day(),
        )
        await send(update, context, screen)
        return
    cases = services.views.open_cases(today)
    totals = {}
    if len(cases) == 1:  # the card shows its total; a list of cases shows none
        totals[cases[0].case.id] = await services.storage.total_actions(cases[0].case.id)
    screen = services.views.welcome(
        lang,
        today,
        totals,
        following=following,
        acted=supporter.acted_on() if supporter else (),
        alerts_on=supporter is not None and supporter.alerts is not None,
        calendar=services.calendar_day(),
    )
    await send(update, context, screen)


async def menu_screen(
    context: BotContext, lang: Lang, supporter: Supporter | None, page: int = 0
) -> Screen:
    """The case list, or the only open case's card."""
    services = context.services
    today = services.today()
    cases = services.views.open_cases(today)
    if len(cases) == 1:
        total = await services.storage.total_actions(cases[0].case.id)
        return services.views.case_card(
            lang,
            cases[0],
            today,
            total,
            offer_reminders=_offers(supporter, cases[0]),
            calendar=services.calendar_day(),
        )
    return services.views.case_list(
        lang,
        today,
        page,
        acted=supporter.acted_on() if supporter else (),
        alerts_on=supporter is not None and supporter.alerts is not None,
        calendar=services.calendar_day(),
    )


async def send_menu(
    update: Update, context: BotContext, lang: Lang, *, note: str | None = None
) -> None:
    """The menu as a new message, under `note` if given (why it came: an outdated button)."""
    supporter, _ = await load_supporter(update, context)
    screen = await menu_screen(context, lang, supporter)
    await send(update, context, screen if note is None else screen.after(note))


async def show_menu(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """The menu in place of the tapped message (a page of the case list)."""
    supporter, lang = await load_supporter(update, context)
    page = _page(args)
    await show(update, context, await menu_screen(context, lang, supporter, page))


async def show_ended(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """Ended cases, a page at a time: still readable, with their news."""
    _, lang = await load_supporter(update, context)
    services = context.services
    await show(update, context, services.views.ended_list(lang, services.today(), _page(args)))


def _page(args: tuple[str, ...]) -> int:
    """The page number a paging button carries (absent on the first page)."""
    if not args:
        return 0
    if not args[0].isdigit() or len(args[0]) > 4:
        raise Outdated(args)
    return int(args[0])


def _offers(supporter: Supporter | None, case: CaseContent) -> bool:
    """Whether the case card offers to follow the case (reminders and news)."""
    return supporter is None or case.case.id not in supporter.subscriptions


async def show_case(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """The case card: who, what, what we ask, the deadline, the total so far."""
    supporter, lang = await load_supporter(update, context)
    case, _ = resolve(context, args[0])
    services = context.services
    total = await services.storage.total_actions(case.case.id)
    screen = services.views.case_card(
        lang,
        case,
        services.today(),
        total,
        offer_reminders=_offers(supporter, case),
        calendar=services.calendar_day(),
    )
    await show(update, context, screen)


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
    choice = supporter.letter_langs.get(case.case.id) if supporter else None
    services = context.services
    screen = services.views.official(
        lang, case, official, done, choice, is_open=case.is_open(services.today())
    )
    await show(update, context, screen)


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
    await _remember_letter_language(update, context, supporter, case, official, target)
    done_on_case = supporter.done(case.case.id) if supporter else set()
    done = (official.id, target.channel.value) in done_on_case
    screen = services.views.channel(
        lang,
        case,
        official,
        target,
        signature or _UNSIGNED,
        services.today(),
        done,
        calendar=services.calendar_day(),
    )
    if new_message:
        await send(update, context, screen)
    else:
        await show(update, context, screen)


async def _remember_letter_language(
    update: Update,
    context: BotContext,
    supporter: Supporter | None,
    case: CaseContent,
    official: Official,
    target: Target,
) -> None:
    """A letter opened in another language than the one in use: remember it for the case."""
    if target.channel not in LETTER_CHANNELS:
        return  # tweets and calls follow the supporter's language, not a letter choice
    chosen = supporter.letter_langs.get(case.case.id) if supporter else None
    in_use = chosen if chosen in case.languages_for(official) else case.languages_for(official)[0]
    if target.lang == in_use or update.effective_user is None:
        return
    services = context.services
    await services.storage.set_letter_language(
        update.effective_user.id, case.case.id, target.lang, services.now()
    )


async def show_meaning(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """The letter in the supporter's language, as a new message below the letter to send."""
    supporter, lang = await load_supporter(update, context)
    case, official, target = resolve_target(context, args)
    signature = supporter.signature if supporter and supporter.signature else _UNSIGNED
    views = context.services.views
    await send(update, context, views.meaning(lang, case, official, signature, target.channel))


async def record_action(update: Update, context: BotContext, args: tuple[str, ...]) -> str:
    """ "I sent it": count the action once, thank, show the total and what to do next."""
    supporter, lang = await load_supporter(update, context)
    case, official, target = resolve_target(context, args)
    services = context.services
    views = services.views
    if not is_open(case, services.today()):
        total = await services.storage.total_actions(case.case.id)
        card = views.case_card(lang, case, services.today(), total)
        await send(update, context, card)
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
        views.channel(
            lang,
            case,
            official,
            target,
            signature,
            services.today(),
            True,
            calendar=services.calendar_day(),
        ),
    )
    done = supporter.done(case.case.id) if supporter else set()
    done.add((official.id, target.channel.value))
    total = await services.storage.total_actions(case.case.id)
    subscribed = supporter is not None and case.case.id in supporter.subscriptions
    thanks = views.thanks(
        lang,
        case,
        official,
        total,
        done,
        offer_reminders=not subscribed,
        offer_alerts=supporter is None or supporter.alerts is None,
        today=services.today(),
    )
    await send(update, context, thanks)
    return views.texts.button(lang, "confirmed")


async def subscribe(update: Update, context: BotContext, args: tuple[str, ...]) -> str:
    """ "Remind me": follow this case (reminders before its deadline, and its news).

    The button disappears from the card it was tapped on; a second tap (an old message)
    says so in a toast instead of a second confirmation.
    """
    _, lang = await load_supporter(update, context)
    case, _ = resolve(context, args[0])
    services = context.services
    assert update.effective_user is not None
    new = await services.storage.subscribe(
        update.effective_user.id, case.case.id, lang, services.now()
    )
    if not new:
        return services.texts.button(lang, "subscribed_toast")
    await remove_button(update, Action.SUBSCRIBE)
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
