"""The importer: an Urgent Action document (.txt, .docx) read into a case folder.

May import: `bot.content`, `bot.core`.
"""
