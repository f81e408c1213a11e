"""Each step organizers take on a case, from a document to news: files first, then content.

Every step writes the case folder atomically (a draft may be incomplete; a published case is
written only when it passes the same check as `python -m bot check`), records who did it,
and serves the changed case at once. Work to confirm (an update, news, a pasted document)
is kept in the database, so a restart between any two steps loses nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

import yaml

from bot.authoring.edits import FieldError, apply_value, keep_generated, mark_generated
from bot.authoring.gaps import (
    DOUBT,
    Ask,
    find_gaps,
    gaps_with_asks,
    get,
    letter_languages,
    official_label,
)
from bot.authoring.values import ValueProblem, parse_value
from bot.authoring.workspace import CaseFiles, Workspace, WorkspaceError
from bot.campaigns.schedule import Campaigns
from bot.checks.content import check_folder, with_folder
from bot.content.models import CaseContent, Content, Lang
from bot.content.models import Update as CaseUpdate
from bot.content.render import Texts
from bot.importer.document import parse_document
from bot.importer.parsed import ParsedCase
from bot.importer.reading import DocumentError
from bot.importer.updates import plan_update, updated_files
from bot.importer.writing import case_files, check_case_id
from bot.screens.desk import (
    CaseSummary,
    Change,
    DeskState,
    Gap,
    Held,
    HistoryLine,
    OfficialSummary,
    Question,
)
from bot.screens.views import Views
from bot.storage import Storage

log = logging.getLogger(__name__)

#: Check results remembered (see `Desk._check`).
_REMEMBERED = 64
#: News kinds organizers post (as `updates:` in case.yaml).
NEWS_KINDS = ("info", "released", "closed")


class ContentHolder(Protocol):
    """What serves content to supporters (the bot's services): read it, replace it."""

    content: Content
    #: The interface strings of `content`, compiled.
    texts: Texts

    def replace_content(self, content: Content) -> None:
        """Serve this content from now on."""


@dataclass(frozen=True)
class Refusal:
    """Why a step was not taken: an interface string, its values, the check's problems."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Received:
    """What became of a document: a draft, an update to confirm, or a draft to replace."""

    kind: str  # "draft", "update", "replace"
    case_id: str
    staged_id: int | None = None
    ua_number: str = ""
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Answered:
    """A value kept: the next question of the same gap, if any."""

    next: Question | None
    gaps: list[Gap]


#: Importer warnings about an official's field that deserve a question (see `gaps.doubts`).
_DOUBTFUL = (
    (re.compile(r"^officials\.([a-z0-9_-]+): no email address"), ("email",)),
    (re.compile(r"^officials\.([a-z0-9_-]+): .* is not an email address"), ("email",)),
    (re.compile(r"^officials\.([a-z0-9_-]+): .* is not a Twitter handle"), ("twitter",)),
    (re.compile(r"^officials\.([a-z0-9_-]+): unsure where the title ends"), ("title", "name")),
)


def _doubtful(warnings: list[str]) -> list[str]:
    """The officials' fields the importer's warnings cast doubt on, as `d.<id>.<what>`."""
    fields: list[str] = []
    for warning in warnings:
        for pattern, whats in _DOUBTFUL:
            match = pattern.match(warning)
            if match:
                fields += [f"d.{match[1]}.{what}" for what in whats]
    return list(dict.fromkeys(fields))


def _stub(ask: Ask) -> Any:
    """A placeholder that passes every rule, to check one change against the rest of a draft."""
    stubs: dict[str, Any] = {
        "number": "0",
        "date": None,
        "email": ["stub@example.org"],
        "languages": ["en"],
        "paragraphs": ["x"],
        "letter": "{{ salutation }},\n\nx\n\n{{ signature }}\n",
        "tweet": "{{ handles }} x\n",
    }
    return stubs.get(ask.kind, "x")


def _completed(files: CaseFiles) -> CaseFiles:
    """The files with every missing field stubbed, so the check speaks only of the rest."""
    for _ in range(3):  # a stubbed letter asks for salutations: a second round fills them
        asks = [
            ask
            for _, group in gaps_with_asks(files, date.min)
            for ask in group
            if not ask.field.startswith(("r.", "d.")) and ask.kind != "date"
        ]
        if not asks:
            break
        for ask in asks:
            try:
                files = apply_value(files, ask.field, _stub(ask))
            except FieldError:
                continue
    return files


def _summary_of(files: CaseFiles) -> CaseSummary:
    data = files.data
    officials = []
    for item in data.get("officials") or []:
        if not isinstance(item, dict):
            continue
        emails = [item.get("email"), *(item.get("more_emails") or [])]
        officials.append(
            OfficialSummary(
                label=official_label(item),
                address=tuple(str(line) for line in item.get("address") or []),
                emails=tuple(str(e) for e in emails if e),
                fax=item.get("fax"),
                phone=item.get("phone"),
                twitter=tuple(item.get("twitter") or []),
                facebook=item.get("facebook"),
                salutations=tuple(
                    (str(code), str(text)) for code, text in (item.get("salutation") or {}).items()
                ),
            )
        )
    deadline = data.get("deadline")
    return CaseSummary(
        case_id=files.case_id,
        ua_number=str(data.get("ua_number") or ""),
        status=files.status,
        title=str(get(data, "title.en") or ""),
        person=str(get(data, "person.name.en") or ""),
        deadline=deadline if isinstance(deadline, date) else None,
        languages=tuple(data.get("languages") or []),
        letters=tuple(letter_languages(files)),
        officials=tuple(officials),
        copies=len(data.get("copies") or []),
        source=data.get("source"),
    )


def summary_of_case(item: CaseContent, lang: Lang) -> CaseSummary:
    """A served case as the /cases list names it."""
    case = item.case
    return CaseSummary(
        case_id=case.id,
        ua_number=case.ua_number,
        status=case.status,
        title=case.title.get(lang, case.title["en"]),
        person=case.person.name.get(lang, case.person.name["en"]),
        deadline=case.deadline,
        languages=tuple(case.languages),
        letters=tuple(item.letter_languages),
    )


def _question(case_id: str, ask: Ask, files: CaseFiles, more: bool) -> Question:
    who = None
    if ask.official is not None:
        for item in files.data.get("officials") or []:
            if isinstance(item, dict) and item.get("id") == ask.official:
                who = official_label(item)
    return Question(
        case_id=case_id,
        field=ask.field,
        label=ask.label,
        kind=ask.kind,
        lang=ask.lang,
        official=who,
        optional=ask.optional,
        current=ask.current,
        more=more,
    )


def _files_from_text(case_id: str, text: str, templates: dict[str, str]) -> CaseFiles:
    data = yaml.safe_load(text)
    header = ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        header += line + "\n"
    return CaseFiles(case_id, data, templates, header)


class Desk:
    """Organizers' steps on cases; one at a time (a lock), as is serving changed content."""

    def __init__(self, workspace: Workspace, storage: Storage, campaigns: Campaigns) -> None:
        self.workspace = workspace
        self.storage = storage
        self.campaigns = campaigns
        #: Held by every step that writes a case and by a reload of all content.
        self.lock = asyncio.Lock()
        self._checked: dict[str, list[str]] = {}

    # -- reading ----------------------------------------------------------------------------

    async def files(self, case_id: str) -> CaseFiles | None:
        """A case's files as data, or None if there is no such case."""
        try:
            return await asyncio.to_thread(self.workspace.read, case_id)
        except WorkspaceError:
            return None

    async def state(self, holder: ContentHolder, case_id: str, today: date) -> DeskState | None:
        """What the desk of a case shows: the case as read, its gaps, the check's verdict."""
        files = await self.files(case_id)
        if files is None:
            return None
        gaps = find_gaps(files, today)
        problems: list[str] = []
        if files.status == "draft" and not any(gap.blocking for gap in gaps):
            problems = await self._check(holder, files.with_data(status="active"))
        elif files.status != "draft":
            problems = list(holder.content.broken.get(case_id, []))
        held = None
        alert = await self.storage.outbox.by_key(f"alert:{case_id}")
        if alert is not None and alert.state == "draft":
            counts = await self.storage.outbox.counts(alert.id)
            held = Held(alert.id, counts.get("pending", 0))
        return DeskState(
            summary=_summary_of(files),
            gaps=gaps,
            problems=problems,
            held=held,
            served=case_id in holder.content.cases,
        )

    async def drafts(self) -> list[CaseSummary]:
        """Drafts in the writable directory."""
        return [_summary_of(files) for files in await asyncio.to_thread(self.workspace.drafts)]

    async def history(self, case_id: str, user_id: int) -> list[HistoryLine]:
        """The latest changes to a case; the asking organizer's own marked."""
        me = self.storage.authoring.organizer(user_id)
        return [
            HistoryLine(e.organizer, e.organizer == me, e.event, e.detail, e.at)
            for e in await self.storage.authoring.history(case_id)
        ]

    # -- checking and writing ---------------------------------------------------------------

    async def _check(self, holder: ContentHolder, files: CaseFiles) -> list[str]:
        """The problems `python -m bot check` finds in these files (none: they may be served).

        Remembered for the same files (a change's "after" is the next change's "before");
        the served strings are part of the key, as a reload may change them.
        """
        key = (
            id(holder.content.strings),
            files.yaml_text(),
            tuple(sorted(files.templates.items())),
        )
        digest = hashlib.sha256(repr(key).encode()).hexdigest()
        if digest not in self._checked:
            if len(self._checked) >= _REMEMBERED:
                self._checked.clear()
            self._checked[digest] = (await self._trial(holder, files))[1]
        return list(self._checked[digest])

    async def _trial(
        self, holder: ContentHolder, files: CaseFiles
    ) -> tuple[CaseContent | None, list[str]]:
        def run() -> tuple[CaseContent | None, list[str]]:
            with self.workspace.trial(files) as folder:
                item, problems = check_folder(holder.content, folder, holder.texts)
                shown = [problem.replace(str(folder), files.case_id) for problem in problems]
                # Each signature is checked: the same problem would be named three times.
                return item, list(dict.fromkeys(shown))

        return await asyncio.to_thread(run)

    async def _new_problems(
        self, holder: ContentHolder, before: CaseFiles, after: CaseFiles
    ) -> list[str]:
        """Problems a change brings (a draft's other gaps stubbed, so they are not counted)."""
        if after.status != "draft":
            return await self._check(holder, after)
        old = set(await self._check(holder, _completed(before)))
        return [p for p in await self._check(holder, _completed(after)) if p not in old]

    async def _write(
        self,
        holder: ContentHolder,
        files: CaseFiles,
        user_id: int,
        event: str,
        detail: str | None,
        now: datetime,
    ) -> None:
        """Write a case, note it in its history, serve it (the caller holds the lock)."""
        await asyncio.to_thread(self.workspace.write, files)
        await self.storage.authoring.record(files.case_id, user_id, event, detail, now)
        await self._serve(holder, files.case_id)
        log.info("case %s: %s", files.case_id, event)

    async def _serve(self, holder: ContentHolder, case_id: str) -> None:
        folder = self.workspace.folder(case_id)
        content = await asyncio.to_thread(
            with_folder, holder.content, case_id, folder, holder.texts
        )
        holder.replace_content(content)

    # -- documents --------------------------------------------------------------------------

    async def receive(
        self,
        holder: ContentHolder,
        text: str,
        source: str,
        user_id: int,
        now: datetime,
        today: date,
    ) -> Received | Refusal:
        """A UA document's text: a new draft, an update of its case, or a draft to replace."""
        parsed = await asyncio.to_thread(parse_document, text)
        if not parsed.officials and not parsed.ua_number and not parsed.letters:
            return Refusal("author_not_a_ua")
        async with self.lock:
            existing = parsed.update_of or parsed.case_id
            if existing is not None and self.workspace.folder(existing) is not None:
                files = await self.files(existing)
                data = {"text": text, "source": source}
                if files is not None and files.status == "draft" and not parsed.update_of:
                    staged = await self.storage.authoring.stage(
                        "update", existing, user_id, {**data, "replace": True}, now
                    )
                    return Received("replace", existing, staged)
                return await self._plan(existing, parsed, data, user_id, now)
            case_id = parsed.case_id or f"draft-{now:%y%m%d%H%M%S}"
            try:
                check_case_id(case_id)
            except DocumentError:
                case_id = f"draft-{now:%y%m%d%H%M%S}"
            await self._import(holder, parsed, case_id, source, user_id, now, today)
            return Received("draft", case_id, ua_number=parsed.ua_number or "")

    async def _import(
        self,
        holder: ContentHolder,
        parsed: ParsedCase,
        case_id: str,
        source: str,
        user_id: int,
        now: datetime,
        today: date,
    ) -> None:
        text, templates, warnings = case_files(
            parsed, case_id, source, today=today, status="draft"
        )
        files = _files_from_text(case_id, text, templates)
        # Everything but a letter the document gave was written by the importer from the
        # title: organizers review it (the mark is a Jinja comment in the file).
        generated = [name for name in templates if not name.startswith("letter.")]
        files = mark_generated(files, generated)
        notes = "".join(f"{DOUBT}{field}\n" for field in _doubtful(warnings))
        files = CaseFiles(files.case_id, files.data, files.templates, files.header + notes)
        await self._write(holder, files, user_id, "imported", source, now)

    async def _plan(
        self, case_id: str, parsed: ParsedCase, data: dict[str, Any], user_id: int, now: datetime
    ) -> Received | Refusal:
        folder = self.workspace.folder(case_id)
        assert folder is not None
        if not parsed.update_of:
            # The case's own document again (not "Further information"): its facts may have
            # changed, but its summary is no news for those who follow the case.
            parsed.summary = None
            data = {**data, "facts_only": True}
        try:
            changes = await asyncio.to_thread(plan_update, folder, parsed)
        except DocumentError as error:
            return Refusal(
                "author_unreadable", {"reason": str(error).replace(str(folder), case_id)}
            )
        staged = await self.storage.authoring.stage("update", case_id, user_id, data, now)
        return Received(
            "update",
            case_id,
            staged,
            parsed.ua_number or "",
            tuple(Change(c.field, c.before, c.after) for c in changes),
        )

    async def apply_update(
        self, holder: ContentHolder, staged_id: int, user_id: int, now: datetime, today: date
    ) -> str | Refusal:
        """Apply a further-information document shown earlier (or start a draft again)."""
        async with self.lock:
            staged = await self.storage.authoring.staged(staged_id)
            if staged is None or staged.state != "open" or staged.case_id is None:
                return Refusal("author_gone")
            case_id = staged.case_id
            text, source = str(staged.data["text"]), str(staged.data["source"])
            parsed = await asyncio.to_thread(parse_document, text)
            if staged.data.get("facts_only"):
                parsed.summary = None
            if staged.data.get("replace"):
                await self._import(holder, parsed, case_id, source, user_id, now, today)
                await self.storage.authoring.close_staged(staged_id, "done")
                return case_id
            folder = self.workspace.folder(case_id)
            if folder is None:
                return Refusal("author_gone")
            _, yaml_text, templates = await asyncio.to_thread(
                updated_files, folder, parsed, source=source, today=today
            )
            files = _files_from_text(case_id, yaml_text, templates)
            if files.status != "draft":
                problems = await self._check(holder, files)
                if problems:
                    return Refusal("author_check_failed", problems=problems)
            await self._write(holder, files, user_id, "updated", source, now)
            await self.storage.authoring.close_staged(staged_id, "done")
            return case_id

    async def cancel_staged(self, staged_id: int) -> bool:
        """Drop staged work (an update, news, a pasted document); False if it was not open."""
        return await self.storage.authoring.close_staged(staged_id, "cancelled")

    # -- a pasted document --------------------------------------------------------------------

    async def paste(
        self, staged_id: int | None, part: str, user_id: int, now: datetime
    ) -> tuple[int, int, int]:
        """Keep a part of a pasted document; its staged id, how many parts, how long."""
        if staged_id is not None:
            staged = await self.storage.authoring.staged(staged_id)
            if staged is not None and staged.state == "open" and staged.kind == "paste":
                parts = [*staged.data["parts"], part]
                await self.storage.authoring.update_staged(staged_id, {"parts": parts})
                return staged_id, len(parts), sum(map(len, parts))
        new = await self.storage.authoring.stage("paste", None, user_id, {"parts": [part]}, now)
        return new, 1, len(part)

    async def pasted_text(self, staged_id: int) -> str | None:
        """The whole pasted document, once (the staged parts are closed)."""
        staged = await self.storage.authoring.staged(staged_id)
        if staged is None or staged.kind != "paste" or staged.state != "open":
            return None
        await self.storage.authoring.close_staged(staged_id, "done")
        return "\n".join(str(part) for part in staged.data["parts"])

    # -- questions and answers ----------------------------------------------------------------

    async def first_question(self, case_id: str, key: str, today: date) -> Question | None:
        """The first question of a gap (None: nothing left to ask there)."""
        files = await self.files(case_id)
        if files is None:
            return None
        for gap, asks in gaps_with_asks(files, today):
            if gap.key == key and asks:
                return _question(case_id, asks[0], files, len(asks) > 1)
        return None

    async def after(self, case_id: str, field: str, today: date) -> Question | None:
        """The question after `field` in its gap (a skipped one stays on the list)."""
        files = await self.files(case_id)
        if files is None:
            return None
        for _, asks in gaps_with_asks(files, today):
            fields = [ask.field for ask in asks]
            if field in fields:
                rest = asks[fields.index(field) + 1 :]
                return _question(case_id, rest[0], files, len(rest) > 1) if rest else None
        return None

    async def answer(
        self,
        holder: ContentHolder,
        case_id: str,
        field: str,
        raw: str,
        user_id: int,
        now: datetime,
        today: date,
    ) -> Answered | Refusal:
        """Check a typed value, keep it, and say what to ask next in the same gap."""
        async with self.lock:
            files = await self.files(case_id)
            if files is None:
                return Refusal("author_gone")
            found = [
                (gap, asks)
                for gap, asks in gaps_with_asks(files, today)
                if any(a.field == field for a in asks)
            ]
            if not found:
                return Refusal("author_answered")
            gap, asks = found[0]
            ask = next(a for a in asks if a.field == field)
            try:
                value = parse_value(ask.kind, raw, today)
                changed = apply_value(files, field, value)
            except ValueProblem as problem:
                return Refusal(problem.key, problem.params)
            except FieldError:
                return Refusal("author_gone")
            problems = await self._new_problems(holder, files, changed)
            if problems:
                return Refusal("author_check_failed", problems=problems)
            await self._write(holder, changed, user_id, "set", field, now)
        return self._next(case_id, changed, gap.key, field, today)

    async def keep(
        self,
        holder: ContentHolder,
        case_id: str,
        field: str,
        user_id: int,
        now: datetime,
        today: date,
    ) -> Answered | Refusal:
        """Keep a text the importer wrote, as it is."""
        async with self.lock:
            files = await self.files(case_id)
            if files is None:
                return Refusal("author_gone")
            try:
                changed = keep_generated(files, field)
            except FieldError:
                return Refusal("author_gone")
            if changed is not files:
                await self._write(holder, changed, user_id, "kept", field, now)
        return self._next(
            case_id, changed, "doubts" if field.startswith("d.") else "review", field, today
        )

    def _next(self, case_id: str, files: CaseFiles, key: str, field: str, today: date) -> Answered:
        pairs = gaps_with_asks(files, today)
        gaps = [gap for gap, _ in pairs]
        for gap, asks in pairs:
            if gap.key == key:
                rest = [a for a in asks if a.field != field]
                if rest:
                    return Answered(_question(case_id, rest[0], files, len(rest) > 1), gaps)
        return Answered(None, gaps)

    async def gaps(self, case_id: str, today: date) -> list[Gap]:
        """What the case still lacks."""
        files = await self.files(case_id)
        return find_gaps(files, today) if files is not None else []

    # -- publishing, alerts ---------------------------------------------------------------

    async def publish(
        self,
        holder: ContentHolder,
        views: Views,
        case_id: str,
        user_id: int,
        now: datetime,
        today: date,
    ) -> Held | Refusal | None:
        """Make a draft active, after the check; its new-case alert is held for a decision.

        The alert is stored (held) before the case becomes active, so no scheduler round
        can send it on its own in between. None: the case is published and has no alert
        (its deadline passed, or it was announced before).
        """
        async with self.lock:
            files = await self.files(case_id)
            if files is None:
                return Refusal("author_gone")
            if files.status != "draft":
                return Refusal("author_published_already")
            gaps = [gap for gap in find_gaps(files, today) if gap.blocking]
            if gaps:
                return Refusal("author_publish_gaps", {"count": len(gaps)})
            active = files.with_data(status="active")
            item, problems = await self._trial(holder, active)
            if item is None:
                return Refusal("author_check_failed", problems=problems)
            held = None
            if item.is_open(today):
                organizer = self.storage.authoring.organizer(user_id)
                delivery = await self.campaigns.draft_alert(item, views, organizer, now)
                if delivery is not None:
                    counts = await self.storage.outbox.counts(delivery)
                    held = Held(delivery, counts.get("pending", 0))
            await self._write(holder, active, user_id, "published", None, now)
            return held

    async def held_alert(self, delivery_id: int) -> tuple[str, Held] | None:
        """A held alert by id: its case and audience; None once sent or for another kind."""
        info = await self.storage.outbox.get(delivery_id)
        if info is None or info.kind != "alert" or info.state != "draft" or not info.case_id:
            return None
        counts = await self.storage.outbox.counts(delivery_id)
        return info.case_id, Held(delivery_id, counts.get("pending", 0))

    async def send_alert(self, delivery_id: int, user_id: int, now: datetime) -> str | None:
        """Send a held alert now; its case id, or None if it was sent already."""
        found = await self.held_alert(delivery_id)
        if found is None or not await self.storage.outbox.start(delivery_id):
            return None
        await self.storage.authoring.record(
            found[0], user_id, "alert_sent", str(found[1].size), now
        )
        return found[0]

    async def hold_alert(self, delivery_id: int, user_id: int, now: datetime) -> str | None:
        """Keep an alert held (it stays unsent until an organizer sends it); its case id."""
        found = await self.held_alert(delivery_id)
        if found is None:
            return None
        await self.storage.authoring.record(found[0], user_id, "alert_held", None, now)
        return found[0]

    # -- news and closing -----------------------------------------------------------------

    async def start_news(self, case_id: str, kind: str, user_id: int, now: datetime) -> int:
        """Begin news about a case; its staged id (the texts follow)."""
        data = {"kind": kind, "text": {}}
        return await self.storage.authoring.stage("news", case_id, user_id, data, now)

    async def news_text(self, staged_id: int, code: str, raw: str) -> dict[str, Any] | Refusal:
        """Keep the news text in one interface language; the staged news as it is now."""
        staged = await self.storage.authoring.staged(staged_id)
        if staged is None or staged.kind != "news" or staged.state != "open":
            return Refusal("author_gone")
        try:
            text = parse_value("news", raw, date.min)
        except ValueProblem as problem:
            return Refusal(problem.key, problem.params)
        data = {**staged.data, "text": {**staged.data["text"], code: text}}
        await self.storage.authoring.update_staged(staged_id, data)
        return {**data, "case_id": staged.case_id}

    async def staged_news(self, staged_id: int) -> tuple[str, CaseUpdate] | None:
        """Open news as the update supporters will get, and its case id."""
        staged = await self.storage.authoring.staged(staged_id)
        if staged is None or staged.kind != "news" or staged.state != "open" or not staged.case_id:
            return None
        texts = staged.data.get("text") or {}
        if "en" not in texts:
            return None
        update = CaseUpdate(id=f"news-{staged_id}", kind=staged.data["kind"], text=texts)
        return staged.case_id, update

    async def send_news(
        self, holder: ContentHolder, staged_id: int, user_id: int, now: datetime, today: date
    ) -> str | Refusal:
        """Add the news to its case (closing it for closed/released news); its case id.

        The scheduler then sends it once to the case's followers (key `update:<case>:<id>`).
        """
        async with self.lock:
            found = await self.staged_news(staged_id)
            if found is None:
                return Refusal("author_gone")
            case_id, update = found
            files = await self.files(case_id)
            if files is None:
                return Refusal("author_gone")
            updates = list(files.data.get("updates") or [])
            if all(item.get("id") != update.id for item in updates):
                updates.append(update.model_dump())
                changes: dict[str, Any] = {"updates": updates}
                if update.kind in ("closed", "released"):
                    changes |= {"status": update.kind, "closed_on": today}
                changed = files.with_data(**changes)
                problems = await self._check(holder, changed)
                if problems:
                    return Refusal("author_check_failed", problems=problems)
                await self._write(holder, changed, user_id, f"news_{update.kind}", update.id, now)
            await self.storage.authoring.close_staged(staged_id, "done")
            return case_id

    async def close(
        self, holder: ContentHolder, case_id: str, user_id: int, now: datetime, today: date
    ) -> Refusal | None:
        """End a case before its deadline: closed from today (supporters can no longer act)."""
        async with self.lock:
            files = await self.files(case_id)
            if files is None:
                return Refusal("author_gone")
            if files.status != "active":
                return Refusal("author_not_active")
            changed = files.with_data(status="closed", closed_on=today)
            problems = await self._check(holder, changed)
            if problems:
                return Refusal("author_check_failed", problems=problems)
            await self._write(holder, changed, user_id, "closed", None, now)
            return None

    async def delete_draft(
        self, holder: ContentHolder, case_id: str, user_id: int, now: datetime
    ) -> bool:
        """Give a draft up: its folder goes (a baked-in case of that id is served again)."""
        async with self.lock:
            files = await self.files(case_id)
            if files is None or files.status != "draft":
                return False
            if not self.workspace.writable(case_id).is_dir():
                return False
            await asyncio.to_thread(self.workspace.delete, case_id)
            await self.storage.authoring.record(case_id, user_id, "deleted", None, now)
            await self._serve(holder, case_id)
            return True
