"""Messages the bot starts: reminders before a deadline, case news, alerts about new cases,
the weekly digest, organizers' broadcasts, and the retention rule that deletes a closed
case's personal data.

Each becomes a delivery in the durable outbox; the delivery engine sends it. Automatic ones
carry a unique key, so they happen once per case and time, also across restarts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.content.models import LANGS, CaseContent, Content, Lang, is_open
from bot.core.clock import appeal_day, calendar_day, days_left
from bot.screens.screen import Screen
from bot.screens.views import Views
from bot.storage import Storage
from bot.storage.audiences import Audience
from bot.storage.outbox import Payload

log = logging.getLogger(__name__)

#: Reminders go out at this time (UTC) on their day: midday in Kazakhstan, morning in Europe.
REMINDER_TIME = time(6, 0, tzinfo=UTC)
#: The weekly digest goes out on Mondays at this time (UTC).
DIGEST_TIME = time(8, 0, tzinfo=UTC)


def payload(screen: Screen) -> Payload:
    """A screen as the outbox stores it."""
    markup = screen.markup
    return Payload(screen.text, json.dumps(markup.to_dict()) if markup else None)


def reminder_due(case: CaseContent, now: datetime) -> int | None:
    """The reminder (days before the deadline) that is due now, if any.

    When the bot was down across two reminder times, only the latest is due: supporters get
    one reminder, not two in a row. None after the deadline or for a closed case.
    """
    deadline = case.case.deadline
    if deadline is None or not is_open(case, appeal_day(now)):
        return None
    due = [
        days
        for days in case.case.reminders_days_before
        if now >= datetime.combine(deadline - timedelta(days=days), REMINDER_TIME)
    ]
    return min(due) if due else None


def closes_on(case: CaseContent) -> date | None:
    """The day a case's appeal period ends: its deadline, or when organizers closed it."""
    return case.case.closed_on or case.case.deadline


