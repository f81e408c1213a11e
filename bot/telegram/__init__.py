"""The edge to Telegram: where updates enter (processor, webhook) and requests leave (aiohttp).

May import: `bot.storage`, `bot.content`, `bot.core`; never handlers (`bot.app` wires them).
"""
