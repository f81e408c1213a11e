"""Organizers' cases in Telegram: a document becomes a draft, fixed, previewed, published.

Only BOT_ADMINS reach any of this: the commands are registered for them alone, every button
and typed answer checks again (a forwarded button or an organizer removed meanwhile is
refused), and a document from anyone else gets the ordinary reply without being downloaded.
Thin: `bot.authoring.desk` does each step, `bot.screens.desk` shows it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import tempfile
from pathlib import Path

from telegram import Document, Update

from bot.authoring.desk import NEWS_KINDS, Answered, Refusal, summary_of_case
from bot.content.models import LANGS, Lang
from bot.handlers.common import BotContext, load_supporter, send, show
from bot.handlers.journey import Outdated
from bot.importer.reading import FORMATS, MAX_BYTES, DocumentError, read_document
from bot.screens.desk import Question
from bot.screens.screen import Screen
from bot.storage.supporters import Pending, Supporter

log = logging.getLogger(__name__)

#: Longest text file accepted as the answer to a question (a letter is a few kilobytes).
MAX_ANSWER_BYTES = 64 * 1024
#: A pasted message this long that names an Urgent Action starts a pasted document.
_PASTE_MIN = 400
_LOOKS_LIKE_UA = re.compile(r"urgent action|\bUA[\s-]*\d|срочн\w* акци", re.IGNORECASE)


def _organizer(update: Update, context: BotContext) -> int:
    """The organizer's Telegram id; Outdated for anyone else (a forwarded button)."""
    user = update.effective_user
    if user is None or not context.services.is_organizer(user.id):
        raise Outdated("not an organizer")
    return user.id


# -- commands ---------------------------------------------------------------------------------


async def cases_command(update: Update, context: BotContext) -> None:
    """/cases: drafts in hand and published cases, each with its desk."""
    _, lang = await load_supporter(update, context)
    await send(update, context, await _case_list(context, lang))


async def new_command(update: Update, context: BotContext) -> None:
    """/new: how to start a case from an Urgent Action document."""
    _, lang = await load_supporter(update, context)
    limit = MAX_BYTES // (1024 * 1024)
    await send(update, context, context.services.desk_views.note(lang, "author_new", limit=limit))


async def _case_list(context: BotContext, lang: Lang) -> Screen:
    services = context.services
    drafts = await services.desk.drafts()
    draft_ids = {d.case_id for d in drafts}
    cases = [
        summary_of_case(item, lang)
        for item in services.content.iter_cases()
        if item.listed and item.case.id not in draft_ids
    ]
    return services.desk_views.case_list(lang, drafts, cases)


# -- the desk of a case ---------------------------------------------------------------------


async def desk_screen(
    context: BotContext, lang: Lang, case_id: str, intro: str | None = None
) -> Screen:
    """The desk of a case (Outdated when the case is gone)."""
    services = context.services
    state = await services.desk.state(services, case_id, services.today())
    if state is None:
        raise Outdated(case_id)
    return services.desk_views.desk(lang, state, intro=intro)


async def on_desk_button(update: Update, context: BotContext, args: tuple[str, ...]) -> str | None:
    """Every desk button; organizers only."""
    user_id = _organizer(update, context)
    _, lang = await load_supporter(update, context)
    services = context.services
    views = services.desk_views
    desk = services.desk
    now, today = services.now(), services.today()
    verb, rest = (args[0], args[1:]) if args else ("", ())
    if verb == "l":
        await show(update, context, await _case_list(context, lang))
    elif verb == "d" and rest:
        await show(update, context, await desk_screen(context, lang, rest[0]))
    elif verb == "f" and len(rest) == 2:
        question = await desk.first_question(rest[0], rest[1], today)
        await _ask(update, context, lang, user_id, rest[0], question)
    elif verb == "s" and len(rest) == 2:
        question = await desk.after(rest[0], rest[1], today)
        await _ask(update, context, lang, user_id, rest[0], question)
    elif verb == "k" and len(rest) == 2:
        kept = await desk.keep(services, rest[0], rest[1], user_id, now, today)
        await _answered(update, context, lang, user_id, rest[0], kept, edit=True)
    elif verb == "p" and rest:
        await _publish(update, context, lang, user_id, rest[0])
    elif verb in ("as", "ah") and rest and rest[0].isdigit():
        return await _alert(update, context, lang, user_id, verb, int(rest[0]))
    elif verb == "n" and rest:
        case = services.content.case(rest[0])
        if case is None or not case.listed:
            raise Outdated(rest)
        followers = await services.storage.audiences.size("update", rest[0])
        await show(update, context, views.news_kinds(lang, rest[0], followers))
    elif verb == "nk" and len(rest) == 2 and rest[1] in NEWS_KINDS:
        if services.content.case(rest[0]) is None:
            raise Outdated(rest)
        staged = await desk.start_news(rest[0], rest[1], user_id, now)
        await _ask_news(update, context, lang, user_id, staged, "en")
    elif verb in ("nr", "ns", "nx", "u", "ux", "r", "i", "ix") and rest and rest[0].isdigit():
        await _staged(update, context, lang, user_id, verb, int(rest[0]))
    elif verb == "c" and rest:
        await show(update, context, views.close_confirm(lang, rest[0]))
    elif verb == "cc" and rest:
        closed = await desk.close(services, rest[0], user_id, now, today)
        if isinstance(closed, Refusal):
            await show(update, context, _refusal(context, lang, closed))
        else:
            intro = views.note(lang, "author_closed").text
            await show(update, context, await desk_screen(context, lang, rest[0], intro))
    elif verb == "h" and rest:
        lines = await desk.history(rest[0], user_id)
        await show(update, context, views.history(lang, rest[0], lines))
    elif verb == "x" and rest:
        await show(update, context, views.delete_confirm(lang, rest[0]))
    elif verb == "xx" and rest:
        deleted = await desk.delete_draft(services, rest[0], user_id, now)
        key = "author_deleted" if deleted else "author_gone"
        await show(update, context, views.note(lang, key, case_id=rest[0]))
    else:
        raise Outdated(args)
    return None


