"""Screens: what the bot shows, built from content and state, with no I/O.

Handlers send these; start-up validation renders every one of them for every official,
language and signature choice, so a screen that would break Telegram's limits never ships.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from html import escape
from urllib.parse import quote, urlencode

from telegram import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import Action, Target, pack
from bot.content import (
    LANGS,
    LETTER_CHANNELS,
    CaseContent,
    Channel,
    Content,
    Lang,
    Official,
)
from bot.content import Update as CaseUpdate
from bot.render import MAX_COPY_TEXT, MAX_MESSAGE, Texts, local, markup, render_template
from bot.signature import Signature
from bot.storage import ActionRecord, PendingStep

Keyboard = list[list[InlineKeyboardButton]]

_CHANNEL_KEYS = {
    Channel.EMAIL: "email",
    Channel.TWEET: "tweet",
    Channel.POST: "post",
    Channel.FAX: "fax",
    Channel.PHONE: "phone",
    Channel.FACEBOOK: "facebook",
}


@dataclass(frozen=True)
class Screen:
    """One message: HTML text and its inline keyboard."""

    text: str
    keyboard: Keyboard = field(default_factory=list)

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        """The keyboard as Telegram wants it, or None for a message without buttons."""
        return InlineKeyboardMarkup(self.keyboard) if self.keyboard else None


def is_open(case: CaseContent, today: date) -> bool:
    """Whether supporters may still act and confirm: active, and the deadline not passed."""
    deadline = case.case.deadline
    return case.case.status == "active" and (deadline is None or today <= deadline)


def channel_key(channel: Channel | str) -> str:
    """The strings-file name of a channel ('email', 'tweet', ...)."""
    return _CHANNEL_KEYS[Channel(channel)]


def button(text: str, action: Action, *args: str) -> InlineKeyboardButton:
    """A callback button; the codec refuses data over Telegram's 64 bytes."""
    return InlineKeyboardButton(text, callback_data=pack(action, *args))


def url_button(text: str, url: str) -> InlineKeyboardButton:
    """A link button; Telegram accepts only http(s) and tg:// links there."""
    if not url.startswith(("https://", "http://", "tg://")):
        raise ValueError(f"not a URL Telegram accepts in a button: {url!r}")
    return InlineKeyboardButton(text, url=url)


def copy_button(text: str, value: str) -> InlineKeyboardButton | None:
    """A tap-to-copy button, or None when the value is too long for one."""
    if not value or len(value) > MAX_COPY_TEXT:
        return None
    return InlineKeyboardButton(text, copy_text=CopyTextButton(value))


def _rows(*buttons: InlineKeyboardButton | None) -> Keyboard:
    return [[b] for b in buttons if b is not None]


def split_paragraphs(paragraphs: Sequence[str], limit: int) -> list[list[str]]:
    """Group paragraphs into chunks whose joined length stays within `limit`."""
    chunks: list[list[str]] = [[]]
    size = 0
    for paragraph in paragraphs:
        extra = len(paragraph) + 2
        if chunks[-1] and size + extra > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(paragraph)
        size += extra
    return chunks


