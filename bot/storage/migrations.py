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

MIGRATIONS.append(
    (
        2,
        "reminder subscriptions and the durable outbox",
        """
        -- What is needed to message a supporter; private chats only, but kept apart from the
        -- user key so that it can be protected on its own.
        ALTER TABLE users ADD COLUMN chat_id TEXT;
        ALTER TABLE users ADD COLUMN blocked_at TEXT;
        -- /stop: no reminders, broadcasts or case updates until the supporter subscribes again.
        ALTER TABLE users ADD COLUMN stopped_at TEXT;
        -- The interface language last seen from Telegram, to write to supporters in theirs.
        ALTER TABLE users ADD COLUMN seen_lang TEXT;
        CREATE TABLE subscriptions (
            user_key    TEXT NOT NULL REFERENCES users(user_key) ON DELETE CASCADE,
            case_id     TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            PRIMARY KEY (user_key, case_id)
        );
        -- A delivery is one broadcast, one reminder round or one case update. `key` makes
        -- automatic ones happen once: 'reminder:<case>:<days>', 'update:<case>:<update-id>'.
        CREATE TABLE deliveries (
            id          INTEGER PRIMARY KEY,
            kind        TEXT NOT NULL,
            case_id     TEXT,
            key         TEXT UNIQUE,
            audience    TEXT,
            state       TEXT NOT NULL,
            paid        INTEGER NOT NULL DEFAULT 0,
            created_by  TEXT,
            progress    TEXT,
            -- Where the organizer's progress message is (JSON: chat, message, language).
            report_to   TEXT,
            created_at  TEXT NOT NULL,
            started_at  TEXT,
            finished_at TEXT
        );
        -- Rendered messages, shared by every recipient who gets the same text.
        CREATE TABLE payloads (
            id          INTEGER PRIMARY KEY,
            digest      TEXT NOT NULL UNIQUE,
            text        TEXT NOT NULL,
            markup      TEXT
        );
        -- One row per recipient. The state is committed as 'sending' before the request
        -- leaves, so a crash can never lead to a second send: such rows become 'unknown'.
        CREATE TABLE outbox (
            id          INTEGER PRIMARY KEY,
            delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
            user_key    TEXT REFERENCES users(user_key) ON DELETE SET NULL,
            payload_id  INTEGER NOT NULL REFERENCES payloads(id),
            state       TEXT NOT NULL DEFAULT 'pending',
            attempts    INTEGER NOT NULL DEFAULT 0,
            error       TEXT,
            updated_at  TEXT,
            UNIQUE (delivery_id, user_key)
        );
        CREATE INDEX outbox_by_state ON outbox (delivery_id, state, id)
        """,
    )
)

MIGRATIONS.append(
    (
        3,
        "updates already handled, so a re-delivered update is ignored",
        """
        CREATE TABLE handled_updates (
            update_id   INTEGER PRIMARY KEY,
            handled_at  TEXT NOT NULL
        )
        """,
    )
)

MIGRATIONS.append(
    (
        4,
        "anonymous counts kept by a trigger on actions",
        """
        -- The counts change in the statement that records the action, whoever inserts it:
        -- the total Amnesty reports cannot drift from the actions, and the counts cost no
        -- statements of their own.  The day is the UTC day of created_at (ISO text, UTC).
        CREATE TRIGGER actions_counted AFTER INSERT ON actions
        BEGIN
            INSERT INTO action_counts (case_id, official_id, channel, day, count)
            VALUES (NEW.case_id, NEW.official_id, NEW.channel, substr(NEW.created_at, 1, 10), 1)
            ON CONFLICT DO UPDATE SET count = count + 1;
            INSERT INTO supporter_counts (case_id, count)
            SELECT NEW.case_id, 1
            WHERE (SELECT count(*) FROM actions
                   WHERE user_key = NEW.user_key AND case_id = NEW.case_id) = 1
            ON CONFLICT DO UPDATE SET count = count + 1;
        END
        """,
    )
)

