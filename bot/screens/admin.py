"""What organizers see: numbers, the chart, the report for officials, broadcast screens."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date

from bot.content.models import CaseContent, Lang
from bot.content.render import local
from bot.screens.callbacks import Action
from bot.screens.chart import ChartLabels
from bot.screens.screen import Screen, button, channel_key
from bot.screens.views import Views
from bot.storage.audiences import BROADCAST_AUDIENCES, Audience
from bot.storage.stats import CaseStats

#: Outbox states shown to organizers, in the order of the progress line.
#: Cases listed in the /stats overview, and how many get a button (a phone screen's worth).
_OVERVIEW_CASES = 30
_OVERVIEW_BUTTONS = 12

STATES = ("sent", "blocked", "failed", "unknown", "cancelled", "pending", "sending")


class AdminViews:
    """Organizer screens, in the organizer's interface language."""

    def __init__(self, views: Views) -> None:
        self.views = views
        self.texts = views.texts

    def stats(self, lang: Lang, case: CaseContent, stats: CaseStats) -> Screen:
        """Totals per official and channel, supporters, recent activity, subscribers."""
        officials = [
            (local(o.title, lang), stats.by_official.get(o.id, 0)) for o in case.case.officials
        ]
        channels = [
            (self.texts.button(lang, f"channel_{channel_key(code)}"), count)
            for code, count in sorted(stats.by_channel.items(), key=lambda item: -item[1])
        ]
        text = self.texts.message(
            lang,
            "admin_stats",
            ua_number=case.case.ua_number,
            title=local(case.case.title, lang),
            s=stats,
            officials=officials,
            channels=channels,
        )
        return Screen(text)

    def overview(
        self,
        lang: Lang,
        cases: list[CaseContent],
        totals: Mapping[str, tuple[int, int]],
        alerts: Mapping[str, int],
        blocked: int,
        today: date,
    ) -> Screen:
        """/stats: the network at a glance, a line per case, a button per case for details."""
        lines = []
        for case in cases[:_OVERVIEW_CASES]:
            total, supporters = totals.get(case.case.id, (0, 0))
            lines.append(
                self.texts.button(
                    lang,
                    "stats_line",
                    ua_number=case.case.ua_number,
                    person=local(case.case.person.name, lang),
                    total=total,
                    supporters=supporters,
                    status=case.case.status,
                    open=case.is_open(today),
                )
            )
        text = self.texts.message(
            lang,
            "admin_overview",
            lines=lines,
            more=max(0, len(cases) - _OVERVIEW_CASES),
            each=alerts.get("each", 0),
            weekly=alerts.get("weekly", 0),
            blocked=blocked,
        )
        keyboard = [
            [button(f"📊 UA {c.case.ua_number}", Action.STATS, c.case.id)]
            for c in cases[:_OVERVIEW_BUTTONS]
        ]
        return Screen(text, keyboard)

    def report_csv(self, case: CaseContent, rows: list[tuple[date, str, str, int]]) -> bytes:
        """Aggregate counts per day × official × channel: safe to forward to officials."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["date", "urgent_action", "official", "channel", "actions"])
        for day, official_id, channel, count in rows:
            official = case.case.official(official_id)
            name = (
                f"{local(official.title, 'en')} {local(official.name, 'en')}"
                if official
                else official_id
            )
            label = self.texts.button("en", f"channel_{channel_key(channel)}")
            label = label.split(" ", 1)[-1]  # the emoji is for the chat, not for a spreadsheet
            writer.writerow([day.isoformat(), case.case.ua_number, name, label, count])
        # UTF-8 with BOM so that spreadsheet programs read Cyrillic names correctly.
        return buffer.getvalue().encode("utf-8-sig")

    def report_caption(self, lang: Lang, case: CaseContent, total: int) -> Screen:
        """The caption of /report's CSV file."""
        text = self.texts.message(
            lang, "admin_report_caption", ua_number=case.case.ua_number, total=total
        )
        return Screen(text)

    def chart_labels(self, lang: Lang, case: CaseContent) -> ChartLabels:
        """The /stats chart's title and axis, in the organizer's language."""
        return ChartLabels(
            title=self.texts.button(lang, "chart_title", ua_number=case.case.ua_number),
            axis=self.texts.button(lang, "chart_axis"),
            lang=lang,
        )

    def choose_case(self, lang: Lang, cases: list[CaseContent]) -> Screen:
        """First step of /broadcast when there are several cases."""
        keyboard = [
            [button(local(c.case.title, lang), Action.BROADCAST, "c", c.case.id)] for c in cases
        ]
        return Screen(self.texts.message(lang, "admin_choose_case"), keyboard)

    def choose_audience(
        self, lang: Lang, case: CaseContent, sizes: Mapping[Audience, int]
    ) -> Screen:
        """Second step: who gets it, with the size of each audience."""
        keyboard = [
            [
                button(
                    self.texts.button(lang, f"audience_{audience}", size=sizes[audience]),
                    Action.BROADCAST,
                    "a",
                    case.case.id,
                    audience,
                )
            ]
            for audience in BROADCAST_AUDIENCES
        ]
        text = self.texts.message(lang, "admin_choose_audience", ua_number=case.case.ua_number)
        return Screen(text, keyboard)

    def confirm(self, lang: Lang, delivery_id: int, size: int) -> Screen:
        """Below the preview: the audience size, send or cancel."""
        keyboard = [
            [
                button(
                    self.texts.button(lang, "broadcast_send", size=size),
                    Action.BROADCAST,
                    "s",
                    str(delivery_id),
                )
            ],
            [
                button(
                    self.texts.button(lang, "broadcast_cancel"),
                    Action.BROADCAST,
                    "x",
                    str(delivery_id),
                )
            ],
        ]
        return Screen(self.texts.message(lang, "admin_preview", size=size), keyboard)

    def progress(
        self,
        lang: Lang,
        kind: str,
        counts: Mapping[str, int],
        eta: float | None,
        done: bool,
        *,
        stopped: bool = False,
    ) -> Screen:
        """The one progress message of a delivery, edited as it goes (and once stopped)."""
        full = {state: counts.get(state, 0) for state in STATES}
        left = full["pending"] + full["sending"]
        eta_text = None
        if eta is not None:
            minutes, seconds = divmod(int(eta + 0.5), 60)
            eta_text = f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
        text = self.texts.message(
            lang,
            "admin_progress",
            kind=self.texts.button(lang, f"kind_{kind}"),
            c=full,
            left=left,
            eta=eta_text,
            done=done,
            stopped=stopped,
        )
        return Screen(text)

    def note(self, lang: Lang, key: str, **context: object) -> Screen:
        """A one-line organizer message."""
        return Screen(self.texts.message(lang, key, **context))
