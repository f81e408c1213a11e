"""/broadcast for organizers: case → audience → text → preview → send; /cancel_broadcast.

Every step is stored (the draft in the outbox, the step in the organizer's pending input),
so a restart in the middle of composing loses nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

from telegram import Bot, Update
from telegram.error import BadRequest

from bot.content.models import Lang
from bot.handlers.common import BotContext, Services, load_supporter, send, show
from bot.storage.audiences import BROADCAST_AUDIENCES, Audience
from bot.storage.supporters import Pending


async def broadcast_command(update: Update, context: BotContext) -> None:
    """/broadcast: choose the case (if several), then the audience."""
    _, lang = await load_supporter(update, context)
    services = context.services
    cases = list(services.content.iter_cases())
    if len(cases) == 1:
        await choose_audience(update, context, ("c", cases[0].case.id), new_message=True)
    else:
        await send(update, context, services.admin_views.choose_case(lang, cases))


async def on_broadcast_button(
    update: Update, context: BotContext, args: tuple[str, ...]
) -> str | None:
    """Broadcast buttons: c = case chosen, a = audience chosen, s = send, x = cancel."""
    from bot.handlers.journey import Outdated

    user = update.effective_user
    if user is None or user.id not in context.services.settings.admins:
        raise Outdated(args)  # a forged or forwarded organizer button
    step = args[0] if args else ""
    if step == "c":
        await choose_audience(update, context, args)
    elif step == "a":
        await ask_text(update, context, args)
    elif step in ("s", "x"):
        await decide(update, context, step, int(args[1]))
    else:
        raise Outdated(args)
    return None


async def choose_audience(
    update: Update, context: BotContext, args: tuple[str, ...], *, new_message: bool = False
) -> None:
    """Show the audiences with their sizes."""
    from bot.handlers.journey import resolve

    _, lang = await load_supporter(update, context)
    case, _ = resolve(context, args[1])
    services = context.services
    sizes = {
        audience: await services.storage.audiences.size(audience, case.case.id)
        for audience in BROADCAST_AUDIENCES
    }
    screen = services.admin_views.choose_audience(lang, case, sizes)
    if new_message:
        await send(update, context, screen)
    else:
        await show(update, context, screen)


async def ask_text(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """Wait for the organizer's formatted text (the wait is stored, like a signature's)."""
    from bot.handlers.journey import Outdated, resolve

    _, lang = await load_supporter(update, context)
    case, _ = resolve(context, args[1])
    if len(args) < 3 or args[2] not in BROADCAST_AUDIENCES:
        raise Outdated(args)
    audience = args[2]
    services = context.services
    assert update.effective_user is not None
    pending = Pending("broadcast", (case.case.id, audience))
    await services.storage.set_pending(update.effective_user.id, pending, services.now())
    size = await services.storage.audiences.size(_audience(audience), case.case.id)
    await show(update, context, services.admin_views.note(lang, "admin_ask_text", size=size))


async def receive_broadcast_text(update: Update, context: BotContext, pending: Pending) -> None:
    """The organizer's text: store a draft, show it exactly as supporters will see it."""
    from bot.handlers.journey import Outdated, resolve

    _, lang = await load_supporter(update, context)  # clears the pending step
    message = update.effective_message
    user = update.effective_user
    assert message is not None and user is not None and message.text is not None
    case, _ = resolve(context, pending.target[0])
    audience = pending.target[1] if len(pending.target) > 1 else ""
    if audience not in BROADCAST_AUDIENCES:
        raise Outdated(pending.target)
    services = context.services
    delivery, size = await services.campaigns.draft_broadcast(
        services.views,
        case,
        _audience(audience),
        message.text_html,
        services.storage.outbox.organizer(user.id),
        services.settings.paid_broadcast,
        services.now(),
    )
    if size == 0:
        await services.storage.outbox.cancel(delivery)
        await send(update, context, services.admin_views.note(lang, "admin_empty_audience"))
        return
    await send(update, context, services.views.broadcast(lang, case, message.text_html))
    await send(update, context, services.admin_views.confirm(lang, delivery, size))


