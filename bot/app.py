"""The one place that wires the bot: services, handlers (order matters), start and stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial

from telegram import BotCommand
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.campaigns.delivery import Delivery, build_delivery_bot
from bot.checks.content import load_content
from bot.content.models import LANGS, Content
from bot.content.plural import counted
from bot.core.clock import Clock, system_clock
from bot.core.crypto import Vault
from bot.core.metrics import metrics
from bot.handlers import (
    account,
    admin,
    authoring,
    broadcast,
    buttons,
    fallback,
    journey,
    settings,
    signature,
)
from bot.handlers.common import BotApplication, BotContext, Services
from bot.importer.writing import recover_cases
from bot.settings import Settings
from bot.storage import Storage
from bot.telegram.budget import SendBudget
from bot.telegram.inbox import UpdateInbox
from bot.telegram.processor import UpdateProcessor
from bot.telegram.request import AiohttpRequest

log = logging.getLogger(__name__)

#: Supporter commands, in the order of the command menu.
COMMANDS = {
    "start": journey.start,
    "signature": signature.signature_command,
    "language": account.language_command,
    "privacy": account.privacy_command,
    "mydata": account.mydata_command,
    "forget": account.forget_command,
    "help": fallback.help_command,
    "settings": settings.settings_command,
    "stop": journey.stop_command,
}


#: Organizer commands (not in the public command menu).
ADMIN_COMMANDS = {
    "stats": admin.stats_command,
    "report": admin.report_command,
    "reload": admin.reload_command,
    "broadcast": broadcast.broadcast_command,
    "cancel_broadcast": broadcast.cancel_broadcast_command,
    "cases": authoring.cases_command,
    "new": authoring.new_command,
}


def load_served_content(settings: Settings) -> Content:
    """The content the bot serves: `content/` and the cases organizers made in Telegram.

    A replacement of a case folder that a crash interrupted is finished or undone first.
    Raises ContentError when the interface strings are broken.
    """
    recover_cases(settings.cases_path)
    return load_content(settings.content_dir, settings.cases_path)


def build_application(
    settings: Settings,
    content: Content,
    clock: Clock = system_clock,
    *,
    campaign_interval: float | None = 30.0,
    budget: SendBudget | None = None,
) -> BotApplication:
    """Build the Application; services are opened by `start_services` (post_init).

    `campaign_interval` is how often due reminders, case updates and retention are checked;
    None leaves that to the caller (tests move the clock and call `run_campaigns`).
    `budget` is Telegram's rate as this bot may spend it (a test that walks every screen in
    one chat gives a larger one; Telegram would make a person that fast wait).
    """
    # Replies, edits and broadcasts spend one budget, Telegram's 30 a second: replies go
    # first, a broadcast (paced at BOT_BROADCAST_RATE) keeps its share, a 429 pauses
    # everything (bot.telegram.budget).
    if budget is None:
        budget = SendBudget(paid_rate=settings.paid_broadcast_rate)
    processor = UpdateProcessor()
    # Every update is stored before Telegram is told it arrived, and deleted once handled.
    inbox = UpdateInbox()
    requests = (
        AiohttpRequest(connection_pool_size=256, budget=budget),
        AiohttpRequest(connection_pool_size=1, on_updates=inbox.keep),
    )
    application: BotApplication = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .request(requests[0])
        .get_updates_request(requests[1])
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .context_types(ContextTypes(context=BotContext))
        # Concurrent across supporters, in order per supporter, re-delivered updates ignored,
        # floods throttled; the database keeps concurrent taps exact.
        .concurrent_updates(processor)
        .post_init(start_services)
        .post_shutdown(stop_services)
        .build()
    )
    processor.attach(application)
    processor.on_flood = partial(fallback.flood_notice, application)
    application.bot_data["pending_services"] = (settings, content, clock, budget)
    application.bot_data["inbox"] = inbox
    # Closed by the runner even when initialize() failed half-way (PTB then closes nothing).
    application.bot_data["requests"] = requests
    application.bot_data["campaign_interval"] = campaign_interval
    private = filters.ChatType.PRIVATE

    # Order matters: commands first, then buttons, then typed text, then everything else.
    for name, callback in COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=private))
    # Organizer commands exist only for BOT_ADMINS; for anyone else they are unknown commands.
    organizers = private & filters.User(user_id=settings.admins, allow_empty=False)
    for name, callback in ADMIN_COMMANDS.items():
        application.add_handler(CommandHandler(name, callback, filters=organizers))
    application.add_handler(CallbackQueryHandler(buttons.on_button))
    application.add_handler(MessageHandler(private & filters.COMMAND, fallback.unknown_command))
    application.add_handler(MessageHandler(private & filters.TEXT, fallback.free_text))
    # Documents: UA documents from organizers; anyone else's get the ordinary reply, unread.
    application.add_handler(
        MessageHandler(private & filters.Document.ALL, authoring.receive_document)
    )
    application.add_handler(MessageHandler(private, fallback.other_message))
    # In groups, answer only commands: replying to every message would spam the group.
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, fallback.group_message)
    )
    application.add_error_handler(fallback.on_error)
    return application


async def start_services(application: BotApplication) -> None:
    """Open the database, queue the updates a killed process left, publish the command menu."""
    settings, content, clock, budget = application.bot_data.pop("pending_services")
    storage = await Storage.open(settings.database, Vault(settings.secret_key.get_secret_value()))
    services = Services(settings=settings, storage=storage, content=content, clock=clock)
    services.bot_username = application.bot.username
    application.bot_data["services"] = services
    token = settings.token.get_secret_value()
    processor = application.update_processor
    if isinstance(processor, UpdateProcessor):
        processor.remember_in(storage.handled_updates, services.now)
    inbox = application.bot_data.get("inbox")
    if isinstance(inbox, UpdateInbox):
        inbox.open(storage.inbox)
        # Before any update is taken: what a killed process was handling goes first.
        await inbox.replay(application)
    services.delivery = Delivery(
        storage.outbox,
        build_delivery_bot(token, settings.api_url),
        rate=settings.broadcast_rate,
        paid_rate=settings.paid_broadcast_rate,
        progress=partial(report_progress, application),
        budget=budget,
    )
    await services.delivery.start()  # resumes an unfinished broadcast after a restart
    metrics.set_outbox_source(storage.outbox.state_counts)
    interval = application.bot_data.get("campaign_interval")
    if interval is not None:
        loop = _campaign_loop(services, interval)
        application.bot_data["campaign_task"] = asyncio.create_task(loop)
    for lang in LANGS:
        commands = [BotCommand(name, text) for name, text in services.texts.commands(lang).items()]
        if lang == "en":
            await application.bot.set_my_commands(commands)
        await application.bot.set_my_commands(commands, language_code=lang)


async def stop_services(application: BotApplication) -> None:
    """Pause deliveries cleanly (they resume after a restart), then close the database."""
    task = application.bot_data.pop("campaign_task", None)
    if isinstance(task, asyncio.Task):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    services = application.bot_data.get("services")
    if isinstance(services, Services):
        await services.stop_background()
        if services.delivery is not None:
            await services.delivery.stop()
        metrics.set_outbox_source(None)
        processor = application.update_processor
        if isinstance(processor, UpdateProcessor):
            processor.remember_in(None, services.now)
        inbox = application.bot_data.get("inbox")
        if isinstance(inbox, UpdateInbox):
            inbox.open(None)
        await services.storage.close()


async def health(application: BotApplication) -> tuple[bool, dict[str, str]]:
    """What `/healthz` reports: the database answers and content is loaded."""
    services = application.bot_data.get("services")
    if not isinstance(services, Services):
        return False, {"database": "not open", "content": "not loaded"}
    content = counted(len(services.content.cases), "en", one="case", other="cases")
    try:
        await services.storage.schema_version()
    except Exception as error:  # any failure means the database is not usable now
        log.warning("healthz: database check failed (%s)", type(error).__name__)
        return False, {"database": type(error).__name__, "content": content}
    return True, {"database": "ok", "content": content}


async def _campaign_loop(services: Services, interval: float) -> None:
    """Check for due reminders and updates now and then; an error is logged, not fatal."""
    while True:
        try:
            await services.run_campaigns()
        except Exception:  # the loop must outlive one bad round; the next one retries
            log.exception("campaign round failed")
        await asyncio.sleep(interval)


async def report_progress(
    application: BotApplication, delivery_id: int, counts: dict[str, int], eta: float | None
) -> None:
    """Edit the organizer's one progress message of a delivery (throttled by the engine).

    The engine's `eta` is not shown: the message says the time left at the delivery's rate.
    """
    services = application.bot_data.get("services")
    if not isinstance(services, Services):
        return
    await broadcast.edit_progress(application.bot, services, delivery_id, counts)
