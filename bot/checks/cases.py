"""Start-up checks: render every screen for every case, official, language and signature.

A screen that would exceed Telegram's or X's limits, or a template that fails to render, is
reported with the file and the field, so organizers fix it before a supporter meets it.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.checks.limits import check_screen
from bot.content.limits import MAX_CALLBACK_ANSWER, MAX_TWEET, tweet_length
from bot.content.models import LANGS, CaseContent, Lang
from bot.content.render import Texts, render_template
from bot.content.signature import LONGEST_SIGNATURES, Signature
from bot.screens.callbacks import Target
from bot.screens.views import Views


def check_case(views: Views, texts: Texts, item: CaseContent) -> list[str]:
    problems: list[str] = []
    case = item.case
    path = item.directory / "case.yaml"
    templates = item.directory / "templates"
    deadline = case.deadline or date(2000, 1, 1)
    days = [deadline - timedelta(days=1000), deadline, deadline + timedelta(days=1)]
    for lang in LANGS:
        for today in days:
            where = f"{path}: case card ({lang})"
            problems += check_screen(views.case_card(lang, item, today, 10**9), where)
            problems += check_screen(
                views.welcome_case(lang, item, today, 10**9, offer_reminders=True), where
            )
            problems += check_screen(views.case_list(lang, today, greeting=True), where)
        for before in case.reminders_days_before:
            for written in _subsets([o.id for o in case.officials]):
                reminder = views.reminder(lang, item, before, written)
                if reminder is not None:
                    problems += check_screen(reminder, f"{path}: reminder ({lang})")
        for news in case.updates:
            where = f"{path}: field 'updates.{news.id}' ({lang})"
            problems += check_screen(views.case_update(lang, item, news), where)
        for screen in views.background(lang, item):
            problems += check_screen(screen, f"{path}: field 'background' ({lang})")
        for official in case.officials:
            where = f"{path}: field 'officials.{official.id}'"
            problems += check_screen(views.official(lang, item, official, ()), where)
            done = {(o.id, c.value) for o in case.officials for c in o.channels}
            problems += check_screen(views.thanks(lang, item, official, 10**9, done), where)
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
                problems += check_screen(screen, where)
        if lang in item.letter_languages:
            problems += check_screen(views.meaning(lang, item, official, signature), where)
    return problems
