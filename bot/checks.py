"""Start-up checks: render every screen for every case, official, language and signature.

A screen that would exceed Telegram's or X's limits, or a template that fails to render, is
reported with the file and the field, so organizers fix it before a supporter meets it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import jinja2
from telegram import InlineKeyboardButton

from bot.callbacks import MAX_BYTES, Target
from bot.clock import appeal_day
from bot.content import LANGS, CaseContent, Content, Lang, missing_translations
from bot.fake_telegram import EntityParseError, parse_html
from bot.render import (
    MAX_CALLBACK_ANSWER,
    MAX_COPY_TEXT,
    MAX_MESSAGE,
    MAX_TWEET,
    Texts,
    render_template,
    telegram_length,
    tweet_length,
)
from bot.signature import LONGEST_SIGNATURES, Signature
from bot.views import Screen, Views

#: Longest possible bot username, so deep links in checked screens are worst-case long.
_LONGEST_USERNAME = "x" * 32


def _check_screen(screen: Screen, where: str) -> list[str]:
    problems = []
    try:
        # Telegram's own HTML rules (the fake Bot API implements them): an unclosed tag in a
        # strings file would otherwise only show when Telegram refuses the message.
        parse_html(screen.text)
    except EntityParseError as error:
        problems.append(f"{where}: Telegram would refuse this message's HTML: {error}")
    length = telegram_length(screen.text)
    if length > MAX_MESSAGE:
        problems.append(f"{where}: message is {length} characters, Telegram allows {MAX_MESSAGE}")
    for row in screen.keyboard:
        for key in row:
            problems += _check_button(key, where)
    return problems


def _check_button(key: InlineKeyboardButton, where: str) -> list[str]:
    problems = []
    if key.callback_data is not None and len(str(key.callback_data).encode()) > MAX_BYTES:
        problems.append(f"{where}: button {key.text!r} has callback data over {MAX_BYTES} bytes")
    if key.copy_text is not None and len(key.copy_text.text) > MAX_COPY_TEXT:
        problems.append(f"{where}: copy button {key.text!r} over {MAX_COPY_TEXT} characters")
    if not key.text.strip():
        problems.append(f"{where}: a button has no label")
    return problems


def _check_case(views: Views, texts: Texts, item: CaseContent) -> list[str]:
    problems: list[str] = []
    case = item.case
    path = item.directory / "case.yaml"
    templates = item.directory / "templates"
    deadline = case.deadline or date(2000, 1, 1)
    days = [deadline - timedelta(days=1000), deadline, deadline + timedelta(days=1)]
    for lang in LANGS:
        for today in days:
            where = f"{path}: case card ({lang})"
            problems += _check_screen(views.case_card(lang, item, today, 10**9), where)
            problems += _check_screen(
                views.welcome_case(lang, item, today, 10**9, offer_reminders=True), where
            )
            problems += _check_screen(views.case_list(lang, today, greeting=True), where)
        for before in case.reminders_days_before:
            for written in _subsets([o.id for o in case.officials]):
                reminder = views.reminder(lang, item, before, written)
                if reminder is not None:
                    problems += _check_screen(reminder, f"{path}: reminder ({lang})")
        for news in case.updates:
            where = f"{path}: field 'updates.{news.id}' ({lang})"
            problems += _check_screen(views.case_update(lang, item, news), where)
        for screen in views.background(lang, item):
            problems += _check_screen(screen, f"{path}: field 'background' ({lang})")
        for official in case.officials:
            where = f"{path}: field 'officials.{official.id}'"
            problems += _check_screen(views.official(lang, item, official, ()), where)
            done = {(o.id, c.value) for o in case.officials for c in o.channels}
            problems += _check_screen(views.thanks(lang, item, official, 10**9, done), where)
            for letter_lang in item.languages_for(official):
                for signature in LONGEST_SIGNATURES:
                    problems += _check_official(
                        views, item, official.id, lang, letter_lang, signature, days
                    )
    for official in case.officials:
        for letter_lang in item.languages_for(official):
            if not official.twitter:
                continue
            for signature in LONGEST_SIGNATURES:
                tweet = render_template(item, "tweet", letter_lang, official, signature)
                length = tweet_length(tweet)
                if length > MAX_TWEET:
                    problems.append(
                        f"{templates / f'tweet.{letter_lang}.j2'}: tweet to {official.id} is "
                        f"{length} characters as X counts them; X allows {MAX_TWEET}"
                    )
    for lang in LANGS:
        for key in ("already_counted", "closed_toast"):
            if len(texts.button(lang, key)) > MAX_CALLBACK_ANSWER:
                problems.append(f"strings/{lang}.yaml: buttons.{key} over 200 characters")
    return problems


def _subsets(items: list[str]) -> list[set[str]]:
    """Every subset of a case's officials (cases have a handful): what a reminder can name."""
    subsets: list[set[str]] = [set()]
    for item in items:
        subsets += [subset | {item} for subset in subsets]
    return subsets


def _check_official(
    views: Views,
    item: CaseContent,
    official_id: str,
    lang: Lang,
    letter_lang: Lang,
    signature: Signature,
    days: list[date],
) -> list[str]:
    official = item.case.official(official_id)
    assert official is not None
    problems = []
    for channel in official.channels:
        target = Target(item.case.id, official.id, channel, letter_lang)
        where = (
            f"{item.directory}: {official.id} / {channel.name.lower()} / letter {letter_lang} "
            f"/ interface {lang} / signature {signature.mode}"
        )
        for today in days:
            for done in (False, True):
                screen = views.channel(lang, item, official, target, signature, today, done)
                problems += _check_screen(screen, where)
        if lang in item.letter_languages:
            problems += _check_screen(views.meaning(lang, item, official, signature), where)
    return problems


def check_content(content: Content) -> tuple[list[str], list[str]]:
    """Errors (the bot must not start) and warnings (it may) for loaded content."""
    texts = Texts(content.strings)
    views = Views(content, texts, _LONGEST_USERNAME)
    errors: list[str] = []
    try:
        for item in content.iter_cases():
            errors += _check_case(views, texts, item)
        for lang in LANGS:
            for key in ("privacy", "help", "language_menu", "forget_question", "outdated"):
                errors += _check_screen(views.note(lang, key), f"strings/{lang}.yaml: {key}")
    except jinja2.UndefinedError as error:
        errors.append(f"{content.directory}: a template uses an unknown name: {error.message}")
    except jinja2.TemplateError as error:
        errors.append(f"{content.directory}: a template failed to render: {error}")
    except KeyError as error:
        errors.append(f"{content.directory}/strings: missing string {error}")
    warnings = missing_translations(content)
    today = appeal_day(datetime.now(UTC))
    for item in content.iter_cases():
        deadline = item.case.deadline
        if deadline is not None and deadline < today and item.case.status == "active":
            warnings.append(
                f"{item.directory / 'case.yaml'}: field 'deadline': {deadline} is in the past; "
                "supporters will be told the appeal period has ended"
            )
    return errors, warnings