@dataclass
class Campaigns:
    """Creates deliveries from content and the database; the engine sends them."""

    storage: Storage
    retention_days: int

    async def schedule(self, content: Content, views: Views, now: datetime) -> list[int]:
        """Create every reminder, case update and alert that is due; the new delivery ids."""
        created = []
        for case in content.iter_cases():
            if not case.listed:
                continue  # a draft: nobody hears of it
            created += await self._reminders(case, views, now)
            created += await self._updates(case, views, now)
            created += await self._alert(case, views, now)
        created += await self._digest(content, views, now)
        return created

    async def _alert(self, case: CaseContent, views: Views, now: datetime) -> list[int]:
        """A case that became active: once, to everyone who asked about each new case."""
        key = f"alert:{case.case.id}"
        if not case.is_open(appeal_day(now)) or await self.storage.outbox.has_key(key):
            return []
        screens: dict[str, Payload] = {lang: payload(views.alert(lang, case)) for lang in LANGS}
        created = await self.storage.outbox.create_audience_delivery(
            "alert", case.case.id, key, "alert", screens, now=now
        )
        if created is None or created[1] == 0:
            return []  # recorded all the same: the case was announced, to nobody yet
        delivery, recipients = created
        log.info("new-case alert %s: %d recipient(s)", key, recipients)
        return [delivery]

    async def draft_alert(
        self, case: CaseContent, views: Views, organizer: str, now: datetime
    ) -> int | None:
        """The new-case alert of a case an organizer publishes, held for their decision.

        It takes the alert's key, so the scheduler never sends it on its own: it goes when
        the organizer says so (`Outbox.start`), or never. None if the case was announced.
        """
        screens: dict[str, Payload] = {lang: payload(views.alert(lang, case)) for lang in LANGS}
        created = await self.storage.outbox.create_audience_delivery(
            "alert",
            case.case.id,
            f"alert:{case.case.id}",
            "alert",
            screens,
            now=now,
            state="draft",
            created_by=organizer,
        )
        return created[0] if created is not None else None

    async def _digest(self, content: Content, views: Views, now: datetime) -> list[int]:
        """Mondays: open cases each weekly subscriber has not acted on (nothing if none)."""
        monday = now.date() - timedelta(days=now.weekday())
        if now < datetime.combine(monday, DIGEST_TIME):
            return []
        year, week, _ = monday.isocalendar()
        key = f"digest:{year}-W{week:02d}"
        if await self.storage.outbox.has_key(key):
            return []
        today = appeal_day(now)
        cases = views.open_cases(today)
        screens: dict[tuple[Lang, tuple[str, ...]], Payload | None] = {}
        recipients = []
        for recipient in await self.storage.audiences.digest_recipients():
            todo = tuple(c.case.id for c in cases if c.case.id not in recipient.acted)
            cache_key = (recipient.lang, todo)
            if cache_key not in screens:
                chosen = [c for c in cases if c.case.id in todo]
                screen = views.digest(recipient.lang, chosen, today, calendar_day(now))
                screens[cache_key] = payload(screen) if screen is not None else None
            message = screens[cache_key]
            if message is not None:
                recipients.append((recipient.user_key, message))
        delivery = await self.storage.outbox.create_delivery(
            "digest", None, key, "digest", None, False, recipients, now=now
        )
        if delivery is None or not recipients:
            return []
        log.info("weekly digest %s: %d recipient(s)", key, len(recipients))
        return [delivery]

    async def _reminders(self, case: CaseContent, views: Views, now: datetime) -> list[int]:
        days = reminder_due(case, now)
        if days is None or await self.storage.outbox.has_key(f"reminder:{case.case.id}:{days}"):
            return []
        recipients = []
        # The days left as the card counts them at this moment (the reminder may go out
        # late, after a restart), not the schedule's number.
        assert case.case.deadline is not None  # reminder_due gives None without one
        left = days_left(case.case.deadline, calendar_day(now))
        for recipient in await self.storage.audiences.recipients("reminder", case.case.id):
            screen = views.reminder(recipient.lang, case, left, recipient.officials_done)
            if screen is not None:  # nothing left to do: no reminder
                recipients.append((recipient.user_key, payload(screen)))
        key = f"reminder:{case.case.id}:{days}"
        delivery = await self.storage.outbox.create_delivery(
            "reminder", case.case.id, key, "reminder", None, False, recipients, now=now
        )
        if delivery is None:
            return []
        # Earlier reminders that were missed while the bot was down are not sent late.
        for earlier in case.case.reminders_days_before:
            if earlier > days:
                await self.storage.outbox.create_delivery(
                    "reminder",
                    case.case.id,
                    f"reminder:{case.case.id}:{earlier}",
                    "skipped",
                    None,
                    False,
                    [],
                    now=now,
                )
        log.info("reminder %s: %d recipient(s)", key, len(recipients))
        return [delivery]

    async def _updates(self, case: CaseContent, views: Views, now: datetime) -> list[int]:
        created = []
        for update in case.case.updates:
            key = f"update:{case.case.id}:{update.id}"
            if await self.storage.outbox.has_key(key):
                continue
            screens: dict[str, Payload] = {
                lang: payload(views.case_update(lang, case, update)) for lang in LANGS
            }
            made = await self.storage.outbox.create_audience_delivery(
                "update", case.case.id, key, "update", screens, now=now
            )
            if made is not None and made[1] > 0:
                log.info("case update %s: %d recipient(s)", key, made[1])
                created.append(made[0])
        return created

    async def draft_broadcast(
        self,
        views: Views,
        case: CaseContent,
        audience: Audience,
        html: str,
        organizer: str,
        paid: bool,
        now: datetime,
    ) -> tuple[int, int]:
        """Store an organizer's broadcast as a draft; return its id and audience size."""
        recipients = [
            (r.user_key, payload(views.broadcast(r.lang, case, html)))
            for r in await self.storage.audiences.recipients(audience, case.case.id)
        ]
        delivery = await self.storage.outbox.create_draft(
            "broadcast", case.case.id, None, audience, organizer, paid, recipients, now=now
        )
        assert delivery is not None  # only keyed deliveries can collide
        return delivery, len(recipients)

    async def apply_retention(self, content: Content, now: datetime) -> int:
        """Delete personal data once the last thing that kept it has expired.

        A case's supporters are unlinked the retention time after it closed; those of a case
        no longer in the content, the retention time after anyone last acted on it; and
        supporters linked to nothing (a signature typed, or half of one, but no action and
        no reminders), the retention time (at least a day) after their first visit. Returns
        how many supporters were unlinked or deleted.
        """
        removed = 0
        today = appeal_day(now)
        keep = timedelta(days=self.retention_days)
        for case in content.iter_cases():
            closed = closes_on(case)
            if closed is None or is_open(case, today):
                continue
            if today >= closed + keep:
                removed += await self.storage.purge_case(case.case.id)
        # Supporters' days are stored as UTC days.
        stored_today = now.astimezone(UTC).date()
        for case_id, last in (await self.storage.case_activity()).items():
            if content.case(case_id) is None and stored_today >= last + keep:
                removed += await self.storage.purge_case(case_id)
        # Deleted on the day their first visit is `keep` old: first visit before the day after.
        first_visit_before = stored_today - max(keep, timedelta(days=1)) + timedelta(days=1)
        removed += await self.storage.purge_unlinked(first_visit_before)
        if removed:
            await self.storage.scrub()
        return removed
