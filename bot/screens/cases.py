"""Screens of a case: the greeting, the list of cases, the case card, its background."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from html import escape

from bot.content.limits import MAX_MESSAGE
from bot.content.models import CaseContent, Lang
from bot.content.names import person_name
from bot.content.render import local, markup
from bot.core.clock import days_left
from bot.screens.base import PAGE_SIZE, ScreenBase
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
        following: Collection[str] = (),
        acted: Collection[str] = (),
        alerts_on: bool = False,
        calendar: date | None = None,
    ) -> Screen:
        """/start without a case: greeting, then the only open case's card or the list."""
        cases = self.open_cases(today)
        if len(cases) == 1:
            only = cases[0]
            return self.welcome_case(
                lang,
                only,
                today,
                totals.get(only.case.id, 0),
                offer_reminders=only.case.id not in following,
                offer_alerts=not alerts_on,
                calendar=calendar,
            )
        return self.case_list(
            lang, today, greeting=True, acted=acted, alerts_on=alerts_on, calendar=calendar
        )

    def welcome_case(
        self,
        lang: Lang,
        case: CaseContent,
        today: date,
        total: int,
        *,
        offer_reminders: bool = False,
        offer_alerts: bool = False,
        calendar: date | None = None,
    ) -> Screen:
        """Greeting and one case card (a deep link, or the only case)."""
        card = self.case_card(
            lang, case, today, total, offer_reminders=offer_reminders, calendar=calendar
        )
        keyboard = list(card.keyboard)
        if offer_alerts:
            keyboard.append([button(self._btn(lang, "alerts_offer"), Action.ALERTS, "?")])
        return Screen(f"{self._msg(lang, 'greeting')}\n\n{card.text}", keyboard)

    def case_list(
        self,
        lang: Lang,
        today: date,
        page: int = 0,
        *,
        greeting: bool = False,
        acted: Collection[str] = (),
        alerts_on: bool = True,
        calendar: date | None = None,
    ) -> Screen:
        """The open cases, most urgent first, a page at a time; ✓ where the supporter acted."""
        cases = self.open_cases(today)
        shown, nav = self._page(cases, page, Action.MENU)
        keyboard: Keyboard = [
            [
                button(
                    self._btn(
                        lang,
                        "case_entry",
                        done=c.case.id in acted,
                        person=person_name(c.case, lang),
                        country=local(c.case.country, lang) if c.case.country else None,
                        days=(
                            days_left(c.case.deadline, calendar or today)
                            if c.case.deadline
                            else None
                        ),
                    ),
                    Action.CASE,
                    c.case.id,
                )
            ]
            for c in shown
        ]
        keyboard += nav
        if self.ended_cases(today):
            keyboard.append([button(self._btn(lang, "ended_cases"), Action.ENDED, "0")])
        if not alerts_on:
            keyboard.append([button(self._btn(lang, "alerts_offer"), Action.ALERTS, "?")])
        text = self._msg(lang, "case_list" if cases else "no_open_cases", count=len(cases))
        if greeting:
            text = f"{self._msg(lang, 'greeting')}\n\n{text}"
        return Screen(text, keyboard)

    def ended_list(self, lang: Lang, today: date, page: int = 0) -> Screen:
        """Ended cases, latest first: still readable, with their news."""
        cases = self.ended_cases(today)
        shown, nav = self._page(cases, page, Action.ENDED)
        keyboard: Keyboard = []
        for c in shown:
            ended = c.ended_on
            label = self._btn(
                lang,
                "ended_entry",
                released=c.case.status == "released",
                person=person_name(c.case, lang),
                country=local(c.case.country, lang) if c.case.country else None,
                ended=self.texts.date(lang, ended) if ended else None,
            )
            keyboard.append([button(label, Action.CASE, c.case.id)])
        keyboard += nav
        keyboard.append([button(self._btn(lang, "open_cases"), Action.MENU)])
        return Screen(self._msg(lang, "ended_list", count=len(cases)), keyboard)

    def _page(
        self, cases: list[CaseContent], page: int, action: Action
    ) -> tuple[list[CaseContent], Keyboard]:
        """One page of cases and the row of buttons to turn pages (none when one page)."""
        pages = max(1, -(-len(cases) // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        shown = cases[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        row = []
        if page > 0:
            row.append(button(f"◀️ {page}/{pages}", action, str(page - 1)))
        if page < pages - 1:
            row.append(button(f"{page + 2}/{pages} ▶️", action, str(page + 1)))
        return shown, [row] if row else []

    def case_card(
        self,
        lang: Lang,
        case: CaseContent,
        today: date,
        total: int,
        *,
        offer_reminders: bool = False,
        calendar: date | None = None,
    ) -> Screen:
        """Who, what happened, what we ask, the deadline, and how many acted so far.

        `today` decides whether the case is open (Anywhere on Earth); `calendar` is the
        supporter's day (UTC), from which the days left are counted.
        """
        c = case.case
        is_open = case.is_open(today)
        latest = c.updates[-1] if c.updates else None
        text = self._msg(
            lang,
            "case_card",
            ua_number=c.ua_number,
            title=local(c.title, lang),
            summary=local(c.summary, lang),
            ask=local(c.ask, lang),
            deadline_line=markup(self._deadline_line(lang, case, today, calendar)),
            total=total,
            is_open=is_open,
            news=local(latest.text, lang) if latest else None,
        )
        keyboard: Keyboard = [[self._write_to(lang, case, o)] for o in c.officials]
        keyboard.append([button(self._btn(lang, "background"), Action.BACKGROUND, c.id)])
        if is_open:
            keyboard.append([url_button(self._btn(lang, "share"), self.share_url(lang, case))])
        if offer_reminders and self.remindable(case, today):
            keyboard.append([button(self._btn(lang, "subscribe"), Action.SUBSCRIBE, c.id)])
        if not is_open:
            keyboard.append([button(self._btn(lang, "ended_cases"), Action.ENDED, "0")])
        if not is_open or len(self.open_cases(today)) > 1:
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
