"""Messages the bot starts: reminders, case news, organizers' broadcasts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from bot.content.models import CaseContent, Lang
from bot.content.models import Update as CaseUpdate
from bot.content.names import official_title, person_name
from bot.content.render import local
from bot.core.clock import days_left
from bot.screens.base import PAGE_SIZE, ScreenBase
from bot.screens.callbacks import Action
from bot.screens.screen import Screen, button


class NewsScreens(ScreenBase):
    """Reminders, case updates, broadcasts."""

    def reminder(
        self, lang: Lang, case: CaseContent, days_left: int, officials_done: Collection[str]
    ) -> Screen | None:
        """A reminder naming what is left, with buttons straight back; None if nothing is."""
        c = case.case
        left = [o for o in c.officials if o.id not in officials_done]
        if not left or c.deadline is None:
            return None
        done = [o for o in c.officials if o.id in officials_done]
        text = self._msg(
            lang,
            "reminder",
            days=days_left,
            person=person_name(c, lang),
            ua_number=c.ua_number,
            done=[official_title(o, lang) for o in done],
            left=[official_title(o, lang) for o in left],
        )
        keyboard = [[self._write_to(lang, case, o)] for o in left]
        return Screen(text, keyboard)

    def case_update(self, lang: Lang, case: CaseContent, update: CaseUpdate) -> Screen:
        """News organizers published about a case, to those who acted on it."""
        text = self._msg(
            lang,
            "case_update",
            kind=update.kind,
            ua_number=case.case.ua_number,
            title=local(case.case.title, lang),
            text=local(update.text, lang),
        )
        return Screen(text, [[button(self._btn(lang, "open_case"), Action.CASE, case.case.id)]])

    def broadcast(self, lang: Lang, case: CaseContent, html: str) -> Screen:
        """An organizer's broadcast: their formatted text and a button back to the case."""
        return Screen(html, [[button(self._btn(lang, "open_case"), Action.CASE, case.case.id)]])

    def alert(self, lang: Lang, case: CaseContent) -> Screen:
        """A new Urgent Action, to supporters who asked to hear about each new case."""
        c = case.case
        deadline = c.deadline
        text = self._msg(
            lang,
            "alert",
            ua_number=c.ua_number,
            title=local(c.title, lang),
            summary=local(c.summary, lang),
            deadline=self.texts.date(lang, deadline) if deadline else None,
        )
        keyboard = [
            [button(self._btn(lang, "open_case"), Action.CASE, c.id)],
            [button(self._btn(lang, "alerts_settings"), Action.SETTINGS)],
        ]
        return Screen(text, keyboard)

    def digest(
        self,
        lang: Lang,
        cases: Sequence[CaseContent],
        today: date,
        calendar: date | None = None,
    ) -> Screen | None:
        """The weekly digest: open cases the supporter has not acted on (None: nothing to say)."""
        if not cases:
            return None
        lines = [
            self._btn(
                lang,
                "digest_entry",
                ua_number=c.case.ua_number,
                title=local(c.case.title, lang),
                days=days_left(c.case.deadline, calendar or today) if c.case.deadline else None,
            )
            for c in cases
        ]
        keyboard = [
            [button(f"✍️ UA {c.case.ua_number}", Action.CASE, c.case.id)] for c in cases[:PAGE_SIZE]
        ]
        keyboard.append([button(self._btn(lang, "alerts_settings"), Action.SETTINGS)])
        return Screen(self._msg(lang, "digest", lines=lines, count=len(cases)), keyboard)
