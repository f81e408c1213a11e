"""Runtime settings from the environment or `.env`, validated once at start-up."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
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
    # NoDecode: a comma-separated list is friendlier in an env file than JSON.
    admins: Annotated[frozenset[int], NoDecode] = frozenset()

    @field_validator("api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

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


def describe_error(error: ValidationError) -> str:
    """One line naming the first bad setting, never echoing its value (it may be a secret)."""
    first = error.errors()[0]
    name = "BOT_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
    if first["type"] == "missing":
        return f"setting {name} is required but not set"
    return f"setting {name} is invalid: {first['msg']}"


def load_settings() -> Settings:
    """Load settings or exit with code 2 and one clear line (no traceback)."""
    try:
        return Settings()  # type: ignore[call-arg]  # filled from the environment
    except ValidationError as error:
        print(f"error: {describe_error(error)}", file=sys.stderr)
        raise SystemExit(2) from None
