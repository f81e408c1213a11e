"""What organizers see of their cases in Telegram: a draft as read, what it lacks, the
questions that fix it, publishing, news, closing, updates, the history of changes.

The data comes from `bot.authoring` as the small records below (no I/O here); supporter
screens shown in a preview are the real ones (`Views`), wrapped by `preview`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from telegram import InlineKeyboardButton

from bot.content.languages import in_language, language_name
from bot.content.limits import MAX_MESSAGE, telegram_length
from bot.content.models import LANGS, Lang
from bot.content.render import RenderFailure
from bot.screens.callbacks import Action, Callback
from bot.screens.screen import Keyboard, Screen, button
from bot.screens.views import Views

#: Changes listed on one screen (an update plan, the history); the rest are counted.
_SHOWN = 12
#: Cases with a button on the /cases list.
_LISTED = 20


@dataclass(frozen=True)
class Gap:
    """Something a case lacks or an organizer should look at, fixed by a few questions."""

    key: str
    blocking: bool
    #: Interface string of its line and button (`gap_*`).
    label: str
    #: What is asked, as `field_*` button keys, in order.
    fields: tuple[str, ...]
    count: int
    lang: str | None = None
    official: str | None = None


@dataclass(frozen=True)
class OfficialSummary:
    """An official as the draft has them, to show what was read."""

    label: str
    address: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    fax: str | None = None
    phone: str | None = None
    twitter: tuple[str, ...] = ()
    facebook: str | None = None
    salutations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CaseSummary:
    """A case as the organizer's screens show it (from its files, even when incomplete)."""

    case_id: str
    ua_number: str
    status: str
    title: str
    person: str
    deadline: date | None
    languages: tuple[str, ...]
    letters: tuple[str, ...]
    officials: tuple[OfficialSummary, ...] = ()
    copies: int = 0
    source: str | None = None


@dataclass(frozen=True)
class Question:
    """One question about a case field, as asked in chat."""

    case_id: str
    field: str
    #: `field_*` key naming the field.
    label: str
    kind: str
    lang: str | None = None
    official: str | None = None
    optional: bool = False
    current: str | None = None
    #: More questions follow in the same gap.
    more: bool = False


@dataclass(frozen=True)
class Change:
    """One fact an update changes (from `bot.importer.updates.Change`)."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryLine:
    """A line of a case's history."""

    organizer: str
    mine: bool
    event: str
    detail: str | None
    at: datetime


@dataclass(frozen=True)
class Held:
    """A new-case alert waiting for its organizer: its delivery and audience."""

    delivery_id: int
    size: int


@dataclass(frozen=True)
class DeskState:
    """Everything the desk of one case shows."""

    summary: CaseSummary
    gaps: Sequence[Gap]
    problems: Sequence[str] = ()
    held: Held | None = None
    served: bool = False
    followers: int = 0
    warnings: Sequence[str] = field(default_factory=tuple)


def _fits(text: str) -> bool:
    return telegram_length(text) <= MAX_MESSAGE


