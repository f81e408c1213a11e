"""Organizers' tools in Telegram: a UA document becomes a draft, fixed in chat, published.

Cases made or changed here are ordinary case folders in the writable cases directory
(`workspace.py`), written atomically and checked with the same check as `python -m bot
check` before supporters can see them. `gaps.py` says what a draft lacks, `values.py` checks
what organizers type, `edits.py` puts it in place, `desk.py` does each step.

May import: `bot.checks`, `bot.campaigns`, `bot.importer`, `bot.screens`, `bot.storage`,
`bot.content`, `bot.core`.
"""
