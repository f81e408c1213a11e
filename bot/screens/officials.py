"""Screens of acting: an official's channels, one channel with its letter, and the thanks."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from urllib.parse import quote, urlencode

from telegram import InlineKeyboardButton

from bot.content.languages import for_display, in_language, letter_date
from bot.content.models import LETTER_CHANNELS, CaseContent, Channel, Lang, Official, is_open
from bot.content.names import official_name, official_title, person_name
from bot.content.render import local, render_template
from bot.content.signature import Signature
from bot.core.clock import days_left
from bot.screens.base import ScreenBase
from bot.screens.callbacks import Action, Target
from bot.screens.screen import (
    Keyboard,
    Screen,
    button,
    channel_key,
    copy_button,
    rows,
    url_button,
)

#: The template a channel's text comes from (Facebook suggests the email subject as a comment).
_TEXT_KIND = {
    Channel.EMAIL: "letter",
    Channel.POST: "letter",
    Channel.FAX: "letter",
    Channel.TWEET: "tweet",
    Channel.PHONE: "call",
    Channel.FACEBOOK: "email_subject",
}


#: Days a letter by post may take: with fewer left, the post screen suggests email or fax.
POST_DAYS = 14


class OfficialScreens(ScreenBase):
    """Officials, channels, the letter's meaning, thanks."""

    def official(
        self,
        lang: Lang,
        case: CaseContent,
        official: Official,
        done: Collection[str],
        letter_choice: str | None = None,
        *,
        is_open: bool = True,
    ) -> Screen:
        """The channels to reach one official, ticking those the supporter already used.

        Letters open in the language the supporter chose for this case (if this official
        accepts it), else the official's first; tweets and calls in the supporter's own
        language where the official accepts it.
        """
        text = self._msg(
            lang,
            "official",
            title=official_title(official, lang),
            name=official_name(official, lang),
            channels=len(official.channels),
            note=local(official.note, lang) if official.note else None,
            is_open=is_open,
        )
        # Every channel is chosen here: what identifies a sender is said before any of them.
        text += "\n\n" + self._msg(lang, "safety_note")
        offered = case.languages_for(official)
        letter_lang = letter_choice if letter_choice in offered else offered[0]
        spoken = case.spoken_language(official, lang)
        keyboard: Keyboard = []
        for channel in official.channels:
            label = self._btn(lang, f"channel_{channel_key(channel)}")
            if channel.value in done:
                label = self._btn(lang, "done_mark", label=label)
            text_lang = letter_lang if channel in LETTER_CHANNELS else spoken
            target = Target(case.case.id, official.id, channel, text_lang)
            keyboard.append([button(label, Action.VIEW, *target.args())])
        keyboard.append([button(self._btn(lang, "back_to_case"), Action.CASE, case.case.id)])
        return Screen(text, keyboard)

    def channel(
        self,
        lang: Lang,
        case: CaseContent,
        official: Official,
        target: Target,
        signature: Signature,
        today: date,
        done: bool,
        calendar: date | None = None,
    ) -> Screen:
        """Everything needed to act through one channel, and the button to confirm it.

        `today` decides whether the case is open (Anywhere on Earth); `calendar` is the
        supporter's day (UTC), which dates the letter and counts the days left.
        """
        day = calendar or today
        ctx: dict[str, object] = {
            "title": official_title(official, lang),
            "name": official_name(official, lang),
            "letter_language": in_language(target.lang, lang),
        }
        copy: list[InlineKeyboardButton | None] = []
        link: InlineKeyboardButton | None = None
        if target.channel in LETTER_CHANNELS:
            letter = render_template(case, "letter", target.lang, official, signature)
            ctx["letter"] = for_display(letter, target.lang)
        if target.channel is Channel.EMAIL:
            assert official.email is not None
            subject = render_template(case, "email_subject", target.lang, official, signature)
            to = ", ".join(official.emails)
            ctx |= {
                "email": to,
                "subject": subject,
                "fax": official.fax is not None,
                "post": bool(official.address),
            }
            copy = [
                copy_button(self._btn(lang, "copy_email"), to),
                copy_button(self._btn(lang, "copy_subject"), subject),
            ]
        elif target.channel is Channel.POST:
            deadline = case.case.deadline
            ctx |= {
                "address": "\n".join(official.address),
                "date_line": letter_date(day, target.lang),
                # Post takes 1-3 weeks: near the deadline, email or fax is surer.
                "hurry": deadline is not None
                and days_left(deadline, day) < POST_DAYS
                and (official.email is not None or official.fax is not None),
            }
        elif target.channel is Channel.FAX:
            assert official.fax is not None
            ctx["fax"] = official.fax
            copy = [copy_button(self._btn(lang, "copy_fax"), official.fax)]
        elif target.channel is Channel.TWEET:
            tweet = render_template(case, "tweet", target.lang, official, signature)
            ctx["tweet"] = for_display(tweet, target.lang)
            intent = "https://twitter.com/intent/tweet?" + urlencode(
                {"text": tweet}, quote_via=quote
            )
            link = url_button(self._btn(lang, "open_tweet"), intent)
        elif target.channel is Channel.PHONE:
            assert official.phone is not None
            ctx |= {
                "phone": official.phone,
                "script": for_display(
                    render_template(case, "call", target.lang, official, signature), target.lang
                ),
            }
            ctx["note"] = local(official.note, lang) if official.note else None
            copy = [copy_button(self._btn(lang, "copy_phone"), official.phone)]
        elif target.channel is Channel.FACEBOOK:
            assert official.facebook is not None
            ctx |= {
                "facebook": official.facebook,
                "post": for_display(
                    render_template(case, "email_subject", target.lang, official, signature),
                    target.lang,
                ),
            }
            link = url_button(
                self._btn(lang, "open_facebook"), f"https://www.facebook.com/{official.facebook}"
            )
        text = self._msg(lang, f"view_{channel_key(target.channel)}", **ctx)
        # What this channel reveals of the sender, and what to do instead: under the heading,
        # read before the text to send.
        heading, _, body = text.partition("\n\n")
        safety = self._msg(lang, f"safety_{channel_key(target.channel)}")
        text = f"{heading}\n\n{safety}\n\n{body}" if body else f"{heading}\n\n{safety}"
        if not is_open(case, today):
            text += "\n\n" + self._deadline_line(lang, case, today)

        keyboard = rows(link, *copy)
        if is_open(case, today):
            key = "confirmed" if done else f"confirm_{channel_key(target.channel)}"
            keyboard.append([button(self._btn(lang, key), Action.CONFIRM, *target.args())])
        keyboard += self._language_row(lang, case, official, target)
        if target.channel in LETTER_CHANNELS:
            keyboard.append(
                [button(self._btn(lang, "change_signature"), Action.SIGN, "?", *target.args())]
            )
        keyboard.append(
            [button(self._btn(lang, "back"), Action.OFFICIAL, case.case.id, official.id)]
        )
        return Screen(text, keyboard)

    def _language_row(
        self, lang: Lang, case: CaseContent, official: Official, target: Target
    ) -> Keyboard:
        """Switch the text's language; and read what it says in the supporter's language."""
        rows: Keyboard = []
        for other in case.languages_for(official):
            if other != target.lang:
                switched = Target(target.case_id, target.official_id, target.channel, other)
                label = self._btn(lang, "write_in", language=in_language(other, lang))
                rows.append([button(label, Action.VIEW, *switched.args())])
        meaning = case.meaning_language(lang)
        if meaning is not None and meaning != target.lang:
            label = self._btn(lang, "meaning", language=in_language(meaning, lang))
            rows.append([button(label, Action.MEANING, *target.args())])
        return rows

    def meaning(
        self,
        lang: Lang,
        case: CaseContent,
        official: Official,
        signature: Signature,
        channel: Channel = Channel.EMAIL,
    ) -> Screen:
        """What the text says, in the supporter's language (or English): to read, not send."""
        shown = case.meaning_language(lang) or case.letter_languages[0]
        text = render_template(case, _TEXT_KIND[channel], shown, official, signature)
        return Screen(
            self._msg(
                lang,
                "meaning",
                letter=for_display(text, shown),
                language=in_language(shown, lang),
                kind=_TEXT_KIND[channel],
            )
        )

    def thanks(
        self,
        lang: Lang,
        case: CaseContent,
        official: Official,
        total: int,
        done: Collection[tuple[str, str]],
        *,
        offer_reminders: bool = False,
        offer_alerts: bool = False,
        today: date | None = None,
    ) -> Screen:
        """Thanks, the new total, and what to do next; after a first action, what to follow."""
        others = [o for o in case.case.officials if o.id != official.id]
        text = self._msg(
            lang,
            "thanks",
            total=total,
            person=person_name(case.case, lang),
            link=self.deep_link(case.case.id),
            reported=case.case.report_totals,
        )
        keyboard: Keyboard = []
        for other in others:
            left = [c for c in other.channels if (other.id, c.value) not in done]
            if left:
                keyboard.append([self._write_to(lang, case, other)])
        if any((official.id, c.value) not in done for c in official.channels):
            keyboard.append(
                [
                    button(
                        self._btn(lang, "another_channel"),
                        Action.OFFICIAL,
                        case.case.id,
                        official.id,
                    )
                ]
            )
        keyboard.append([url_button(self._btn(lang, "share"), self.share_url(lang, case))])
        if offer_reminders and today is not None and self.remindable(case, today):
            keyboard.append([button(self._btn(lang, "subscribe"), Action.SUBSCRIBE, case.case.id)])
        if offer_alerts:
            keyboard.append([button(self._btn(lang, "alerts_offer"), Action.ALERTS, "?")])
        keyboard.append([button(self._btn(lang, "back_to_case"), Action.CASE, case.case.id)])
        return Screen(text, keyboard)

    def already_counted(self, lang: Lang) -> str:
        """Short answer to a second tap on a confirm button (a callback toast)."""
        return self._btn(lang, "already_counted")

    def closed_toast(self, lang: Lang) -> str:
        """Short answer to a confirm button after the deadline."""
        return self._btn(lang, "closed_toast")
