"""`quizbot run`: the Telegram bot, with long polling or (QUIZBOT_WEBHOOK_URL) a webhook."""

from __future__ import annotations

import argparse
import logging
import os
from urllib.parse import urlparse

from telegram import Update

from bot.settings import Settings, SettingsError

USER_ERRORS: tuple[type[Exception], ...] = (SettingsError,)
# Everything but `poll`: votes arrive as poll_answer, and a poll's running totals (one update
# per vote in a class of 1,000) are of no use to the bot.
UPDATES = [kind for kind in Update.ALL_TYPES if kind != Update.POLL]


def register(sub: argparse._SubParsersAction) -> None:
    """Add `run` to the `quizbot` parser."""
    run = sub.add_parser("run", help="run the Telegram bot (settings from the environment)")
    run.set_defaults(handler=cmd_run)


class RedactToken(logging.Filter):
    """Replace the bot token wherever it appears in a log line."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self.token in record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    logging.getLogger().setLevel(settings.log_level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(settings.token))
    # python-telegram-bot 22 reads retry_after as a timedelta only with this set; the rate
    # limiter's retries need it.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    from bot.app import build_application  # imports spaCy and matplotlib: only when running

    app = build_application(settings)
    if settings.webhook_url:
        path = urlparse(settings.webhook_url).path.lstrip("/") or "telegram"
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=path,
            webhook_url=settings.webhook_url,
            allowed_updates=UPDATES,
        )
    else:
        app.run_polling(allowed_updates=UPDATES)
    return 0
