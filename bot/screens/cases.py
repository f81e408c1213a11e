"""Screens of a case: the greeting, the list of cases, the case card, its background."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from html import escape

from bot.content.limits import MAX_MESSAGE
from bot.content.models import CaseContent, Lang
from bot.content.render import local, markup
from bot.screens.base import ScreenBase
from bot.screens.callbacks import Action
from bot.screens.screen import Keyboard, Screen, button, split_paragraphs, url_button


class CaseScreens(ScreenBase):
    """The case: greeting, list, card, background."""

    def welcome(
        self,
        lang: Lang,
        today: date,
        totals: dict[str, int],
        *,
        offer_reminders: Collection[str] = (),
    ) -> Screen:
        """/start without a case: greeting, then the case card or a list of cases."""
        cases = self.listed_cases(today)
        if len(cases) == 1:
            only = cases[0]
            return self.welcome_case(
                lang,
                only,
                today,
                totals.get(only.case.id, 0),
                offer_reminders=only.case.id in offer_reminders,
            )
        return self.case_list(lang, today, greeting=True)

    def welcome_case(
        self,
        lang: Lang,
        case: CaseContent,
        today: date,
        total: int,
        *,
        offer_reminders: bool = False,
    ) -> Screen:
        """Greeting and one case card (a deep link, or the only case)."""
        card = self.case_card(lang, case, today, total, offer_reminders=offer_reminders)
        return Screen(f"{self._msg(lang, 'greeting')}\n\n{card.text}", card.keyboard)

    def case_list(self, lang: Lang, today: date, *, greeting: bool = False) -> Screen:
        """The cases to choose from."""
        cases = self.listed_cases(today)
        keyboard = [[button(local(c.case.title, lang), Action.CASE, c.case.id)] for c in cases]
        text = self._msg(lang, "case_list")
        if greeting:
            text = f"{self._msg(lang, 'greeting')}\n\n{text}"
        return Screen(text, keyboard)

    def case_card(
        self,
        lang: Lang,
        case: CaseContent,
        today: date,
        total: int,
        *,
        offer_reminders: bool = False,
    ) -> Screen:
        """Who, what happened, what we ask, the deadline, and how many acted so far."""
        c = case.case
        text = self._msg(
            lang,
            "case_card",
            ua_number=c.ua_number,
            title=local(c.title, lang),
            summary=local(c.summary, lang),
            ask=local(c.ask, lang),
            deadline_line=markup(self._deadline_line(lang, case, today)),
            total=total,
        )
        keyboard: Keyboard = [[self._write_to(lang, case, o)] for o in c.officials]
        keyboard.append([button(self._btn(lang, "background"), Action.BACKGROUND, c.id)])
        keyboard.append([url_button(self._btn(lang, "share"), self.share_url(lang, case))])
        if offer_reminders and self.remindable(case, today):
            keyboard.append([button(self._btn(lang, "subscribe"), Action.SUBSCRIBE, c.id)])
        if len(self.listed_cases(today)) > 1:
            keyboard.append([button(self._btn(lang, "all_cases"), Action.MENU)])
        return Screen(text, keyboard)

    def background(self, lang: Lang, case: CaseContent) -> list[Screen]:
        """The additional information, split into as many messages as Telegram needs."""
        paragraphs = [escape(p) for p in local(case.case.background, lang)]
        heading = self._msg(lang, "background_heading", title=local(case.case.title, lang))
        chunks = split_paragraphs(paragraphs, MAX_MESSAGE - len(heading) - 100)
        screens = [Screen("\n\n".join(chunk)) for chunk in chunks]
        screens[0] = Screen(f"{heading}\n\n{screens[0].text}")
        back = [[button(self._btn(lang, "back_to_case"), Action.CASE, case.case.id)]]
        screens[-1] = Screen(screens[-1].text, back)
        return screens
