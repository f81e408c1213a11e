"""Screens: what the bot shows, built from content and state, with no I/O.

Handlers send these; the start-up check renders every one of them for every official,
language and signature choice, so a screen that would break Telegram's limits never ships.
"""

from __future__ import annotations

from bot.screens.account import AccountScreens
from bot.screens.cases import CaseScreens
from bot.screens.news import NewsScreens
from bot.screens.officials import OfficialScreens
from bot.screens.signature import SignatureScreens


class Views(CaseScreens, OfficialScreens, SignatureScreens, NewsScreens, AccountScreens):
    """Every screen of the bot, built from the loaded content (one group per module)."""