class Views:
    """Builds every screen of the bot from the loaded content."""

    def __init__(self, content: Content, texts: Texts, bot_username: str) -> None:
        self.content = content
        self.texts = texts
        self.bot_username = bot_username

    # -- small helpers ----------------------------------------------------------------------

    def _msg(self, lang: Lang, key: str, **context: object) -> str:
        return self.texts.message(lang, key, **context)

    def _btn(self, lang: Lang, key: str, **context: object) -> str:
        return self.texts.button(lang, key, **context)

    def _write_to(self, lang: Lang, case: CaseContent, official: Official) -> InlineKeyboardButton:
        """The button that opens an official's channels (case card, thanks, reminders)."""
        label = self._btn(
            lang, "write_to", title=local(official.title, lang), name=local(official.name, lang)
        )
        return button(label, Action.OFFICIAL, case.case.id, official.id)

    def deep_link(self, case_id: str) -> str:
        """The link that opens the bot straight on a case."""
        return f"https://t.me/{self.bot_username}?start={case_id}"

    def share_url(self, lang: Lang, case: CaseContent) -> str:
        """Telegram's share dialog with the case link and a one-line invitation."""
        text = self._btn(lang, "share_text", person=local(case.case.person.name, lang))
        query = urlencode({"url": self.deep_link(case.case.id), "text": text}, quote_via=quote)
        return f"https://t.me/share/url?{query}"

    def listed_cases(self, today: date) -> list[CaseContent]:
        """Cases supporters can pick: the open ones, or all of them when none is open."""
        cases = list(self.content.iter_cases())
        open_cases = [case for case in cases if is_open(case, today)]
        return open_cases or cases

    def _deadline_line(self, lang: Lang, case: CaseContent, today: date) -> str:
        deadline = case.case.deadline
        if case.case.status == "closed":
            return self._msg(lang, "case_closed")
        if deadline is None:
            return self._msg(lang, "no_deadline")
        when = self.texts.date(lang, deadline)
        if today > deadline:
            return self._msg(lang, "deadline_passed", deadline=when)
        return self._msg(lang, "deadline", deadline=when, days=(deadline - today).days)

    @staticmethod
    def remindable(case: CaseContent, today: date) -> bool:
        """Whether a reminder could still come: open, with a deadline and reminder days."""
        return (
            is_open(case, today)
            and case.case.deadline is not None
            and bool(case.case.reminders_days_before)
        )

    # -- the case ---------------------------------------------------------------------------

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

    # -- officials and channels -------------------------------------------------------------

    def official(
        self, lang: Lang, case: CaseContent, official: Official, done: Collection[str]
    ) -> Screen:
        """The channels to reach one official, ticking those the supporter already used."""
        text = self._msg(
            lang,
            "official",
            title=local(official.title, lang),
            name=local(official.name, lang),
            channels=len(official.channels),
        )
        letter_lang = case.languages_for(official)[0]
        keyboard: Keyboard = []
        for channel in official.channels:
            label = self._btn(lang, f"channel_{channel_key(channel)}")
            if channel.value in done:
                label = self._btn(lang, "done_mark", label=label)
            target = Target(case.case.id, official.id, channel, letter_lang)
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
    ) -> Screen:
        """Everything needed to act through one channel, and the button to confirm it."""
        ctx = {
            "title": local(official.title, lang),
            "name": local(official.name, lang),
            "letter_language": self.content.strings[target.lang].language_name,
        }
        copy: list[InlineKeyboardButton | None] = []
        link: InlineKeyboardButton | None = None
        if target.channel in LETTER_CHANNELS:
            letter = render_template(case, "letter", target.lang, official, signature)
            ctx["letter"] = letter
        if target.channel is Channel.EMAIL:
            assert official.email is not None
            subject = render_template(case, "email_subject", target.lang, official, signature)
            ctx |= {"email": official.email, "subject": subject}
            copy = [
                copy_button(self._btn(lang, "copy_email"), official.email),
                copy_button(self._btn(lang, "copy_subject"), subject),
            ]
        elif target.channel is Channel.POST:
            ctx |= {
                "address": "\n".join(official.address),
                "date_line": self.texts.date(target.lang, today),
            }
        elif target.channel is Channel.FAX:
            assert official.fax is not None
            ctx["fax"] = official.fax
            copy = [copy_button(self._btn(lang, "copy_fax"), official.fax)]
        elif target.channel is Channel.TWEET:
            tweet = render_template(case, "tweet", target.lang, official, signature)
            ctx["tweet"] = tweet
            intent = "https://twitter.com/intent/tweet?" + urlencode(
                {"text": tweet}, quote_via=quote
            )
            link = url_button(self._btn(lang, "open_tweet"), intent)
        elif target.channel is Channel.PHONE:
            assert official.phone is not None
            ctx |= {
                "phone": official.phone,
                "script": render_template(case, "call", target.lang, official, signature),
            }
            copy = [copy_button(self._btn(lang, "copy_phone"), official.phone)]
        elif target.channel is Channel.FACEBOOK:
            assert official.facebook is not None
            ctx |= {
                "facebook": official.facebook,
                "post": render_template(case, "email_subject", target.lang, official, signature),
            }
            link = url_button(
                self._btn(lang, "open_facebook"), f"https://www.facebook.com/{official.facebook}"
            )
        text = self._msg(lang, f"view_{channel_key(target.channel)}", **ctx)
        if not is_open(case, today):
            text += "\n\n" + self._deadline_line(lang, case, today)

        keyboard = _rows(link, *copy)
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
        """Switch the letter's language; and read its meaning in the supporter's language."""
        rows: Keyboard = []
        for other in case.languages_for(official):
            if other != target.lang:
                name = self.content.strings[other].language_name
                switched = Target(target.case_id, target.official_id, target.channel, other)
                rows.append(
                    [
                        button(
                            self._btn(lang, "write_in", language=name),
                            Action.VIEW,
                            *switched.args(),
                        )
                    ]
                )
        if (
            target.channel in LETTER_CHANNELS
            and target.lang != lang
            and lang in case.letter_languages
        ):
            rows.append([button(self._btn(lang, "meaning"), Action.MEANING, *target.args())])
        return rows

    def meaning(
        self, lang: Lang, case: CaseContent, official: Official, signature: Signature
    ) -> Screen:
        """The letter in the supporter's own language, to understand what they send."""
        letter = render_template(case, "letter", lang, official, signature)
        return Screen(self._msg(lang, "meaning", letter=letter))

    # -- signature --------------------------------------------------------------------------

    def signature_question(
        self, lang: Lang, current: Signature | None, target: Target | None
    ) -> Screen:
        """How to sign, with the safety note; the target is where to go once chosen."""
        rest = target.args() if target else ()
        keyboard = [
            [button(self._btn(lang, f"sign_{mode}"), Action.SIGN, mode, *rest)]
            for mode in ("name", "initials", "none")
        ]
        current_text = current.text if current and current.text else None
        text = self._msg(
            lang,
            "signature_question",
            has_current=current is not None,
            current=current_text,
        )
        return Screen(text, keyboard)

    def ask_text(self, lang: Lang, step: PendingStep) -> Screen:
        """Ask the supporter to type their name, initials or city."""
        return Screen(self._msg(lang, f"ask_{step}"))

    def signature_saved(self, lang: Lang, signature: Signature) -> Screen:
        """Confirm the signature that letters will now carry."""
        return Screen(self._msg(lang, "signature_saved", signature=signature.text or None))

    # -- after acting -----------------------------------------------------------------------

    def thanks(
        self,
        lang: Lang,
        case: CaseContent,
        official: Official,
        total: int,
        done: Collection[tuple[str, str]],
        *,
        offer_reminders: bool = False,
        today: date | None = None,
    ) -> Screen:
        """Thanks, the new total, and what to do next (and reminders, after a first action)."""
        others = [o for o in case.case.officials if o.id != official.id]
        text = self._msg(
            lang,
            "thanks",
            total=total,
            person=local(case.case.person.name, lang),
            link=self.deep_link(case.case.id),
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
        keyboard.append([button(self._btn(lang, "back_to_case"), Action.CASE, case.case.id)])
        return Screen(text, keyboard)

    # -- messages the bot starts (reminders, case updates) ----------------------------------

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
            person=local(c.person.name, lang),
            ua_number=c.ua_number,
            done=[local(o.title, lang) for o in done],
            left=[local(o.title, lang) for o in left],
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

    def already_counted(self, lang: Lang) -> str:
        """Short answer to a second tap on a confirm button (a callback toast)."""
        return self._btn(lang, "already_counted")

    def closed_toast(self, lang: Lang) -> str:
        """Short answer to a confirm button after the deadline."""
        return self._btn(lang, "closed_toast")

    # -- account ----------------------------------------------------------------------------

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
                    day=self.texts.date(lang, record.created_at.date()),
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
