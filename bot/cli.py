"""`python -m bot [run|import|check|preview|genkey]`: running the bot, and organizer commands.

Only `run` needs the bot's settings; the others work on the content folder alone, with no
token and no network, so an organizer can import, check and preview a case on a laptop.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import re
import shutil
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from pydantic import SecretStr

from bot.app import load_served_content
from bot.checks.content import load_content
from bot.content.models import LANGS, ContentError, Lang
from bot.content.plural import counted
from bot.core.crypto import Vault, generate_secret
from bot.core.logs import configure_logging
from bot.importer.parsed import ParsedCase
from bot.importer.reading import DocumentError
from bot.importer.updates import apply_update, plan_update
from bot.importer.writing import import_document, read_case
from bot.runner import run
from bot.settings import load_settings, unknown_settings
from bot.storage import AlreadyRotated, KeyMismatch, RotationFailed, Storage

log = logging.getLogger("bot")

#: Where organizers keep content unless told otherwise (as the bot's setting does).
DEFAULT_CONTENT = "content"


def _default_content() -> Path:
    return Path(os.environ.get("BOT_CONTENT_DIR") or DEFAULT_CONTENT)


def _plural(count: int, noun: str) -> str:
    """'1 error', '2 errors': the CLI speaks English, by CLDR's rules like the bot."""
    return counted(count, "en", one=noun, other=f"{noun}s")


# -- run ------------------------------------------------------------------------------------


