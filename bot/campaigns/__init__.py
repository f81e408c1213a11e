"""What the bot sends on its own: reminders, case news, broadcasts, and the paced delivery engine.

May import: `bot.screens`, `bot.telegram`, `bot.storage`, `bot.content`, `bot.core`.
"""
