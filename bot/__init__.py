"""The Urgent Action bot: a Telegram bot that walks supporters through Amnesty Urgent Actions.

The path of an update: `telegram` (it enters) → `handlers` (thin, per feature) → `screens`
(what is shown) and `storage` (every SQL statement); `campaigns` paces what the bot sends on
its own (broadcasts, reminders, news). `app` wires it all; `runner` runs it; `cli` is the door.
"""
