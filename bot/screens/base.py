"""What every group of screens shares: content, texts, and the lines and buttons they reuse."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

from telegram import InlineKeyboardButton

from bot.content.models import CaseContent, Content, Lang, Official
from bot.content.names import official_name, official_title, person_name
from bot.content.render import Texts
from bot.core.clock import days_left
from bot.screens.callbacks import Action
from bot.screens.screen import button

#: Cases per page of the case list: a phone shows about eight buttons without scrolling.
PAGE_SIZE = 8


def _urgency(case: CaseContent) -> tuple[bool, date, str]:
    """Soonest deadline first; cases without a deadline after those with one."""
    deadline = case.case.deadline
    return (deadline is None, deadline or date.max, case.case.ua_number)


class ScreenBase:
    """Content, compiled texts and the bot's username; helpers the screen groups share."""

    def __init__(self, content: Content, texts: Texts, bot_username: str) -> None:
        self.content = content
        self.texts = texts
        self.bot_username = bot_username

    def _msg(self, lang: Lang, key: str, **context: object) -> str:
        return self.texts.message(lang, key, **context)

    def _btn(self, lang: Lang, key: str, **context: object) -> str:
        return self.texts.button(lang, key, **context)

    def _write_to(self, lang: Lang, case: CaseContent, official: Official) -> InlineKeyboardButton:
        """The button that opens an official's channels (case card, thanks, reminders)."""
        label = self._btn(
            lang,
            "write_to",
            title=official_title(official, lang),
            name=official_name(official, lang),
        )
        return button(label, Action.OFFICIAL, case.case.id, official.id)

    def deep_link(self, case_id: str) -> str:
        """The link that opens the bot straight on a case."""
        return f"https://t.me/{self.bot_username}?start={case_id}"

    def share_url(self, lang: Lang, case: CaseContent) -> str:
        """Telegram's share dialog with the case link and a one-line invitation."""
        text = self._btn(lang, "share_text", person=person_name(case.case, lang))
        query = urlencode({"url": self.deep_link(case.case.id), "text": text}, quote_via=quote)
        return f"https://t.me/share/url?{query}"

    def open_cases(self, today: date) -> list[CaseContent]:
        """Cases supporters can act on, most urgent (soonest deadline) first."""
        return sorted(
            (case for case in self.content.iter_cases() if case.is_open(today)), key=_urgency
        )

    def ended_cases(self, today: date) -> list[CaseContent]:
        """Published cases that ended (closed, released or past the deadline), latest first."""
        ended = [
            case for case in self.content.iter_cases() if case.listed and not case.is_open(today)
        ]
        return sorted(ended, key=lambda c: (c.ended_on or date.min, c.case.id), reverse=True)

    def visible_case(self, case_id: str) -> CaseContent | None:
        """A case supporters may open by id: any but a draft (a draft's id is 'not found')."""
        case = self.content.case(case_id)
        return case if case is not None and case.listed else None

    def _deadline_line(
        self, lang: Lang, case: CaseContent, today: date, calendar: date | None = None
    ) -> str:
        """The deadline, or why the case ended; `today` judges the end (Anywhere on Earth),
        `calendar` (the supporter's day, UTC) counts the days left."""
        c = case.case
        ended = case.ended_on
        when = self.texts.date(lang, ended) if ended else None
        if c.status == "released":
            return self._msg(lang, "case_released", ended=when)
        if c.status == "closed":
            return self._msg(lang, "case_closed", ended=when)
        deadline = c.deadline
        if deadline is None:
            return self._msg(lang, "no_deadline")
        if today > deadline:
            return self._msg(lang, "deadline_passed", deadline=when)
        return self._msg(
            lang,
            "deadline",
            deadline=self.texts.date(lang, deadline),
            days=days_left(deadline, calendar or today),
        )

    @staticmethod
    def remindable(case: CaseContent, today: date) -> bool:
        """Whether a reminder could still come: open, with a deadline and reminder days."""
        return (
            case.is_open(today)
            and case.case.deadline is not None
            and bool(case.case.reminders_days_before)
        )
