"""Screens about the supporter's own data: language, privacy, /mydata, /forget."""

from __future__ import annotations

from collections.abc import Sequence

from bot.content.languages import language_name
from bot.content.models import LANGS, Lang
from bot.content.render import local, markup
from bot.screens.base import ScreenBase
from bot.screens.callbacks import Action
from bot.screens.screen import Screen, button, channel_key
from bot.storage.supporters import ALERT_MODES, AlertMode, StoredData


class AccountScreens(ScreenBase):
    """Language, privacy, stored data, deletion."""

    def language_menu(self, lang: Lang) -> Screen:
        """Choose the interface language."""
        keyboard = [
            [button(self.content.strings[code].language_name, Action.LANGUAGE, code)]
            for code in LANGS
        ]
        return Screen(self._msg(lang, "language_menu"), keyboard)

    def privacy(self, lang: Lang, retention_days: int, backup_days: int) -> Screen:
        """What is stored, why, how it is protected, who can read it, for how long."""
        text = self._msg(
            lang,
            "privacy",
            days=retention_days,
            # Retention keeps a supporter linked to nothing at least a day (campaigns).
            unlinked_days=max(retention_days, 1),
            backup_days=backup_days,
        )
        return Screen(text)

    def my_data(self, lang: Lang, stored: StoredData | None) -> Screen:
        """Everything stored about the supporter, in words."""
        if stored is None:
            return Screen(self._msg(lang, "my_data", has_data=False))
        supporter = stored.supporter
        signature = supporter.signature
        lines = []
        for record in supporter.actions:
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
        reminders = [
            self._msg(
                lang,
                "my_reminder",
                case=case.case.ua_number if (case := self.content.case(case_id)) else case_id,
                day=self.texts.date(lang, day),
            )
            for case_id, day in sorted(stored.subscribed_on.items())
        ]
        names = {code: self.content.strings[code].language_name for code in LANGS}
        text = self._msg(
            lang,
            "my_data",
            has_data=True,
            first_visit=self.texts.date(lang, supporter.created_at),
            language=names[supporter.lang] if supporter.lang else None,
            telegram_language=names[stored.seen_lang] if stored.seen_lang else None,
            signature_mode=signature.mode if signature else None,
            signature=signature.text if signature else None,
            reminders=[markup(line) for line in reminders],
            stopped=self.texts.date(lang, stored.stopped_on) if stored.stopped_on else None,
            blocked=self.texts.date(lang, stored.blocked_on) if stored.blocked_on else None,
            messages=stored.messages,
            actions=[markup(line) for line in lines],
            has_chat=stored.has_chat,
            alerts=supporter.alerts,
            reminders_on=supporter.reminders,
            news_on=supporter.news,
            letter_langs=[
                f"UA {case.case.ua_number if (case := self.content.case(case_id)) else case_id}:"
                f" {language_name(code, lang)}"
                for case_id, code in sorted(supporter.letter_langs.items())
            ],
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

    def private_only(self, lang: Lang) -> Screen:
        """In a group: the bot works only in private, with a link to its private chat."""
        return Screen(self._msg(lang, "private_only", bot=self.bot_username))

    def note(self, lang: Lang, key: str, **context: object) -> Screen:
        """A plain message from the strings file with the way back to the cases."""
        return Screen(
            self._msg(lang, key, **context),
            [[button(self._btn(lang, "menu"), Action.MENU)]],
        )
