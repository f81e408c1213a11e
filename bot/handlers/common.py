"""What every handler needs: the services, the supporter's language, and sending a screen."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ExtBot

from bot.authoring.desk import Desk
from bot.authoring.workspace import Workspace
from bot.campaigns.delivery import Delivery
from bot.campaigns.schedule import Campaigns
from bot.checks.content import keep_served, load_content
from bot.content.limits import plain_text
from bot.content.models import Content, Lang
from bot.content.render import Texts, compiled_texts
from bot.core.clock import Clock, appeal_day, calendar_day
from bot.screens.admin import AdminViews
from bot.screens.callbacks import Action, Callback
from bot.screens.desk import DeskViews
from bot.screens.screen import Screen
from bot.screens.views import Views
from bot.settings import Settings
from bot.storage import Storage
from bot.storage.supporters import Supporter

log = logging.getLogger(__name__)

# Case links in messages would otherwise unfurl into a large preview of the bot itself.
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


@dataclass
class Services:
    """Long-lived objects handlers use; content and texts are swapped together on reload."""

    settings: Settings
    storage: Storage
    content: Content
    clock: Clock
    texts: Texts = field(init=False)
    bot_username: str = "ua_bot"
    campaigns: Campaigns = field(init=False)
    desk: Desk = field(init=False)
    delivery: Delivery | None = None
    # Work a handler starts and does not wait for (a stopped broadcast's final counts);
    # cancelled when the bot stops.
    background: set[asyncio.Task[None]] = field(default_factory=set)

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> None:
        """Run `work` after the handler returns; errors are logged, never lost."""
        task = asyncio.create_task(work, name=name)
        self.background.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def stop_background(self) -> None:
        """Cancel work still running in the background (the bot is stopping)."""
        for task in list(self.background):
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)

    def __post_init__(self) -> None:
        self.texts = compiled_texts(self.content.strings)
        self.campaigns = Campaigns(self.storage, self.settings.retention_days)
        workspace = Workspace(self.settings.content_dir, self.settings.cases_path)
        self.desk = Desk(workspace, self.storage, self.campaigns)

    def is_organizer(self, user_id: int | None) -> bool:
        """Whether this Telegram user is one of BOT_ADMINS."""
        return user_id is not None and user_id in self.settings.admins

    async def reload(self) -> Content:
        """Read all content again (also the writable cases); ContentError keeps the old.

        The check renders every screen: seconds of CPU for many cases, so off the loop; under
        the desk's lock, so that a change made in Telegram meanwhile is not lost.
        """
        settings = self.settings
        async with self.desk.lock:
            self.desk.workspace.recover()
            content = await asyncio.to_thread(
                load_content, settings.content_dir, settings.cases_path
            )
            content = keep_served(content, self.content)
            self.replace_content(content)
        return content

    def wake_delivery(self) -> None:
        """Something was queued in the outbox: let the engine start at once."""
        if self.delivery is not None:
            self.delivery.wake()

    async def cancel_delivery(self, delivery_id: int) -> int:
        """Cancel a delivery, including what the engine already claimed; returns how many."""
        if self.delivery is not None:
            return await self.delivery.cancel(delivery_id)
        return await self.storage.outbox.cancel(delivery_id)

    async def run_campaigns(self) -> list[int]:
        """Create due reminders and case updates, apply retention; called periodically."""
        now = self.now()
        created = await self.campaigns.schedule(self.content, self.views, now)
        if created:
            self.wake_delivery()
        removed = await self.campaigns.apply_retention(self.content, now)
        if removed:
            log.info("retention: unlinked %d supporter(s) from closed cases", removed)
        await self.storage.handled_updates.prune(now - timedelta(hours=25))
        return created

    def replace_content(self, content: Content) -> None:
        """Serve new content (after /reload); the texts compiled from it change with it.

        Compiling the strings takes most of a second: a change to one case (organizers'
        steps in Telegram) keeps the same strings, and their compiled texts.
        """
        if content.strings is not self.content.strings:
            self.texts = compiled_texts(content.strings)
        self.content = content

    @property
    def views(self) -> Views:
        """Screens built from the current content."""
        return Views(self.content, self.texts, self.bot_username)

    @property
    def desk_views(self) -> DeskViews:
        """Organizers' screens of their cases."""
        return DeskViews(self.views)

    @property
    def admin_views(self) -> AdminViews:
        """Organizer screens built from the current content."""
        return AdminViews(self.views)

    def now(self) -> datetime:
        """The current time from the injected clock."""
        return self.clock()

    def today(self) -> date:
        """The day deadlines are judged by (Anywhere on Earth)."""
        return appeal_day(self.clock())

    def calendar_day(self) -> date:
        """The supporter's calendar day (UTC): letters' dates and the days left."""
        return calendar_day(self.clock())


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Callback context with typed access to the services (instead of casts in handlers)."""

    @property
    def services(self) -> Services:
        """The services registered by `bot.app.build_application`."""
        services = self.application.bot_data["services"]
        assert isinstance(services, Services)
        return services


BotApplication = Application[
    ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]


def language_of(update: Update, supporter: Supporter | None) -> Lang:
    """The stored choice, else the Telegram app's language: Russian for ru, else English."""
    if supporter is not None and supporter.lang is not None:
        return supporter.lang
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "ru" if code.lower().startswith("ru") else "en"


