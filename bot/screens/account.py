"""Screens about the supporter's own data: language, privacy, /mydata, /forget."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.models import LANGS, Lang
from bot.content.render import local, markup
from bot.content.signature import Signature
from bot.screens.base import ScreenBase
from bot.screens.callbacks import Action
from bot.screens.screen import Screen, button, channel_key
from bot.storage.supporters import ALERT_MODES, ActionRecord, AlertMode


class AccountScreens(ScreenBase):
    """Language, privacy, stored data, deletion."""

    def language_menu(self, lang: Lang) -> Screen:
        """Choose the interface language."""
        keyboard = [
            [button(self.content.strings[code].language_name, Action.LANGUAGE, code)]
            for code in LANGS
        ]
        return Screen(self._msg(lang, "language_menu"), keyboard)

    def privacy(self, lang: Lang) -> Screen:
        """What is stored, why, and what /forget does."""
        return Screen(self._msg(lang, "privacy"))

    def my_data(
        self,
        lang: Lang,
        stored_lang: Lang | None,
        signature: Signature | None,
        actions: Sequence[ActionRecord],
        subscriptions: Sequence[str] = (),
    ) -> Screen:
        """Everything stored about the supporter, in words."""
        lines = []
        for record in actions:
            case = self.content.case(record.case_id)
            official = case.case.official(record.official_id) if case else None
            lines.append(
                self._msg(
                    lang,
                    "my_action",
                    case=case.case.ua_number if case else record.case_id,
                    official=local(official.title, lang) if official else record.official_id,
                    channel=self._btn(lang, f"channel_{channel_key(record.channel)}"),
                    day=self.texts.date(lang, record.created_at),
                )
            )
        text = self._msg(
            lang,
            "my_data",
            has_data=stored_lang is not None
            or signature is not None
            or bool(actions)
            or bool(subscriptions),
            reminders=[
                case.case.ua_number if (case := self.content.case(case_id)) else case_id
                for case_id in subscriptions
            ],
            language=self.content.strings[stored_lang].language_name if stored_lang else None,
            signature_mode=signature.mode if signature else None,
            signature=signature.text if signature else None,
            actions=[markup(line) for line in lines],
        )
        return Screen(text)

    def settings(
        self,
        lang: Lang,
        alerts: AlertMode | None,
        reminders: bool,
        news: bool,
        following: Sequence[str],
    ) -> Screen:
        """Every kind of message the bot may send, as the supporter set it, and the switches."""
        followed = [
            case.case.ua_number if (case := self.content.case(case_id)) else case_id
            for case_id in following
        ]
        text = self._msg(
            lang, "settings", alerts=alerts, reminders=reminders, news=news, following=followed
        )
        mark = self._btn(lang, "chosen_mark") + " "
        keyboard = [
            [
                button(
                    (mark if alerts == mode else "") + self._btn(lang, f"alerts_{mode}"),
                    Action.ALERTS,
                    mode,
                )
                for mode in ALERT_MODES
            ],
            [
                button(
                    (mark if alerts is None else "") + self._btn(lang, "alerts_off"),
                    Action.ALERTS,
                    "off",
                )
            ],
            [
                button(
                    self._btn(lang, "reminders_off" if reminders else "reminders_on"),
                    Action.SETTINGS,
                    "r0" if reminders else "r1",
                )
            ],
            [
                button(
                    self._btn(lang, "news_off" if news else "news_on"),
                    Action.SETTINGS,
                    "n0" if news else "n1",
                )
            ],
            [button(self._btn(lang, "menu"), Action.MENU)],
        ]
        return Screen(text, keyboard)

    def alerts_question(self, lang: Lang) -> Screen:
        """How often to hear about new Urgent Actions (from the offer on /start or thanks)."""
        keyboard = [
            [button(self._btn(lang, f"alerts_{mode}"), Action.ALERTS, mode)]
            for mode in ALERT_MODES
        ]
        keyboard.append([button(self._btn(lang, "alerts_not_now"), Action.MENU)])
        return Screen(self._msg(lang, "alerts_question"), keyboard)

    def forget_question(self, lang: Lang) -> Screen:
        """Ask before deleting: /forget cannot be undone."""
        keyboard = [
            [button(self._btn(lang, "forget_yes"), Action.FORGET, "yes")],
            [button(self._btn(lang, "forget_no"), Action.FORGET, "no")],
        ]
        return Screen(self._msg(lang, "forget_question"), keyboard)

    def note(self, lang: Lang, key: str, **context: object) -> Screen:
        """A plain message from the strings file with the way back to the cases."""
        return Screen(
            self._msg(lang, key, **context),
            [[button(self._btn(lang, "menu"), Action.MENU)]],
        )
