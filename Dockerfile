# The Urgent Action bot. Build: docker compose build (or docker build -t ua-bot .)
# Configuration comes from the environment (env_file: .env in compose.yaml); data lives in the
# /data volume; the content is baked in and may be mounted over /app/content. Cases organizers
# make or change in Telegram are written to /data/cases (the image itself stays read-only).

# The base image, pinned by digest (the multi-platform index of the tag), so that a rebuild
# gets the same bytes. To update it (monthly, or for a security fix of Python or Debian):
#   docker buildx imagetools inspect python:3.11-slim-bookworm
# take the tag's version and the "Digest:" line (the index, not one platform's manifest),
# write both here, rebuild and run the checks in docs/deployment.md.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d

# --- build: the bot and its dependencies in a virtualenv (wheels only, no compiler needed) ---
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
# Exactly the locked versions, every file checked against its hash (scripts/lock makes it).
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --require-hashes -r requirements.lock
# Only what `pip install .` needs: pyproject.toml, the bot, and the fake Bot API that
# `python -m bot preview` talks to (the running bot never imports it). Nothing more is
# downloaded: no dependencies, and the locked setuptools builds it.
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY faketelegram ./faketelegram
RUN /opt/venv/bin/pip install --no-deps --no-build-isolation . \
    && /opt/venv/bin/python -c "import bot.cli, bot.runner, bot.preview"

# --- run: slim, non-root ---
FROM ${PYTHON_IMAGE}
# A fixed uid, so that a volume keeps working across rebuilds; no login shell, no home.
RUN groupadd --system --gid 10001 bot \
    && useradd --system --uid 10001 --gid bot --home-dir /nonexistent --no-create-home \
        --shell /usr/sbin/nologin bot \
    && mkdir /data \
    && chown 10001:10001 /data
# Same base image and path as the build stage, so the virtualenv works as copied.
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY content ./content
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    BOT_DATABASE=/data/bot.sqlite3 \
    BOT_CONTENT_DIR=/app/content \
    BOT_CASES_DIR=/data/cases \
    BOT_LISTEN_HOST=0.0.0.0 \
    BOT_LISTEN_PORT=8080
# Numeric, so that the host and runAsNonRoot checks can tell it is not root.
USER 10001:10001
VOLUME ["/data"]
# The webhook (in webhook mode), /healthz and /metrics.
EXPOSE 8080
# /healthz answers 200 when the database answers and the content is loaded (both modes).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('BOT_LISTEN_PORT', '8080'), timeout=4)"]
# SIGTERM (docker stop) lets the updates in hand finish, then closes the database cleanly.
# Run with an init (compose.yaml: init: true; docker run --init): as PID 1 the bot would
# ignore a SIGTERM that arrives in its first seconds, before its handler is installed.
CMD ["python", "-m", "bot"]
