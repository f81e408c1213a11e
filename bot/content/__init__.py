"""Cases and interface strings: models, reading `content/`, rendering texts and their limits.

May import: `bot.core`.
"""
