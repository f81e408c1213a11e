"""Organizer commands; registered only for BOT_ADMINS, so others get the unknown-command reply."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC

from telegram import InputFile, Update

from bot.content.models import CaseContent, ContentError, Lang
from bot.handlers.common import BotContext, load_supporter, send
from bot.screens.chart import render_chart

log = logging.getLogger(__name__)


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats: the network at a glance; /stats <case>: one case's numbers and chart."""
    _, lang = await load_supporter(update, context)
    services = context.services
    if context.args:
        case = services.content.case(context.args[0])
        if case is not None:
            await _case_stats(update, context, case, lang)
            return
    storage = services.storage
    today = services.today()
    # Drafts first (organizers' work in hand), then open cases most urgent first, then ended.
    views = services.views
    cases = (
        [c for c in services.content.iter_cases() if not c.listed]
        + views.open_cases(today)
        + views.ended_cases(today)
    )
    totals = await storage.stats.totals()
    alerts = await storage.audiences.alerts_counts()
    blocked = await storage.stats.blocked()
    screen = services.admin_views.overview(lang, cases, totals, alerts, blocked, today)
    await send(update, context, screen)


async def on_stats_button(update: Update, context: BotContext, args: tuple[str, ...]) -> None:
    """A case button of the /stats overview (organizers only)."""
    from bot.handlers.journey import Outdated

    user = update.effective_user
    case = context.services.content.case(args[0]) if args else None
    if user is None or user.id not in context.services.settings.admins or case is None:
        raise Outdated(args)  # a forged or forwarded organizer button, or a removed case
    _, lang = await load_supporter(update, context)
    await _case_stats(update, context, case, lang)


async def _case_stats(update: Update, context: BotContext, case: CaseContent, lang: Lang) -> None:
    services = context.services
    chat = update.effective_chat
    assert chat is not None
    today = services.now().astimezone(UTC).date()  # anonymous counts are kept per UTC day
    stats = await services.storage.stats.case_stats(case.case.id, today)
    await send(update, context, services.admin_views.stats(lang, case, stats))
    if stats.per_day:
        # Rendering takes tens of milliseconds: off the event loop, so replies stay fast.
        labels = services.admin_views.chart_labels(lang, case)
        png = await asyncio.to_thread(render_chart, labels, stats.per_day)
        await context.bot.send_photo(chat.id, InputFile(png, filename="actions.png"))
    else:
        await send(update, context, services.admin_views.note(lang, "admin_no_chart"))


async def report_command(update: Update, context: BotContext) -> None:
    """/report <case>: a CSV of anonymous counts per day, official and channel."""
    _, lang = await load_supporter(update, context)
    services = context.services
    cases = list(services.content.cases)
    case_id = context.args[0] if context.args else (cases[0] if len(cases) == 1 else "")
    case = services.content.case(case_id)
    if case is None:
        note = services.admin_views.note(lang, "admin_report_usage", cases=cases)
        await send(update, context, note)
        return
    rows = await services.storage.daily_counts(case.case.id)
    data = services.admin_views.report_csv(case, rows)
    chat = update.effective_chat
    assert chat is not None
    day = services.now().astimezone(UTC).date().isoformat()
    caption = services.admin_views.report_caption(lang, case, sum(row[3] for row in rows)).text
    await context.bot.send_document(
        chat.id,
        InputFile(data, filename=f"UA-{case.case.ua_number}-actions-{day}.csv"),
        caption=caption,
        parse_mode="HTML",
    )


#: Problems listed in a /reload answer; the rest are counted (one message holds 4096 characters).
_SHOWN = 8


async def reload_command(update: Update, context: BotContext) -> None:
    """/reload: re-read content; keep the old content if the new one fails its check."""
    _, lang = await load_supporter(update, context)
    services = context.services
    try:
        content = await services.reload()
    except ContentError as error:
        note = services.admin_views.note(
            lang,
            "admin_reload_failed",
            problems=error.problems[:_SHOWN],
            more=max(0, len(error.problems) - _SHOWN),
        )
        await send(update, context, note)
        return
    log.info("content reloaded: %d case(s), %d left out", len(content.cases), len(content.broken))
    # A case that became active is announced now, not at the next campaign round.
    await services.run_campaigns()
    note = services.admin_views.note(
        lang,
        "admin_reloaded",
        cases=len(content.cases),
        broken_cases=sorted(content.broken),
        kept=any(folder in content.cases for folder in content.broken),
        broken=content.problems[:_SHOWN],
        more_broken=max(0, len(content.problems) - _SHOWN),
        warnings=content.warnings[:_SHOWN],
        more_warnings=max(0, len(content.warnings) - _SHOWN),
    )
    await send(update, context, note)
