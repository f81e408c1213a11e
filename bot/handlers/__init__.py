"""Telegram handlers, one thin module per feature; `bot.app` registers them.

May import: every layer below (`checks`, `campaigns`, `importer`, `screens`, `storage`, ...).
"""
