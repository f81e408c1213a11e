"""The one place that wires the bot: services, handlers (order matters), start and stop."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.clock import Clock, system_clock
from bot.content import LANGS, Content
from bot.crypto import Vault
from bot.handlers import account, admin, buttons, fallback, journey, signature
from bot.handlers.common import BotApplication, BotContext, Services
from bot.settings import Settings
from bot.storage import Storage

#: Supporter commands, in the order of the command menu.
COMMANDS = {
    "start": journey.start,
    "signature": signature.signature_command,
    "language": account.language_command,
    "privacy": account.privacy_command,
    "mydata": account.mydata_command,
    "forget": account.forget_command,
    "help": fallback.help_command,
    "stop": journey.stop_command,
}


#: Organizer commands (not in the public command menu).
ADMIN_COMMANDS = {
    "stats": admin.stats_command,
    "report": admin.report_command,
    "reload": admin.reload_command,
}


def build_application(
    settings: Settings, content: Content, clock: Clock = system_clock
) -> BotApplication:
    """Build the Application; services are opened by `start_services` (post_init)."""
    application: BotApplication = (
        ApplicationBuilder()
        .token(settings.token.get_secret_value())
        .base_url(f"{settings.api_url}/bot")
        .base_file_url(f"{settings.api_url}/file/bot")
        .context_types(ContextTypes(context=BotContext))
        # Updates are independent; the database keeps concurrent taps exact.
        .concurrent_updates(True)
        .post_init(start_services)
        .post_shutdown(stop_services)
        .build()
    )
    application.bot_data["pending_services"] = (settings, content, clock)
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
    application.add_handler(MessageHandler(private, fallback.other_message))
    # In groups, answer only commands: replying to every message would spam the group.
    application.add_handler(
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, fallback.group_message)
    )
    application.add_error_handler(fallback.on_error)
    return application


async def start_services(application: BotApplication) -> None:
    """Open the database, learn the bot's username, publish the command menu."""
    settings, content, clock = application.bot_data.pop("pending_services")
    storage = await Storage.open(settings.database, Vault(settings.secret_key.get_secret_value()))
    services = Services(settings=settings, storage=storage, content=content, clock=clock)
    services.bot_username = application.bot.username
    application.bot_data["services"] = services
    for lang in LANGS:
        commands = [BotCommand(name, text) for name, text in services.texts.commands(lang).items()]
        if lang == "en":
            await application.bot.set_my_commands(commands)
        await application.bot.set_my_commands(commands, language_code=lang)


async def stop_services(application: BotApplication) -> None:
    """Close the database cleanly (checkpoints the WAL)."""
    services = application.bot_data.get("services")
    if isinstance(services, Services):
        await services.storage.close()
