"""One case's check: every screen of the case rendered for every official, language, signature.

A screen that would exceed Telegram's or X's limits, or a template that fails to render, is
reported with the file and the field, so organizers fix it before a supporter meets it.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.checks.limits import check_screen
from bot.content.limits import MAX_TWEET, tweet_length
from bot.content.models import LANGS, CaseContent, Channel, Lang, Official
from bot.content.render import RenderFailure, render_template
from bot.content.signature import LONGEST_SIGNATURES, Signature
from bot.screens.admin import AdminViews
from bot.screens.callbacks import Target
from bot.screens.views import Views
from bot.storage.audiences import BROADCAST_AUDIENCES
from bot.storage.stats import CaseStats

#: A total with many digits, so that every count on a screen is measured at its longest.
_BIG = 10**9


def check_case(views: Views, item: CaseContent) -> list[str]:
    """Problems of one case (empty when it may be served); never raises."""
    try:
        return _check_case(views, item)
    except RenderFailure as error:
        return [str(error)]
    except Exception as error:  # anything else a template does: one line naming the case
        return [f"{item.directory / 'case.yaml'}: {type(error).__name__}: {error}"]


def _days(item: CaseContent) -> tuple[date, date, date]:
    """An open day far before the deadline, the last day, and a day after it."""
    deadline = item.case.deadline or date(2000, 1, 1)
    return deadline - timedelta(days=1000), deadline, deadline + timedelta(days=1)


def _check_case(views: Views, item: CaseContent) -> list[str]:
    problems: list[str] = []
    case = item.case
    path = item.directory / "case.yaml"
    admin = AdminViews(views)
    for lang in LANGS:
        for today in _days(item):
            where = f"{path}: case card ({lang})"
            # Nobody yet (no count shown) and the longest count; plural forms are checked
            # in the strings themselves (bot.checks.strings.plural_problems).
            for total in (0, _BIG):
                problems += check_screen(views.case_card(lang, item, today, total), where)
            problems += check_screen(
                views.welcome_case(
                    lang, item, today, _BIG, offer_reminders=True, offer_alerts=True
                ),
                where,
            )
            digest = views.digest(lang, [item], today)
            if digest is not None:
                problems += check_screen(digest, f"{path}: weekly digest ({lang})")
        # A reminder says the days left when it goes out: the schedule's day, or fewer if
        # it went out late (down to the last day).
        for before in sorted({0, *case.reminders_days_before}):
            for written in _subsets([o.id for o in case.officials]):
                reminder = views.reminder(lang, item, before, written)
                if reminder is not None:
                    problems += check_screen(reminder, f"{path}: reminder ({lang})")
        problems += _check_organizer_screens(admin, item, lang)
        for news in case.updates:
            where = f"{path}: field 'updates.{news.id}' ({lang})"
            problems += check_screen(views.case_update(lang, item, news), where)
        problems += check_screen(views.alert(lang, item), f"{path}: new-case alert ({lang})")
        for screen in views.background(lang, item):
            problems += check_screen(screen, f"{path}: field 'background' ({lang})")
        for official in case.officials:
            where = f"{path}: field 'officials.{official.id}'"
            for is_open in (True, False):
                official_screen = views.official(lang, item, official, (), is_open=is_open)
                problems += check_screen(official_screen, where)
            done = {(o.id, c.value) for o in case.officials for c in o.channels}
            for total in (1, _BIG):
                problems += check_screen(views.thanks(lang, item, official, total, done), where)
            for text_lang in item.languages_for(official):
                for signature in LONGEST_SIGNATURES:
                    problems += _check_channels(views, item, official, lang, text_lang, signature)
    for official in case.officials:
        problems += _check_tweets(item, official)
    return problems


def _check_organizer_screens(admin: AdminViews, item: CaseContent, lang: Lang) -> list[str]:
    """What organizers see of the case: /stats, the broadcast's audiences, /report's caption."""
    case = item.case
    where = f"{item.directory / 'case.yaml'}: organizer screens ({lang})"
    problems: list[str] = []
    for count in (0, _BIG):
        stats = CaseStats(
            total=count,
            by_official={o.id: count for o in case.officials},
            by_channel={c.value: count for o in case.officials for c in o.channels},
            supporters=count,
            today=count,
            last_7_days=count,
            subscribers=count,
            per_day=[],
        )
        problems += check_screen(admin.stats(lang, item, stats), where)
        sizes = dict.fromkeys(BROADCAST_AUDIENCES, count)
        problems += check_screen(admin.choose_audience(lang, item, sizes), where)
        totals = {case.id: (count, count)}
        overview = admin.overview(lang, [item], totals, {}, count, _days(item)[0])
        problems += check_screen(overview, where)
        problems += check_screen(admin.report_caption(lang, item, count), where)
    problems += check_screen(admin.choose_case(lang, [item]), where)
    admin.chart_labels(lang, item)
    return problems


def _subsets(items: list[str]) -> list[set[str]]:
    """Every subset of a case's officials (cases have a handful): what a reminder can name."""
    subsets: list[set[str]] = [set()]
    for item in items:
        subsets += [subset | {item} for subset in subsets]
    return subsets


def _check_channels(
    views: Views,
    item: CaseContent,
    official: Official,
    lang: Lang,
    text_lang: str,
    signature: Signature,
) -> list[str]:
    """Every channel screen of one official in one text language, open and ended."""
    problems = []
    far, _, after = _days(item)
    for channel in official.channels:
        target = Target(item.case.id, official.id, channel, text_lang)
        where = (
            f"{item.directory}: {official.id} / {channel.name.lower()} / text {text_lang} "
            f"/ interface {lang} / signature {signature.mode}"
        )
        # Open (the confirm button, then "counted"), close to the deadline (the post may be
        # too slow), and after the deadline (its notice).
        moments = [(far, False), (far, True), (after, False)]
        if channel is Channel.POST:
            moments.append((after - timedelta(days=4), False))  # too late for the post?
        for today, done in moments:
            screen = views.channel(lang, item, official, target, signature, today, done)
            problems += check_screen(screen, where)
        if item.meaning_language(lang) not in (None, text_lang):
            meaning = views.meaning(lang, item, official, signature, channel)
            problems += check_screen(meaning, where)
    return problems


def _check_tweets(item: CaseContent, official: Official) -> list[str]:
    """Every tweet to the official as X counts it (weighted, URLs 23)."""
    problems: list[str] = []
    if not official.twitter:
        return problems
    for text_lang in item.languages_for(official):
        for signature in LONGEST_SIGNATURES:
            length = tweet_length(render_template(item, "tweet", text_lang, official, signature))
            if length > MAX_TWEET:
                problems.append(
                    f"{item.directory / 'templates' / f'tweet.{text_lang}.j2'}: tweet to "
                    f"{official.id} is {length} characters as X counts them; X allows {MAX_TWEET}"
                )
    return problems
