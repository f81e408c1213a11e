"""Runtime settings from the environment or `.env`, validated once at start-up."""

from __future__ import annotations

import difflib
import itertools
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the deployment decides; names are the environment variables."""

    model_config = SettingsConfigDict(
        env_prefix="BOT_", env_file=".env", extra="ignore", frozen=True
    )

    token: SecretStr = Field(min_length=1)
    api_url: str = "https://api.telegram.org"
    database: Path = Path("data/bot.sqlite3")
    content_dir: Path = Path("content")
    # Cases organizers make or change in Telegram, as ordinary case folders; a case here
    # overrides the one with the same id in content_dir/cases. None: `cases` beside the
    # database (on the /data volume in Docker, whose image is read-only).
    cases_dir: Path | None = None
    # NoDecode: a comma-separated list is friendlier in an env file than JSON.
    admins: Annotated[frozenset[int], NoDecode] = frozenset()
    # Keys supporters' identities in the database (HMAC) and encrypts what must be read back
    # (chat id, name, city). Never stored in the database; losing it loses the ability to
    # message supporters, not the totals. BOT_SECRET_KEY_FILE reads it from a file instead
    # (Docker or compose secrets), so that it need not sit on the disk of the database.
    secret_key: SecretStr
    secret_key_file: Path | None = None
    secret_key_old: SecretStr | None = None
    broadcast_rate: float = Field(default=30.0, gt=0, le=30.0)
    paid_broadcast: bool = False
    paid_broadcast_rate: float = Field(default=1000.0, gt=0, le=1000.0)
    retention_days: int = Field(default=30, ge=0)
    # How long this deployment's backups keep a copy of the database (docs/deployment.md keeps
    # 14 days; 0: no backups). Only /privacy uses it: supporters are told the truth.
    backup_days: int = Field(default=14, ge=0)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(default=8080, ge=1, le=65535)
    log_json: bool = False

    @property
    def cases_path(self) -> Path:
        """The writable cases directory (BOT_CASES_DIR, else `cases` beside the database)."""
        return self.cases_dir or self.database.parent / "cases"

    @field_validator("api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @model_validator(mode="before")
    @classmethod
    def _secret_key_from_file(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("secret_key_file"):
            return data
        if data.get("secret_key"):
            raise ValueError("set BOT_SECRET_KEY or BOT_SECRET_KEY_FILE, not both")
        path = Path(data["secret_key_file"])
        try:
            key = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not text"
            raise ValueError(f"BOT_SECRET_KEY_FILE {path} cannot be read: {reason}") from None
        return {**data, "secret_key": key}

    # Only the key in use must be strong: BOT_SECRET_KEY_OLD may be the weak key that
    # rotate-key moves the database away from.
    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, value: SecretStr) -> SecretStr:
        if _weak(value.get_secret_value()):
            raise ValueError(
                "must be at least 32 random characters (this one is short or easy to guess); "
                "make one with: python -m bot genkey (for a database made with this key, move "
                "it to the new one with rotate-key, this key as BOT_SECRET_KEY_OLD)"
            )
        return value

    @field_validator("webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be an https:// URL (Telegram sends webhooks only over TLS)")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("BOT_WEBHOOK_SECRET is required with BOT_WEBHOOK_URL")
        if self.webhook_secret is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{32,256}", self.webhook_secret.get_secret_value()
        ):
            raise ValueError(
                "BOT_WEBHOOK_SECRET must be 32 to 256 characters of A-Z, a-z, 0-9, _ and - "
                "(make one with: python -m bot genkey)"
            )
        return self

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            try:
                return frozenset(int(part) for part in parts)
            except ValueError:
                raise ValueError("must be comma-separated Telegram user ids") from None
        return value


def _weak(secret: str) -> bool:
    """Too short, or obviously not random: few different characters, or mostly runs like
    'aaaa' and 'abcd' (a key from `genkey` has about 30 different characters and no runs)."""
    if len(secret) < 32 or len(set(secret)) < 16:
        return True
    steps = sum(abs(ord(a) - ord(b)) <= 1 for a, b in itertools.pairwise(secret))
    return steps > len(secret) // 3


def describe_error(error: ValidationError) -> str:
    """One line naming the first bad setting, never echoing its value (it may be a secret)."""
    first = error.errors()[0]
    if not first["loc"]:  # a rule across settings; its message names them
        return f"settings are invalid: {first['msg'].removeprefix('Value error, ')}"
    name = "BOT_" + str(first["loc"][0]).upper()
    if first["type"] == "missing":
        return f"setting {name} is required but not set"
    return f"setting {name} is invalid: {first['msg']}"


#: Variables that start with BOT_ but are not the bot's settings and should not be flagged.
_NOT_SETTINGS = frozenset({"BOT_ENV_FILE"})


def unknown_settings(
    environ: Mapping[str, str] | None = None, env_file: Path = Path(".env")
) -> list[str]:
    """Warnings for BOT_ variables that are not settings: a typo (BOT_ADMIN) is silently
    ignored otherwise, and the bot runs without what the organizer meant to set.

    Only names are reported, never values (they may be secrets).
    """
    environ = os.environ if environ is None else environ
    known = {f"BOT_{name.upper()}" for name in Settings.model_fields}
    found = [(name, "") for name in environ if name.upper().startswith("BOT_")]
    if env_file.is_file():
        found += [
            (name, f" (in {env_file})")
            for name in dotenv_values(env_file)
            if name.upper().startswith("BOT_")
        ]
    warnings = []
    for name, where in found:
        if name.upper() in known or name.upper() in _NOT_SETTINGS:
            continue
        close = difflib.get_close_matches(name.upper(), sorted(known), n=1, cutoff=0.75)
        hint = (
            f"; did you mean {close[0]}?"
            if close
            else f"; the settings are: {', '.join(sorted(known))}"
        )
        warnings.append(f"{name}{where} is not a setting{hint}")
    return warnings


def load_settings() -> Settings:
    """Load settings or exit with code 2 and one clear line (no traceback)."""
    try:
        return Settings()  # type: ignore[call-arg]  # filled from the environment
    except ValidationError as error:
        print(f"error: {describe_error(error)}", file=sys.stderr)
        raise SystemExit(2) from None
