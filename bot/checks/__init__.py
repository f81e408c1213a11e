"""The start-up check: every screen of every case rendered and measured before anyone sees it.

May import: `bot.screens`, `bot.telegram` (Telegram's HTML rules), `bot.content`, `bot.core`.
"""
