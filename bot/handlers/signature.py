"""How supporters sign: asked once before the first letter, changeable with /signature."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from telegram import Update

from bot.content.models import Lang
from bot.content.signature import MAX_CITY, MAX_NAME, Signature, clean_input
from bot.handlers.common import BotContext, load_supporter, send, show
from bot.handlers.journey import Outdated, channel_screen
from bot.screens.callbacks import Target
from bot.storage.supporters import Pending, PendingStep, Supporter


async def signature_command(update: Update, context: BotContext) -> None:
    """/signature: change how letters are signed."""
    supporter, lang = await load_supporter(update, context)
    current = supporter.signature if supporter else None
    await send(update, context, context.services.views.signature_question(lang, current, None))


async def choose_signature(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """A signature button: 'none' saves at once; name and initials wait for typed text."""
    supporter, lang = await load_supporter(update, context)
    mode, rest = (args[0], args[1:]) if args else ("", ())
    target = Target.from_args(rest) if rest else None
    if (rest and target is None) or mode not in ("?", "name", "initials", "none"):
        raise Outdated(args)
    services = context.services
    user = update.effective_user
    assert user is not None
    if mode == "?":
        current = supporter.signature if supporter else None
        await show(update, context, services.views.signature_question(lang, current, target))
    elif mode == "none":
        unsigned = Signature("none")
        await services.storage.set_signature(user.id, unsigned, services.now())
        saved = services.views.signature_saved(lang, unsigned, go_on=target is None)
        await show(update, context, saved)
        if target is not None:
            # A new message: the tapped one now confirms the signature.
            signed = _with_signature(supporter, unsigned, services.now())
            await channel_screen(update, context, rest, signed, lang, new_message=True)
    else:
        step: PendingStep = "name" if mode == "name" else "initials"
        await services.storage.set_pending(user.id, Pending(step, rest), services.now())
        await show(update, context, services.views.ask_text(lang, step))


async def receive_signature_text(
    update: Update, context: BotContext, supporter: Supporter, lang: Lang
) -> None:
    """Typed text while a signature is awaited: name, initials, then city."""
    message = update.effective_message
    user = update.effective_user
    assert message is not None and user is not None and supporter.pending is not None
    pending = supporter.pending
    services = context.services
    limit = MAX_CITY if pending.step == "city" else MAX_NAME
    text = clean_input(message.text or "")
    if not text or len(text) > limit:
        # The step stays pending: the next text is taken as the answer again.
        refused = services.views.input_refused(lang, limit if text else None)
        await send(update, context, refused)
        return
    if pending.step == "initials":
        next_step = Pending("city", pending.target, initials=text)
        await services.storage.set_pending(user.id, next_step, services.now())
        await send(update, context, services.views.ask_text(lang, "city"))
        return
    if pending.step == "city":
        signature = Signature("initials", pending.initials, text)
    else:
        signature = Signature("name", text)
    await services.storage.set_signature(user.id, signature, services.now())
    saved = services.views.signature_saved(lang, signature, go_on=not pending.target)
    await send(update, context, saved)
    if pending.target:
        signed = _with_signature(supporter, signature, services.now())
        await channel_screen(update, context, pending.target, signed, lang, new_message=True)


def _with_signature(supporter: Supporter | None, signature: Signature, now: datetime) -> Supporter:
    """The supporter as stored after saving `signature` (saves reading it back)."""
    if supporter is None:
        return Supporter(lang=None, signature=signature, pending=None, created_at=now.date())
    return replace(supporter, signature=signature, pending=None)
