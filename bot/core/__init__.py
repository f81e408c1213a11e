"""Foundations with no knowledge of Urgent Actions: time, secrets, metrics and logging.

May import: nothing of the bot.
"""