MIGRATIONS.append(
    (
        8,
        "a standing network: alerts about new cases, message switches, letter language choices",
        """
        -- 'each' (every new case when it is published) or 'weekly' (a digest); NULL: never.
        ALTER TABLE users ADD COLUMN alerts TEXT;
        -- Switches of the kinds of message about cases a supporter follows (1: on).
        ALTER TABLE users ADD COLUMN reminders INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE users ADD COLUMN news INTEGER NOT NULL DEFAULT 1;
        -- The letter language a supporter chose for a case; expires with the case.
        CREATE TABLE letter_choices (
            user_key    TEXT NOT NULL REFERENCES users(user_key) ON DELETE CASCADE,
            case_id     TEXT NOT NULL,
            lang        TEXT NOT NULL,
            PRIMARY KEY (user_key, case_id)
        );
        -- Consent: the chat id is kept only for supporters who agreed to be messaged
        -- (reminders and news of a case they follow, or alerts); everyone else's goes.
        UPDATE users SET chat_id = NULL WHERE alerts IS NULL
            AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.user_key = users.user_key);
        CREATE INDEX users_by_alerts ON users (alerts) WHERE alerts IS NOT NULL;
        -- /stats and audiences look subscriptions up by case, and count blocked supporters.
        CREATE INDEX subscriptions_by_case ON subscriptions (case_id);
        CREATE INDEX users_blocked ON users (blocked_at) WHERE blocked_at IS NOT NULL
        """,
    )
)

MIGRATIONS.append(
    (
        6,
        "the key's fingerprint; behaviour kept to the day",
        """
        -- What the bot must know about the database itself: the fingerprint of the key it was
        -- made with (never the key), and the format of its sealed values (bot.storage.keys).
        CREATE TABLE meta (
            name        TEXT PRIMARY KEY,
            value       TEXT NOT NULL
        );
        -- When a supporter first came, acted, subscribed, said /stop or blocked the bot: the
        -- day is all the bot needs (counts per day, retention), so the second is not kept.
        UPDATE users SET created_at = substr(created_at, 1, 10),
            blocked_at = substr(blocked_at, 1, 10), stopped_at = substr(stopped_at, 1, 10);
        UPDATE actions SET created_at = substr(created_at, 1, 10);
        UPDATE subscriptions SET created_at = substr(created_at, 1, 10)
        """,
    )
)

MIGRATIONS.append(
    (
        10,
        "organizers' work on cases in Telegram: what they changed, and what waits for them",
        """
        -- A short history organizers can see: who (a keyed hash of their Telegram id, never
        -- the id), what, when. What they typed is not kept here, only which field changed.
        CREATE TABLE case_history (
            id          INTEGER PRIMARY KEY,
            case_id     TEXT NOT NULL,
            organizer   TEXT NOT NULL,
            event       TEXT NOT NULL,
            detail      TEXT,
            created_at  TEXT NOT NULL
        );
        CREATE INDEX case_history_by_case ON case_history (case_id, id);
        -- Work an organizer started and has yet to confirm, so that a restart loses none of
        -- it: a pasted document (its text, in parts), a further-information document shown
        -- before it is applied, news shown before it is sent.
        CREATE TABLE staged_work (
            id          INTEGER PRIMARY KEY,
            kind        TEXT NOT NULL,
            case_id     TEXT,
            organizer   TEXT NOT NULL,
            data        TEXT NOT NULL,
            state       TEXT NOT NULL DEFAULT 'open',
            created_at  TEXT NOT NULL
        )
        """,
    )
)

MIGRATIONS.append(
    (
        12,
        "the inbox: updates kept until handled, so a crash after Telegram forgot them loses none",
        """
        -- Telegram forgets an update once the bot confirms it, before it is handled. Each one
        -- is kept here from before that confirmation until its handlers finish, then deleted
        -- (in the transaction that records it in handled_updates). The raw update holds names,
        -- ids and typed text: `payload` is sealed (column "inbox", owner: the update id).
        -- `starts`: how many processes took it; at start-up, one tried too often is given up.
        CREATE TABLE inbox (
            update_id   INTEGER PRIMARY KEY,
            payload     TEXT NOT NULL,
            starts      INTEGER NOT NULL
        )
        """,
    )
)
