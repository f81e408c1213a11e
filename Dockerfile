# Build stage: install the bot and its dependencies into a prefix.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install --no-cache-dir --prefix=/install .

# Run stage: slim, non-root, data on a volume, content baked in (or mounted over).
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 bot && mkdir /data && chown bot /data
COPY --from=build /install /usr/local
WORKDIR /app
COPY content ./content
USER bot
ENV BOT_DATABASE=/data/bot.sqlite3 \
    BOT_CONTENT_DIR=/app/content \
    PYTHONUNBUFFERED=1
VOLUME /data
CMD ["python", "-m", "bot"]