async def decide(update: Update, context: BotContext, step: str, delivery_id: int) -> None:
    """Send or cancel a previewed draft."""
    _, lang = await load_supporter(update, context)
    services = context.services
    outbox = services.storage.outbox
    chat = update.effective_chat
    if step == "x":
        was_draft = await _is_draft(context, delivery_id)
        if was_draft:
            await outbox.cancel(delivery_id)
        key = "admin_draft_cancelled" if was_draft else "admin_draft_gone"
        await show(update, context, services.admin_views.note(lang, key))
        return
    if not await outbox.start(delivery_id):
        await show(update, context, services.admin_views.note(lang, "admin_draft_gone"))
        return
    counts = await outbox.counts(delivery_id)
    size = sum(counts.values())
    await show(update, context, services.admin_views.note(lang, "admin_sending", size=size))
    query = update.callback_query
    if query is not None and query.message is not None and chat is not None:
        # The engine edits this message with progress (sent / blocked / failed / left).
        target = {"chat": chat.id, "message": query.message.message_id, "lang": lang}
        await outbox.set_report_to(delivery_id, json.dumps(target))
    services.wake_delivery()


async def cancel_broadcast_command(update: Update, context: BotContext) -> None:
    """/cancel_broadcast: stop running broadcasts and drop drafts; the rest are cancelled.

    A running broadcast's progress message is edited to its final counts once the messages
    already on their way have their answers: it never stays on "in progress".
    """
    supporter, lang = await load_supporter(update, context)
    services = context.services
    outbox = services.storage.outbox
    cancelled = 0
    composing = supporter is not None and supporter.pending is not None
    running = False
    for delivery in await outbox.unfinished("broadcast"):
        cancelled += await services.cancel_delivery(delivery.id)
        if delivery.state != "draft":
            running = True
            work = _final_progress(context, delivery.id)
            services.spawn(work, f"final progress of delivery {delivery.id}")
        else:
            composing = True
    if running:
        key = "admin_cancelled"
    else:
        key = "admin_draft_cancelled" if composing else "admin_nothing_to_cancel"
    await send(update, context, services.admin_views.note(lang, key, count=cancelled))


#: How long a stopped broadcast waits for the answers to messages already on their way.
_SETTLE_SECONDS = 30.0


async def _final_progress(context: BotContext, delivery_id: int) -> None:
    """After a cancel: wait for the rows in flight to settle, then show the final counts."""
    services = context.services
    outbox = services.storage.outbox
    loop = asyncio.get_running_loop()
    give_up = loop.time() + _SETTLE_SECONDS
    counts = await outbox.counts(delivery_id)
    while counts.get("sending", 0) and loop.time() < give_up:
        await asyncio.sleep(0.2)
        counts = await outbox.counts(delivery_id)
    await edit_progress(context.bot, services, delivery_id, counts, stopped=True)


async def edit_progress(
    bot: Bot,
    services: Services,
    delivery_id: int,
    counts: Mapping[str, int],
    *,
    stopped: bool = False,
) -> None:
    """Edit the organizer's one progress message of a delivery (none for automatic ones).

    The time left is what is left at the rate the delivery is paced at (the engine never
    sends faster, and rarely slower): measuring the first seconds' rate instead overstated
    it several times over, while the pacing window was still filling.
    """
    outbox = services.storage.outbox
    info = await outbox.get(delivery_id)
    report_to = await outbox.report_to(delivery_id)
    if info is None or report_to is None:
        return
    target = json.loads(report_to)
    left = counts.get("pending", 0) + counts.get("sending", 0)
    settings = services.settings
    rate = settings.paid_broadcast_rate if info.paid else settings.broadcast_rate
    eta = left / rate if left and not stopped else None
    lang: Lang = "ru" if target.get("lang") == "ru" else "en"
    screen = services.admin_views.progress(
        lang, info.kind, counts, eta, done=stopped or left == 0, stopped=stopped
    )
    try:
        await bot.edit_message_text(
            screen.text, chat_id=target["chat"], message_id=target["message"], parse_mode="HTML"
        )
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


async def _is_draft(context: BotContext, delivery_id: int) -> bool:
    info = await context.services.storage.outbox.get(delivery_id)
    return info is not None and info.state == "draft"


def _audience(name: str) -> Audience:
    for audience in BROADCAST_AUDIENCES:
        if audience == name:
            return audience
    raise ValueError(name)
