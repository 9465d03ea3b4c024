"""The bot's settings, read from the environment once (`Settings.from_env()`) and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from storage.store import DEFAULT_DB


class SettingsError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True, slots=True)
class Settings:
    token: str
    db_path: str = DEFAULT_DB
    api_url: str | None = None  # a local Bot API server, e.g. http://127.0.0.1:8081
    webhook_url: str | None = None  # webhook mode instead of long polling when set
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    log_level: str = "INFO"
    max_upload_bytes: int = 5_000_000
    generations_per_hour: int = 20
    questions_per_quiz: int = 10
    seconds_per_question: int = 30
    admin_cache_seconds: int = 180
    max_retries: int = 6  # per request, for 429s and for lost connections or 5xx answers
    throttle: bool = True  # keep to Telegram's flood limits; off only against a local stand-in

    def __repr__(self) -> str:  # never show the token
        return f"Settings(db_path={self.db_path!r}, api_url={self.api_url!r}, ...)"

    @property
    def base_url(self) -> str | None:
        return None if self.api_url is None else f"{self.api_url.rstrip('/')}/bot"

    @property
    def base_file_url(self) -> str | None:
        return None if self.api_url is None else f"{self.api_url.rstrip('/')}/file/bot"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise SettingsError(
                "Set TELEGRAM_BOT_TOKEN to the token @BotFather gave you "
                "(export TELEGRAM_BOT_TOKEN=123456:ABC...)."
            )
        return cls(
            token=token,
            db_path=env.get("QUIZBOT_DB") or DEFAULT_DB,
            api_url=env.get("QUIZBOT_API_URL") or None,
            webhook_url=env.get("QUIZBOT_WEBHOOK_URL") or None,
            webhook_listen=env.get("QUIZBOT_WEBHOOK_LISTEN") or "0.0.0.0",
            webhook_port=_int(env, "QUIZBOT_WEBHOOK_PORT", 8443),
            log_level=(env.get("QUIZBOT_LOG_LEVEL") or "INFO").upper(),
            max_upload_bytes=_int(env, "QUIZBOT_MAX_UPLOAD_BYTES", 5_000_000),
            generations_per_hour=_int(env, "QUIZBOT_GENERATIONS_PER_HOUR", 20),
            questions_per_quiz=_int(env, "QUIZBOT_QUESTIONS", 10),
            seconds_per_question=max(5, _int(env, "QUIZBOT_SECONDS_PER_QUESTION", 30)),
            throttle=(env.get("QUIZBOT_THROTTLE") or "on").lower() not in ("off", "0", "no"),
        )


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1.")
    return value
