"""Numbered schema migrations, applied in order, each in its own transaction.

Append only: a migration that has shipped is never edited; a change is a new migration.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "supporters, actions and anonymous counts",
        """
        CREATE TABLE users (
            user_key    TEXT PRIMARY KEY,
            lang        TEXT,
            sign_mode   TEXT,
            sign_name   TEXT,
            sign_city   TEXT,
            pending     TEXT,
            created_at  TEXT NOT NULL
        );
        -- One row per supporter, case, official and channel: the primary key is what makes
        -- a second tap, a re-delivered update or a race of two taps count once.
        CREATE TABLE actions (
            user_key    TEXT NOT NULL REFERENCES users(user_key) ON DELETE CASCADE,
            case_id     TEXT NOT NULL,
            official_id TEXT NOT NULL,
            channel     TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            PRIMARY KEY (user_key, case_id, official_id, channel)
        );
        -- Anonymous totals, written in the same transaction as the action: they are what
        -- Amnesty reports, and they stay when a supporter asks to be forgotten.
        CREATE TABLE action_counts (
            case_id     TEXT NOT NULL,
            official_id TEXT NOT NULL,
            channel     TEXT NOT NULL,
            day         TEXT NOT NULL,
            count       INTEGER NOT NULL,
            PRIMARY KEY (case_id, official_id, channel, day)
        );
        CREATE TABLE supporter_counts (
            case_id     TEXT PRIMARY KEY,
            count       INTEGER NOT NULL
        );
        """,
    ),
]