async def load_supporter(
    update: Update, context: BotContext, *, keep_pending: bool = False
) -> tuple[Supporter | None, Lang]:
    """The supporter's stored record and language; abandons a half-typed signature by default."""
    user = update.effective_user
    assert user is not None
    services = context.services
    supporter = await services.storage.supporter(user.id)
    if supporter is not None and supporter.blocked:
        await services.storage.unblocked(user.id)
    if supporter is not None and supporter.pending is not None and not keep_pending:
        await services.storage.set_pending(user.id, None, services.now())
    return supporter, language_of(update, supporter)


async def send(update: Update, context: BotContext, screen: Screen) -> Message:
    """Send a screen as a new message in the current chat."""
    chat = update.effective_chat
    assert chat is not None
    return await context.bot.send_message(
        chat.id,
        screen.text,
        parse_mode="HTML",
        reply_markup=screen.markup,
        link_preview_options=_NO_PREVIEW,
    )


async def show(update: Update, context: BotContext, screen: Screen) -> None:
    """Replace the message whose button was tapped; send a new one where that is impossible."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        if _unchanged(query.message, screen):
            return  # the same button tapped twice: the screen is already right
        try:
            await query.message.edit_text(
                screen.text,
                parse_mode="HTML",
                reply_markup=screen.markup,
                link_preview_options=_NO_PREVIEW,
            )
            return
        except BadRequest as error:
            if "not modified" in error.message.lower():
                return  # the same button tapped twice: the screen is already right
            log.info("could not edit a message (%s); sending a new one", error.message)
    await send(update, context, screen)


async def remove_button(update: Update, action: Action) -> None:
    """Take the buttons of `action` off the tapped message (a "Remind me" that did its job)."""
    query = update.callback_query
    if query is None or not isinstance(query.message, Message):
        return
    markup = query.message.reply_markup
    if markup is None:
        return
    rows = [
        [key for key in row if not _is_action(key.callback_data, action)]
        for row in markup.inline_keyboard
    ]
    kept = [row for row in rows if row]
    if sum(map(len, kept)) == sum(map(len, markup.inline_keyboard)):
        return
    try:
        await query.message.edit_reply_markup(InlineKeyboardMarkup(kept) if kept else None)
    except BadRequest as error:
        log.info("could not take a button off a message (%s)", error.message)


def _is_action(data: object, action: Action) -> bool:
    parsed = Callback.parse(data) if isinstance(data, str) else None
    return parsed is not None and parsed.action is action


def _unchanged(message: Message, screen: Screen) -> bool:
    """Whether editing `message` into `screen` would change nothing (Telegram refuses that)."""
    return message.text == plain_text(screen.text) and message.reply_markup == screen.markup