def _refusal(context: BotContext, lang: Lang, refusal: Refusal) -> Screen:
    return context.services.desk_views.refused(
        lang, refusal.key, refusal.problems, **refusal.params
    )


async def _ask(
    update: Update,
    context: BotContext,
    lang: Lang,
    user_id: int,
    case_id: str,
    question: Question | None,
    *,
    edit: bool = True,
    intro: str | None = None,
) -> None:
    """Ask a question (and wait for the answer, stored), or show the desk when none is left."""
    services = context.services
    if question is None:
        await services.storage.set_pending(user_id, None, services.now())
        screen = await desk_screen(context, lang, case_id, intro)
    else:
        pending = Pending("author", ("ask", case_id, question.field))
        await services.storage.set_pending(user_id, pending, services.now())
        gaps = await services.desk.gaps(case_id, services.today())
        screen = services.desk_views.question(lang, question, gaps)
        if intro:
            screen = Screen(f"{intro}\n\n{screen.text}", screen.keyboard)
    await (show(update, context, screen) if edit else send(update, context, screen))


async def _answered(
    update: Update,
    context: BotContext,
    lang: Lang,
    user_id: int,
    case_id: str,
    result: Answered | Refusal,
    *,
    edit: bool,
) -> None:
    services = context.services
    if isinstance(result, Refusal):
        await send(update, context, _refusal(context, lang, result))
        if result.key in ("author_gone", "author_answered"):
            await services.storage.set_pending(user_id, None, services.now())
        return
    intro = services.desk_views.note(lang, "author_saved").text
    await _ask(update, context, lang, user_id, case_id, result.next, edit=edit, intro=intro)


# -- publishing and the new-case alert --------------------------------------------------------


async def _publish(
    update: Update, context: BotContext, lang: Lang, user_id: int, case_id: str
) -> None:
    services = context.services
    result = await services.desk.publish(
        services, services.views, case_id, user_id, services.now(), services.today()
    )
    views = services.desk_views
    if isinstance(result, Refusal):
        await send(update, context, _refusal(context, lang, result))
        return
    await show(update, context, await desk_screen(context, lang, case_id))
    if result is None:
        await send(update, context, views.note(lang, "author_published_no_alert"))
        return
    case = services.content.case(case_id)
    assert case is not None  # just published and checked
    await send(update, context, views.note(lang, "author_published", size=result.size))
    await send(update, context, services.views.alert(lang, case))
    await send(update, context, views.alert_confirm(lang, case_id, result))


async def _alert(
    update: Update, context: BotContext, lang: Lang, user_id: int, verb: str, delivery_id: int
) -> str | None:
    services = context.services
    desk, views = services.desk, services.desk_views
    found = await desk.held_alert(delivery_id)
    if found is None:
        await show(update, context, views.note(lang, "author_alert_gone"))
        return None
    if verb == "as":
        case_id = await desk.send_alert(delivery_id, user_id, services.now())
        if case_id is None:
            await show(update, context, views.note(lang, "author_alert_gone"))
            return None
        await show(update, context, views.note(lang, "author_alert_sending", size=found[1].size))
        query, chat = update.callback_query, update.effective_chat
        if query is not None and query.message is not None and chat is not None:
            # The engine edits this message with progress, as for a broadcast.
            target = {"chat": chat.id, "message": query.message.message_id, "lang": lang}
            await services.storage.outbox.set_report_to(delivery_id, json.dumps(target))
        services.wake_delivery()
    else:
        await desk.hold_alert(delivery_id, user_id, services.now())
        await show(update, context, views.note(lang, "author_alert_held"))
    return None