class DeskViews:
    """Organizer screens about cases, in the organizer's interface language."""

    def __init__(self, views: Views) -> None:
        self.views = views
        self.texts = views.texts

    def _msg(self, lang: Lang, key: str, **context: object) -> str:
        return self.texts.message(lang, key, **context)

    def _btn(self, lang: Lang, key: str, **context: object) -> str:
        return self.texts.button(lang, key, **context)

    def _desk_button(self, label: str, *args: str) -> InlineKeyboardButton:
        return button(label, Action.DESK, *args)

    # -- the state of a case ----------------------------------------------------------------

    def gap_line(self, lang: Lang, gap: Gap) -> str:
        """One line of the list of what is missing: what, and which fields."""
        return self._btn(
            lang,
            gap.label,
            fields=[self._btn(lang, f"field_{name}") for name in gap.fields],
            count=gap.count,
            language=in_language(gap.lang, lang) if gap.lang else None,
            official=gap.official,
        )

    def field_name(self, lang: Lang, path: str | None) -> str | None:
        """A field path of the history ('t.letter.ru', 'o.president.salutation.ru') in words."""
        if not path:
            return path
        parts = path.split(".")
        code = parts[-1] if len(parts) > 1 and len(parts[-1]) in (2, 3) else None
        if parts[0] in ("t", "r") and len(parts) == 3:
            label = parts[1]
        elif parts[0] == "o" and len(parts) >= 3:
            label = {"name": "official_name", "title": "official_title"}.get(parts[2], parts[2])
        elif parts[0] == "person" and len(parts) >= 2:
            label = "person" if parts[1] == "name" else "pronouns"
        else:
            label = {"ua_number": "number"}.get(parts[0], parts[0])
        try:
            words = self._btn(lang, f"field_{label}")
        except RenderFailure:
            return path
        who = f", {parts[1]}" if parts[0] == "o" else ""
        return f"{words} ({code}){who}" if code else f"{words}{who}"

    def status_line(self, lang: Lang, gaps: Sequence[Gap], problems: Sequence[str] = ()) -> str:
        """What every organizer screen ends with: what is still missing before publishing."""
        blocking = sum(1 for gap in gaps if gap.blocking) + (1 if problems else 0)
        doubtful = sum(1 for gap in gaps if not gap.blocking)
        return self._msg(lang, "author_status", blocking=blocking, doubtful=doubtful)

    def _summary(self, lang: Lang, summary: CaseSummary, *, details: bool) -> str:
        officials = []
        for item in summary.officials:
            officials.append(
                {
                    "label": item.label,
                    "address": ", ".join(item.address) if details else "",
                    "emails": ", ".join(item.emails),
                    "fax": item.fax,
                    "phone": item.phone,
                    "twitter": " ".join(f"@{handle}" for handle in item.twitter),
                    "facebook": item.facebook,
                    "salutations": [f"{text} ({code})" for code, text in item.salutations if text],
                }
            )
        return self._msg(
            lang,
            "author_summary",
            s=summary,
            deadline=self.texts.date(lang, summary.deadline) if summary.deadline else None,
            languages=[language_name(code, lang) for code in summary.languages],
            letters=[language_name(code, lang) for code in summary.letters],
            officials=officials,
        )

    def desk(self, lang: Lang, state: DeskState, *, intro: str | None = None) -> Screen:
        """A case as read, what it lacks (a button per gap), and what can be done next."""
        summary = state.summary
        gaps = list(state.gaps)
        problems = list(state.problems)[:4]
        tail = self._msg(
            lang,
            "author_desk_tail",
            gaps=[(gap.blocking, self.gap_line(lang, gap)) for gap in gaps],
            problems=problems,
            more_problems=max(0, len(state.problems) - len(problems)),
            status=self.status_line(lang, gaps, state.problems),
            draft=summary.status == "draft",
            held=state.held,
        )
        head = f"{intro}\n\n" if intro else ""
        text = head + self._summary(lang, summary, details=True) + "\n\n" + tail
        if not _fits(text):
            text = head + self._summary(lang, summary, details=False) + "\n\n" + tail
        if not _fits(text):
            text = head + self._msg(lang, "author_summary_short", s=summary) + "\n\n" + tail
        keyboard: Keyboard = []
        case_id = summary.case_id
        for gap in gaps[:10]:
            icon = "❌" if gap.blocking else "✏️"
            label = f"{icon} {self.gap_line(lang, gap)}"
            if len(label) > 60:
                label = label[:59] + "…"
            keyboard.append([self._desk_button(label, "f", case_id, gap.key)])
        previews = [
            button(
                self._btn(lang, "author_preview", language=language_name(code, lang)),
                Action.PREVIEW,
                code,
                Action.CASE.value,
                case_id,
            )
            for code in LANGS
        ]
        if not any(gap.blocking for gap in gaps) and not state.problems:
            keyboard.append(previews)
        if summary.status == "draft":
            keyboard.append([self._desk_button(self._btn(lang, "author_publish"), "p", case_id)])
        else:
            if state.held is not None:
                keyboard.append(
                    [
                        self._desk_button(
                            self._btn(lang, "author_alert_send", size=state.held.size),
                            "as",
                            str(state.held.delivery_id),
                        )
                    ]
                )
            keyboard.append([self._desk_button(self._btn(lang, "author_news"), "n", case_id)])
            if summary.status == "active":
                keyboard.append([self._desk_button(self._btn(lang, "author_close"), "c", case_id)])
        keyboard.append([self._desk_button(self._btn(lang, "author_history"), "h", case_id)])
        if summary.status == "draft":
            keyboard.append([self._desk_button(self._btn(lang, "author_delete"), "x", case_id)])
        keyboard.append([self._desk_button(self._btn(lang, "author_all_cases"), "l")])
        return Screen(text, keyboard)

    def case_list(
        self, lang: Lang, drafts: Sequence[CaseSummary], cases: Sequence[CaseSummary]
    ) -> Screen:
        """/cases: drafts in hand, then published cases, each opening its desk."""
        text = self._msg(lang, "author_cases", drafts=len(drafts), cases=len(cases))
        keyboard: Keyboard = []
        for summary in [*drafts, *cases][:_LISTED]:
            label = self._btn(
                lang,
                "author_case_entry",
                status=summary.status,
                ua_number=summary.ua_number or summary.case_id,
                person=summary.person,
            )
            keyboard.append([self._desk_button(label[:60], "d", summary.case_id)])
        return Screen(text, keyboard)

    # -- questions --------------------------------------------------------------------------

    def question(self, lang: Lang, question: Question, gaps: Sequence[Gap]) -> Screen:
        """Ask for one field: what, in which language, for whom, and the rule it must meet."""
        current = question.current
        text = self._msg(
            lang,
            "author_ask",
            field=self._btn(lang, f"field_{question.label}"),
            language=in_language(question.lang, lang) if question.lang else None,
            official=question.official,
            kind=question.kind,
            current=current if current and len(current) < 2500 else None,
            status=self.status_line(lang, gaps),
        )
        args = (question.case_id, question.field)
        optional: list[InlineKeyboardButton | None] = []
        if question.field.startswith(("r.", "d.")):
            optional.append(self._safe(self._btn(lang, "author_keep"), "k", *args))
        if question.optional or question.more:
            optional.append(self._safe(self._btn(lang, "author_skip"), "s", *args))
        keyboard: Keyboard = [[item] for item in optional if item is not None]
        keyboard.append([self._desk_button(self._btn(lang, "author_back"), "d", question.case_id)])
        return Screen(text, keyboard)

    def _safe(self, label: str, *args: str) -> InlineKeyboardButton | None:
        """A desk button, or None when its data would not fit Telegram's 64 bytes."""
        try:
            Callback(Action.DESK, args).pack()
        except ValueError:  # over 64 bytes: an official id and a case id at their longest
            return None
        return self._desk_button(label, *args)

    def refused(
        self, lang: Lang, key: str, problems: Sequence[str] = (), **params: object
    ) -> Screen:
        """Why a value was not kept, and the question stays open."""
        shown = list(problems)[:6]
        text = self._msg(
            lang,
            "author_refused",
            reason=self._msg(lang, key, **params),
            problems=shown,
            more=max(0, len(problems) - len(shown)),
        )
        return Screen(text)

    def note(self, lang: Lang, key: str, **params: object) -> Screen:
        """A short organizer message."""
        return Screen(self._msg(lang, key, **params))

    # -- publishing, alerts, news, closing ------------------------------------------------

    def alert_confirm(self, lang: Lang, case_id: str, held: Held) -> Screen:
        """Below the alert as supporters will get it: send it now, or hold it."""
        keyboard = [
            [
                self._desk_button(
                    self._btn(lang, "author_alert_send", size=held.size),
                    "as",
                    str(held.delivery_id),
                )
            ],
            [self._desk_button(self._btn(lang, "author_alert_hold"), "ah", str(held.delivery_id))],
        ]
        return Screen(self._msg(lang, "author_alert_confirm", size=held.size), keyboard)

    def news_kinds(self, lang: Lang, case_id: str, followers: int) -> Screen:
        """Which news: further information, closed, released."""
        keyboard = [
            [self._desk_button(self._btn(lang, f"author_news_{kind}"), "nk", case_id, kind)]
            for kind in ("info", "released", "closed")
        ]
        keyboard.append([self._desk_button(self._btn(lang, "author_back"), "d", case_id)])
        return Screen(self._msg(lang, "author_news_kinds", followers=followers), keyboard)

    def news_ask(self, lang: Lang, staged_id: int, code: str, optional: bool) -> Screen:
        """Ask for the news text in one interface language."""
        keyboard: Keyboard = []
        if optional:
            keyboard.append(
                [self._desk_button(self._btn(lang, "author_skip"), "nr", str(staged_id))]
            )
        keyboard.append(
            [self._desk_button(self._btn(lang, "author_cancel"), "nx", str(staged_id))]
        )
        text = self._msg(lang, "author_news_ask", language=in_language(code, lang))
        return Screen(text, keyboard)

    def news_confirm(self, lang: Lang, staged_id: int, size: int, kind: str) -> Screen:
        """Below the news as followers will get it: send, or cancel."""
        keyboard = [
            [
                self._desk_button(
                    self._btn(lang, "author_news_send", size=size), "ns", str(staged_id)
                )
            ],
            [self._desk_button(self._btn(lang, "author_cancel"), "nx", str(staged_id))],
        ]
        text = self._msg(lang, "author_news_confirm", size=size, kind=kind)
        return Screen(text, keyboard)

    def close_confirm(self, lang: Lang, case_id: str) -> Screen:
        """Close a case before its deadline? (News can say why; closing alone sends nothing.)"""
        keyboard = [
            [self._desk_button(self._btn(lang, "author_close_yes"), "cc", case_id)],
            [self._desk_button(self._btn(lang, "author_back"), "d", case_id)],
        ]
        return Screen(self._msg(lang, "author_close_question"), keyboard)

    def delete_confirm(self, lang: Lang, case_id: str) -> Screen:
        """Give a draft up? Its files go; nothing was ever shown to supporters."""
        keyboard = [
            [self._desk_button(self._btn(lang, "author_delete_yes"), "xx", case_id)],
            [self._desk_button(self._btn(lang, "author_back"), "d", case_id)],
        ]
        return Screen(self._msg(lang, "author_delete_question", case_id=case_id), keyboard)

    # -- documents --------------------------------------------------------------------------

    def update_plan(
        self, lang: Lang, staged_id: int, case_id: str, ua_number: str, changes: Sequence[Change]
    ) -> Screen:
        """What a further-information document would change, to apply or cancel."""
        shown = list(changes)[:_SHOWN]
        text = self._msg(
            lang,
            "author_update_plan",
            case_id=case_id,
            ua_number=ua_number,
            changes=[_short(f"{c.field}: {c.before} → {c.after}") for c in shown],
            more=max(0, len(changes) - len(shown)),
        )
        keyboard = [
            [self._desk_button(self._btn(lang, "author_update_apply"), "u", str(staged_id))],
            [self._desk_button(self._btn(lang, "author_cancel"), "ux", str(staged_id))],
        ]
        return Screen(text, keyboard)

    def replace_question(self, lang: Lang, staged_id: int, case_id: str) -> Screen:
        """A document for a case that is still a draft: start the draft again from it?"""
        keyboard = [
            [self._desk_button(self._btn(lang, "author_replace"), "r", str(staged_id))],
            [self._desk_button(self._btn(lang, "author_keep_draft"), "d", case_id)],
        ]
        return Screen(self._msg(lang, "author_replace_question", case_id=case_id), keyboard)

    def paste_started(self, lang: Lang, staged_id: int, parts: int, length: int) -> Screen:
        """A document pasted as messages: send the rest, then import."""
        keyboard = [
            [self._desk_button(self._btn(lang, "author_import"), "i", str(staged_id))],
            [self._desk_button(self._btn(lang, "author_cancel"), "ix", str(staged_id))],
        ]
        return Screen(self._msg(lang, "author_pasted", parts=parts, length=length), keyboard)

    def history(self, lang: Lang, case_id: str, lines: Sequence[HistoryLine]) -> Screen:
        """The latest changes: who (a short keyed hash), what, when (UTC)."""
        entries = [
            {
                "when": f"{self.texts.date(lang, line.at.date())} {line.at:%H:%M}",
                "who": line.organizer[:8],
                "mine": line.mine,
                "what": self._btn(lang, f"event_{line.event}"),
                "detail": self.field_name(lang, line.detail)
                if line.event in ("set", "kept")
                else line.detail,
            }
            for line in lines[:_SHOWN]
        ]
        keyboard = [[self._desk_button(self._btn(lang, "author_back"), "d", case_id)]]
        return Screen(
            self._msg(lang, "author_history", case_id=case_id, entries=entries), keyboard
        )


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def as_preview(screen: Screen, lang: Lang, banner: str, back: InlineKeyboardButton) -> Screen:
    """A supporter screen shown to an organizer: under a banner, its buttons kept in preview.

    Every button that would act goes through `Action.PREVIEW` instead (nothing is counted or
    stored); the share link goes (a draft has nothing to share); a last row leaves the preview.
    """
    keyboard: Keyboard = []
    for row in screen.keyboard:
        kept: list[InlineKeyboardButton] = []
        for key in row:
            if key.callback_data is not None:
                inner = Callback.parse(str(key.callback_data))
                if inner is None:
                    continue
                try:
                    data = Callback(Action.PREVIEW, (lang, inner.action.value, *inner.args)).pack()
                except ValueError:  # too long once wrapped: left out of the preview
                    continue
                kept.append(InlineKeyboardButton(key.text, callback_data=data))
            elif key.url is not None and key.url.startswith("https://t.me/"):
                continue
            else:
                kept.append(key)
        if kept:
            keyboard.append(kept)
    keyboard.append([back])
    text = f"{banner}\n\n{screen.text}"
    if not _fits(text):
        text = screen.text  # the banner's line is in the last button then, always there
    return Screen(text, keyboard)
