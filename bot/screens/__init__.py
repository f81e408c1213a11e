"""What supporters and organizers see: screens (HTML text and buttons) and the callback codec.

May import: `bot.storage` (its record types), `bot.content`, `bot.core`; no I/O happens here.
"""