# -- news, updates, pasted documents: work staged for a decision ----------------------------


async def _ask_news(
    update: Update, context: BotContext, lang: Lang, user_id: int, staged: int, code: str
) -> None:
    services = context.services
    pending = Pending("author", ("news", str(staged), code))
    await services.storage.set_pending(user_id, pending, services.now())
    screen = services.desk_views.news_ask(lang, staged, code, optional=code != "en")
    if update.callback_query is not None:
        await show(update, context, screen)
    else:
        await send(update, context, screen)


async def _news_preview(update: Update, context: BotContext, lang: Lang, staged: int) -> None:
    """The news exactly as followers will get it, then send or cancel."""
    services = context.services
    found = await services.desk.staged_news(staged)
    case = services.content.case(found[0]) if found else None
    if found is None or case is None:
        await send(update, context, services.desk_views.note(lang, "author_gone"))
        return
    _, news = found
    size = await services.storage.audiences.size("update", case.case.id)
    await send(update, context, services.views.case_update(lang, case, news))
    await send(update, context, services.desk_views.news_confirm(lang, staged, size, news.kind))


async def _staged(
    update: Update, context: BotContext, lang: Lang, user_id: int, verb: str, staged: int
) -> None:
    services = context.services
    desk, views = services.desk, services.desk_views
    now, today = services.now(), services.today()
    if verb == "nr":
        await _news_preview(update, context, lang, staged)
    elif verb == "ns":
        result = await desk.send_news(services, staged, user_id, now, today)
        if isinstance(result, Refusal):
            await show(update, context, _refusal(context, lang, result))
            return
        await services.run_campaigns()  # the news goes now, once, through the outbox
        await show(update, context, views.note(lang, "author_news_sent"))
    elif verb in ("nx", "ux", "ix"):
        cancelled = await desk.cancel_staged(staged)
        await show(
            update, context, views.note(lang, "author_cancelled" if cancelled else "author_gone")
        )
    elif verb in ("u", "r"):
        result = await desk.apply_update(services, staged, user_id, now, today)
        if isinstance(result, Refusal):
            await show(update, context, _refusal(context, lang, result))
            return
        await services.run_campaigns()  # the further information reaches those who follow
        key = "author_updated" if verb == "u" else "author_imported"
        intro = views.note(lang, key).text
        await show(update, context, await desk_screen(context, lang, result, intro))
    elif verb == "i":
        text = await desk.pasted_text(staged)
        if text is None:
            await show(update, context, views.note(lang, "author_gone"))
            return
        await services.storage.set_pending(user_id, None, now)
        await _received(
            update, context, lang, user_id, text, views.texts.button(lang, "author_pasted_source")
        )


# -- documents and typed text -------------------------------------------------------------


async def _received(
    update: Update, context: BotContext, lang: Lang, user_id: int, text: str, source: str
) -> None:
    """A document's text, read: show the draft, the update to apply, or the question."""
    services = context.services
    views = services.desk_views
    result = await services.desk.receive(
        services, text, source, user_id, services.now(), services.today()
    )
    if isinstance(result, Refusal):
        await send(update, context, _refusal(context, lang, result))
    elif result.kind == "draft":
        intro = views.note(lang, "author_imported_from", source=source).text
        await send(update, context, await desk_screen(context, lang, result.case_id, intro))
    elif result.kind == "replace":
        assert result.staged_id is not None
        await send(update, context, views.replace_question(lang, result.staged_id, result.case_id))
    else:
        assert result.staged_id is not None
        await send(
            update,
            context,
            views.update_plan(
                lang, result.staged_id, result.case_id, result.ua_number, result.changes
            ),
        )