def run_bot() -> int:
    """Check settings, the database's key and content, then serve Telegram until stopped."""
    settings = load_settings()
    problem = asyncio.run(_database_problem(settings.database, settings.secret_key))
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    secrets = [
        secret.get_secret_value()
        for secret in (settings.secret_key, settings.secret_key_old, settings.webhook_secret)
        if secret is not None
    ]
    configure_logging(
        settings.token.get_secret_value(), as_json=settings.log_json, secrets=secrets
    )
    try:
        content = load_served_content(settings)
    except ContentError as error:
        print("error: the content is not valid; the bot did not start:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    for problem in content.problems:
        # A broken case is left out; the others are served (python -m bot check lists all).
        log.error("content: case left out: %s", problem)
    for warning in content.warnings:
        log.warning("content: %s", warning)
    return run(settings, content)


async def _database_problem(path: Path, key: SecretStr) -> str | None:
    """Why the bot cannot use its database with this key (one line), or None.

    Checked before anything reaches Telegram: with a wrong key every send would fail.
    """
    try:
        storage = await Storage.open(path, Vault(key.get_secret_value()))
    except KeyMismatch as error:
        return f"{error} (BOT_DATABASE={path})"
    except (OSError, sqlite3.Error) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return f"setting BOT_DATABASE: {path} cannot be opened: {reason}"
    await storage.close()
    return None


# -- import ---------------------------------------------------------------------------------


def import_case(
    document: Path, content_dir: Path, case_id: str | None, overwrite: bool, update: bool = False
) -> int:
    """Write a case folder from a UA document and list what the organizer still has to do."""
    try:
        parsed = read_case(document)
        target_id = case_id or parsed.update_of or parsed.case_id
        existing = content_dir / "cases" / target_id if target_id else None
        if existing is not None and existing.is_dir() and (parsed.update_of or update):
            return _update_case(document, existing, parsed, update)
        result = import_document(
            document, content_dir, case_id=case_id, overwrite=overwrite, parsed=parsed
        )
    except DocumentError as error:
        print(f"error: {error}", file=sys.stderr)
        if "already exists" in str(error) and not overwrite:
            # The importer's message is written for any caller; say the flag for this one.
            print(
                "To replace that case, run the import again with --overwrite "
                "(or --update to keep its translations and change only the facts).",
                file=sys.stderr,
            )
        return 1
    print(f"Imported case {result.case_id} into {result.directory}")
    copied = _copy_strings(content_dir)
    if copied is not None:
        print(f"Copied the interface strings from {copied} into {content_dir / 'strings'}")
    if result.update_of and result.update_of != result.case_id:
        print(f"It is further information on case {result.update_of}, which does not exist here.")
    elif result.update_of:
        print(
            f"It is further information on UA {parsed.ua_number}; no case {result.update_of} "
            "existed, so it was imported as a new case."
        )
    _print_missing(parsed.missing)
    for warning in result.warnings:
        print(f"warning: {warning}")
    check = "python -m bot check"
    if content_dir != Path(DEFAULT_CONTENT):
        check += f" {content_dir}"
    if result.warnings:
        print(f"Next: fix the warnings above, then run: {check}")
    else:
        print(f"Next: review {result.directory / 'case.yaml'}, then run: {check}")
    return 0


def _copy_strings(content_dir: Path) -> Path | None:
    """A new content folder gets the bot's interface strings, so that `check` accepts it.

    They come from the folder the bot would use ($BOT_CONTENT_DIR or ./content), else the
    content that ships with the bot; None if the folder has its strings already.
    """
    target = content_dir / "strings"
    if (target / "en.yaml").exists():
        return None
    shipped = Path(__file__).resolve().parent.parent / DEFAULT_CONTENT
    for source in (_default_content() / "strings", shipped / "strings"):
        if source.is_dir() and source.resolve() != target.resolve():
            shutil.copytree(source, target, dirs_exist_ok=True)
            return source
    print(f"warning: no interface strings found to copy; add {target}/en.yaml and ru.yaml")
    return None


def _print_missing(missing: list[str]) -> None:
    if missing:
        print(f"The document lacks: {', '.join(missing)} (left empty, see below).")


def _update_case(document: Path, case_dir: Path, parsed: ParsedCase, apply: bool) -> int:
    """Show (or, with --update, apply) what a further-information document changes."""
    what = f"UA {parsed.ua_number}" if parsed.ua_number else "this case"
    print(f"{document.name} is further information on {what}: it updates case {case_dir.name}")
    changes = (
        apply_update(case_dir, parsed, source=document.name)
        if apply
        else plan_update(case_dir, parsed)
    )
    for change in changes:
        print(f"  {change}")
    if not changes:
        print("  (nothing to change)")
    if not apply:
        print("Nothing was written. To apply these changes, run the import again with --update.")
        return 0
    for change in changes:
        if change.field.startswith("templates/letter."):
            print(
                "warning: the letter changed: check the translated letters "
                "(templates/letter.*.j2) against it"
            )
    print(f"Updated {case_dir}. Next: run: python -m bot check")
    return 0


# -- check ----------------------------------------------------------------------------------


def check(content_dir: Path, cases_dir: Path | None = None) -> int:
    """Validate all content as the bot does at start-up; print errors, warnings, a summary.

    `cases_dir`: the cases organizers made in Telegram (BOT_CASES_DIR), checked with them.
    """
    if not content_dir.is_dir():
        print(f"error: {content_dir}: no such folder")
        return 1
    try:
        content = load_content(content_dir, cases_dir)
    except ContentError as error:
        for problem in error.problems:
            print(f"error: {problem}")
        # Without its interface strings the bot cannot start; cases are checked after.
        print(
            f"{_plural(len(error.problems), 'error')} in the interface strings; the bot will "
            "not start until they are fixed (cases are checked once they are)"
        )
        return 1
    for problem in content.problems:
        print(f"error: {problem}")
    for warning in content.warnings:
        print(f"warning: {warning}")
    warnings = _plural(len(content.warnings), "warning")
    served = _plural(len(content.cases), "case")
    if content.broken:
        left_out = ", ".join(sorted(content.broken))
        print(
            f"{_plural(len(content.problems), 'error')}, {warnings}: "
            f"{_plural(len(content.broken), 'case')} left out ({left_out}); "
            f"the bot serves the other {served}"
        )
        return 1
    print(f"content OK: {served}, {warnings}")
    return 0


# -- preview --------------------------------------------------------------------------------


def _terminal_lines() -> Iterator[str]:
    """What the organizer types, with line editing; Ctrl-C or Ctrl-D ends the preview."""
    while True:
        try:
            yield input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return


def preview(content_dir: Path, as_of: date | None, lang: Lang) -> int:
    """Chat with the real bot in this terminal (fake Telegram, throwaway database)."""
    # Imported here: the preview brings the fake Bot API, which running the bot never loads.
    from bot.preview import PREVIEW_TOKEN, run_preview

    # Handler failures must show; HTTP chatter between the bot and the fake must not.
    configure_logging(PREVIEW_TOKEN, level=logging.WARNING)
    interactive = sys.stdin.isatty()
    lines = _terminal_lines() if interactive else sys.stdin
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    # Not asyncio.run: its Ctrl-C handler would wait for Enter; here Ctrl-C ends input().
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(
            run_preview(
                content_dir, as_of, lang, lines, sys.stdout, color=color, echo=not interactive
            )
        )
    except KeyboardInterrupt:
        return 130
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


# -- genkey ---------------------------------------------------------------------------------


def generate_key(env_file: Path | None) -> int:
    """Print a new random secret, or add BOT_SECRET_KEY to a .env file readable only by you.

    The file is made private before the key is written into it (a copy of .env.example is
    readable by everyone); a key already in it is kept.
    """
    if env_file is None:
        print(generate_secret())
        return 0
    try:
        fd = os.open(env_file, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "r+", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            existing = handle.read()
            if re.search(r"^BOT_SECRET_KEY(_FILE)?=", existing, re.MULTILINE):
                print(f"{env_file} already sets BOT_SECRET_KEY; it was kept.", file=sys.stderr)
                return 0
            prefix = "" if not existing or existing.endswith("\n") else "\n"
            handle.write(f"{prefix}BOT_SECRET_KEY={generate_secret()}\n")
    except OSError as error:
        print(f"error: {env_file}: {error.strerror}", file=sys.stderr)
        return 1
    print(
        f"Created BOT_SECRET_KEY in {env_file}: keep a copy of it somewhere safe and offline,"
        " apart from the database's backups.",
        file=sys.stderr,
    )
    return 0


def rotate_key() -> int:
    """Move every supporter from BOT_SECRET_KEY_OLD to BOT_SECRET_KEY (the bot stopped).

    One transaction: if it fails or is interrupted nothing has changed, and it can be run
    again; run again after it succeeded, it says there is nothing left to do.
    """
    settings = load_settings()
    if settings.secret_key_old is None:
        print("error: set BOT_SECRET_KEY_OLD to the current key and BOT_SECRET_KEY to the new")
        return 2
    old = Vault(settings.secret_key_old.get_secret_value())
    new = Vault(settings.secret_key.get_secret_value())
    done = "Start the bot with the new BOT_SECRET_KEY, remove BOT_SECRET_KEY_OLD, and destroy "
    done += "the old key."

    async def rekey() -> int:
        storage = await Storage.open(settings.database, new, check_key=False)
        try:
            return await storage.rotate_key(old, new, organizers=settings.admins)
        finally:
            await storage.close()

    try:
        moved = asyncio.run(rekey())
    except AlreadyRotated:
        print(f"The database already uses BOT_SECRET_KEY: nothing to do. {done}")
        return 0
    except KeyMismatch as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except RotationFailed as error:
        print(
            f"error: the data of {_plural(error.unreadable, 'supporter')} opened with neither key "
            "(damaged values?); nothing was changed. Restore the database from a backup, or "
            "ask for help before deleting those rows.",
            file=sys.stderr,
        )
        return 1
    print(f"Re-keyed {_plural(moved, 'supporter')}. {done}")
    return 0


# -- arguments ------------------------------------------------------------------------------


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2022-05-05") from None


def build_parser() -> argparse.ArgumentParser:
    """Subcommands with help an organizer can follow without reading the code."""
    content_help = "the content folder (default: $BOT_CONTENT_DIR if set, else ./content)"
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=(
            "The Urgent Action Telegram bot. Without a command it runs the bot (like 'run'). "
            "'import', 'check', 'preview' and 'genkey' need no token and no network."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser(
        "run",
        help="run the bot (needs BOT_TOKEN and BOT_SECRET_KEY); the same as no command",
        description=(
            "Check the settings (BOT_TOKEN and other BOT_* variables, or .env) and the content, "
            "then answer supporters on Telegram until stopped with Ctrl-C."
        ),
    )

    importing = commands.add_parser(
        "import",
        help="turn a UA document (.txt, .docx, .pdf or .html) into a case folder",
        description=(
            "Read an Urgent Action document (any template since 2009) and write "
            "content/cases/<case id>/ with case.yaml and the templates of its letter. Names, "
            "addresses and handles are copied from the document, never invented; whatever is "
            "missing is listed to fix. A 'Further information on UA ...' document shows what "
            "it changes in the case it updates; --update applies it."
        ),
    )
    importing.add_argument("file", type=Path, metavar="FILE", help="the UA document")
    importing.add_argument("--content", type=Path, default=None, help=content_help)
    importing.add_argument(
        "--id",
        dest="case_id",
        metavar="CASE_ID",
        help="the case folder name (default: from the UA number, like ua-31-22)",
    )
    importing.add_argument(
        "--overwrite", action="store_true", help="replace the case if it already exists"
    )
    importing.add_argument(
        "--update",
        action="store_true",
        help="update the existing case with the document's facts, keeping its translations",
    )

    checking = commands.add_parser(
        "check",
        help="check all content before the bot uses it",
        description=(
            "Load the content as the bot does at start-up: every field, every template "
            "rendered for every official, language and signature, Telegram's and X's length "
            "limits, email addresses and links. Errors stop the bot and make this exit with "
            "1; warnings (missing translations, a deadline in the past) do not."
        ),
    )
    checking.add_argument(
        "dir", type=Path, nargs="?", default=None, metavar="DIR", help=content_help
    )
    checking.add_argument(
        "--cases",
        type=Path,
        default=None,
        metavar="DIR",
        help=(
            "also the cases organizers made in Telegram, which override those of the content "
            "folder (default: $BOT_CASES_DIR if set)"
        ),
    )

    previewing = commands.add_parser(
        "preview",
        help="try the bot in this terminal, as a supporter would see it",
        description=(
            "Chat with the real bot in the terminal: no Telegram, no token, a throwaway "
            "database. Type a button's number to press it, anything else to send it as a "
            "message; /quit or Ctrl-D to leave. Anything real Telegram would reject is shown "
            "in red."
        ),
    )
    previewing.add_argument("--content", type=Path, default=None, help=content_help)
    previewing.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="pretend today is this day (at 12:00 UTC), e.g. to see the card after the deadline",
    )
    previewing.add_argument(
        "--lang",
        choices=LANGS,
        default="en",
        help="the supporter's Telegram language (default: en)",
    )
    generating = commands.add_parser(
        "genkey",
        help="print a new random BOT_SECRET_KEY (or BOT_WEBHOOK_SECRET)",
        description=(
            "Print a new random secret (256 bits), for BOT_SECRET_KEY or BOT_WEBHOOK_SECRET. "
            "Keep BOT_SECRET_KEY out of the database, its backups and version control; losing "
            "it means the bot can no longer message supporters it already knows (the totals "
            "are kept)."
        ),
    )
    generating.add_argument(
        "--env-file",
        type=Path,
        metavar="FILE",
        help="instead of printing it, add BOT_SECRET_KEY to FILE (made readable only by you "
        "first); a key already there is kept",
    )
    commands.add_parser(
        "rotate-key",
        help="move the database to a new BOT_SECRET_KEY (stop the bot first)",
        description=(
            "With the bot stopped, set BOT_SECRET_KEY_OLD to the current key and "
            "BOT_SECRET_KEY to a new one (python -m bot genkey), then run this: every "
            "supporter's key and sealed data move to the new secret in one transaction."
        ),
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a subcommand; no subcommand runs the bot, as it always has."""
    args = build_parser().parse_args(argv)
    for warning in unknown_settings():
        print(f"warning: {warning}", file=sys.stderr)
    if args.command == "import":
        return import_case(
            args.file,
            args.content or _default_content(),
            args.case_id,
            args.overwrite,
            args.update,
        )
    if args.command == "check":
        cases = args.cases or (
            Path(os.environ["BOT_CASES_DIR"]) if os.environ.get("BOT_CASES_DIR") else None
        )
        return check(args.dir or _default_content(), cases)
    if args.command == "genkey":
        return generate_key(args.env_file)
    if args.command == "rotate-key":
        return rotate_key()
    if args.command == "preview":
        return preview(args.content or _default_content(), args.as_of, args.lang)
    return run_bot()
