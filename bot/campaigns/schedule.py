"""Messages the bot starts: reminders before a deadline, case updates, organizers' broadcasts,
and the retention rule that deletes a closed case's personal data.

Each becomes a delivery in the durable outbox; the delivery engine sends it. Automatic ones
carry a unique key, so they happen once per case and time, also across restarts.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.content.models import CaseContent, Content
from bot.core.clock import appeal_day
from bot.screens.screen import Screen, is_open
from bot.screens.views import Views
from bot.storage import Storage
from bot.storage.audiences import Audience
from bot.storage.outbox import Payload

log = logging.getLogger(__name__)

#: Reminders go out at this time (UTC) on their day: midday in Kazakhstan, morning in Europe.
REMINDER_TIME = time(6, 0, tzinfo=UTC)


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
        """Create every reminder and case update that is due; return the new delivery ids."""
        created = []
        for case in content.iter_cases():
            created += await self._reminders(case, views, now)
            created += await self._updates(case, views, now)
        return created

    async def _reminders(self, case: CaseContent, views: Views, now: datetime) -> list[int]:
        days = reminder_due(case, now)
        if days is None:
            return []
        recipients = []
        for recipient in await self.storage.audiences.recipients("reminder", case.case.id):
            screen = views.reminder(recipient.lang, case, days, recipient.officials_done)
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
            recipients = [
                (r.user_key, payload(views.case_update(r.lang, case, update)))
                for r in await self.storage.audiences.recipients("update", case.case.id)
            ]
            delivery = await self.storage.outbox.create_delivery(
                "update", case.case.id, key, "update", None, False, recipients, now=now
            )
            if delivery is not None:
                log.info("case update %s: %d recipient(s)", key, len(recipients))
                created.append(delivery)
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
        """Delete personal data of supporters of cases closed longer than the retention time."""
        removed = 0
        today = appeal_day(now)
        for case in content.iter_cases():
            closed = closes_on(case)
            if closed is None or is_open(case, today):
                continue
            if today >= closed + timedelta(days=self.retention_days):
                removed += await self.storage.purge_case(case.case.id)
        return removed