async def receive_document(update: Update, context: BotContext) -> None:
    """A file sent to the bot: for organizers a UA document (or an answer); else ignored."""
    message = update.effective_message
    user = update.effective_user
    services = context.services
    if message is None or message.document is None or user is None:
        return
    if not services.is_organizer(user.id):
        # The ordinary reply to a file (as for stickers and photos); it is never downloaded.
        _, lang = await load_supporter(update, context)
        await send(update, context, services.views.note(lang, "other_media"))
        return
    supporter, lang = await load_supporter(update, context, keep_pending=True)
    document = message.document
    views = services.desk_views
    name = Path(document.file_name or "document").name
    suffix = Path(name).suffix.lower()
    pending = _author_pending(supporter)
    # A .txt file answers an open question (a letter, a translation); any other document is
    # a new one to import, and the question is left.
    answering = pending is not None and pending[0] in ("ask", "news") and suffix == ".txt"
    if suffix not in FORMATS:
        await send(update, context, views.note(lang, "author_file_kind", name=name))
        return
    limit = MAX_ANSWER_BYTES if answering else MAX_BYTES
    too_large = views.note(
        lang,
        "author_file_size",
        size=_megabytes(document.file_size or 0, lang),
        limit=_megabytes(limit, lang),
    )
    # Telegram says how large the file is: a file over the limit is never downloaded.
    if document.file_size is None or document.file_size > limit:
        await send(update, context, too_large)
        return
    data = await _download(context, document, limit)
    if data is None:
        await send(update, context, too_large)
        return
    if answering and supporter is not None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            await send(update, context, views.note(lang, "author_not_utf8"))
            return
        await _answer_text(update, context, supporter, lang, text)
        return
    if pending is not None:
        await services.storage.set_pending(user.id, None, services.now())
    try:
        text = await asyncio.to_thread(_read, data, suffix)
    except DocumentError as error:
        reason = re.sub(r"^\S*document\.\w+: ", "", str(error))
        await send(update, context, views.note(lang, "author_unreadable", reason=reason))
        return
    await _received(update, context, lang, user.id, text, name)


def _megabytes(size: int, lang: Lang) -> str:
    """A size as people read it: '6.0' in English, '6,0' in Russian (0.06 for small ones)."""
    text = f"{size / 1024 / 1024:.1f}" if size >= 100 * 1024 else f"{size / 1024 / 1024:.2f}"
    return text.replace(".", ",") if lang == "ru" else text


async def _download(context: BotContext, document: Document, limit: int) -> bytes | None:
    file = await context.bot.get_file(document.file_id)
    data = bytes(await file.download_as_bytearray())
    return data if len(data) <= limit else None


def _read(data: bytes, suffix: str) -> str:
    """The text of a downloaded document, read by the importer from a private temp folder."""
    with tempfile.TemporaryDirectory(prefix="ua-document-") as folder:
        path = Path(folder) / f"document{suffix}"
        path.write_bytes(data)
        return read_document(path)


def _author_pending(supporter: Supporter | None) -> tuple[str, ...] | None:
    pending = supporter.pending if supporter else None
    if pending is None or pending.step != "author" or not pending.target:
        return None
    return pending.target


async def receive_author_text(
    update: Update, context: BotContext, supporter: Supporter | None, lang: Lang
) -> bool:
    """Typed text from an organizer: an awaited answer, or a pasted document. False: neither."""
    user = update.effective_user
    message = update.effective_message
    services = context.services
    if user is None or message is None or not services.is_organizer(user.id):
        return False
    text = message.text or ""
    if _author_pending(supporter) is not None and supporter is not None:
        await _answer_text(update, context, supporter, lang, text)
        return True
    waiting = supporter is not None and supporter.pending is not None
    if not waiting and len(text) >= _PASTE_MIN and _LOOKS_LIKE_UA.search(text):
        await _paste(update, context, lang, user.id, None, text)
        return True
    return False


async def _paste(
    update: Update, context: BotContext, lang: Lang, user_id: int, staged: int | None, text: str
) -> None:
    services = context.services
    staged_id, parts, length = await services.desk.paste(staged, text, user_id, services.now())
    pending = Pending("author", ("paste", str(staged_id)))
    await services.storage.set_pending(user_id, pending, services.now())
    await send(update, context, services.desk_views.paste_started(lang, staged_id, parts, length))


async def _answer_text(
    update: Update, context: BotContext, supporter: Supporter, lang: Lang, text: str
) -> None:
    """The organizer's answer to the question the bot asked (kept in the database)."""
    user = update.effective_user
    assert user is not None
    target = _author_pending(supporter)
    assert target is not None
    services = context.services
    now, today = services.now(), services.today()
    if target[0] == "ask" and len(target) == 3:
        case_id, field = target[1], target[2]
        result = await services.desk.answer(services, case_id, field, text, user.id, now, today)
        await _answered(update, context, lang, user.id, case_id, result, edit=False)
    elif target[0] == "news" and len(target) == 3 and target[1].isdigit():
        staged, code = int(target[1]), target[2]
        kept = await services.desk.news_text(staged, code, text)
        if isinstance(kept, Refusal):
            await send(update, context, _refusal(context, lang, kept))
            return
        following = [other for other in LANGS if other not in kept["text"]]
        if following:
            await _ask_news(update, context, lang, user.id, staged, following[0])
        else:
            await services.storage.set_pending(user.id, None, now)
            await _news_preview(update, context, lang, staged)
    elif target[0] == "paste" and len(target) == 2 and target[1].isdigit():
        await _paste(update, context, lang, user.id, int(target[1]), text)
    else:
        await services.storage.set_pending(user.id, None, now)
