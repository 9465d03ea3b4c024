"""The bot's pure parts: settings, times, edits, article splitting, `quizbot run`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot import texts
from bot.cli import main
from bot.handlers.teacher import parse_edit
from bot.services import UserError
from bot.settings import Settings, SettingsError
from bot.timeparse import parse_time

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def test_settings_from_env_reads_everything_once() -> None:
    settings = Settings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": "123:SECRET",
            "QUIZBOT_DB": "/tmp/q.db",
            "QUIZBOT_API_URL": "http://127.0.0.1:8081/",
            "QUIZBOT_WEBHOOK_URL": "https://example.org/hook",
            "QUIZBOT_LOG_LEVEL": "debug",
            "QUIZBOT_MAX_UPLOAD_BYTES": "1000",
            "QUIZBOT_GENERATIONS_PER_HOUR": "3",
        }
    )
    assert (settings.db_path, settings.log_level, settings.max_upload_bytes) == (
        "/tmp/q.db",
        "DEBUG",
        1000,
    )
    assert settings.generations_per_hour == 3
    assert settings.base_url == "http://127.0.0.1:8081/bot"
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot"
    assert settings.webhook_url == "https://example.org/hook"
    assert "SECRET" not in repr(settings)


def test_settings_errors_say_what_to_fix() -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN"):
        Settings.from_env({})
    with pytest.raises(SettingsError, match="QUIZBOT_MAX_UPLOAD_BYTES must be a whole number"):
        Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:x", "QUIZBOT_MAX_UPLOAD_BYTES": "big"})


def test_quizbot_run_without_a_token_exits_2(monkeypatch, capsys) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["run"]) == 2
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


def test_parse_time_relative_absolute_and_refusals() -> None:
    assert parse_time("in 20 min", NOW) == NOW + timedelta(minutes=20)
    assert parse_time("in 6 s", NOW) == NOW + timedelta(seconds=6)
    assert parse_time("in 2 days", NOW) == NOW + timedelta(days=2)
    assert parse_time("2026-05-04 18:30", NOW) == datetime(2026, 5, 4, 18, 30, tzinfo=UTC)
    with pytest.raises(UserError, match="passed"):
        parse_time("2026-05-03 18:30", NOW)
    with pytest.raises(UserError, match="could not read"):
        parse_time("tomorrow-ish", NOW)


def test_parse_edit() -> None:
    assert parse_edit("Who won?\nAnn\n* Bob\nCat") == ("Who won?", ["Ann", "Bob", "Cat"], 1)
    assert parse_edit("  Only the question?  ") == ("Only the question?", None, None)
    with pytest.raises(UserError):
        parse_edit("Q?\nA\nB")  # nothing marked
    with pytest.raises(UserError):
        parse_edit("Q?\n*A\n*B")


def test_article_parts_split_at_paragraphs_within_the_limit() -> None:
    paragraphs = [f"Paragraph {i} " + "word " * 150 for i in range(12)]
    parts = texts.article_parts("A <title>", "\n\n".join(paragraphs), limit=2000)
    assert parts[0].startswith("<b>A &lt;title&gt;</b>")
    assert all(len(p) <= 2000 + 20 for p in parts)
    joined = " ".join(parts)
    assert all(p.strip() in joined for p in paragraphs)
    assert len(parts) > 5
    huge = texts.article_parts("T", "x" * 5000, limit=4096)
    assert [len(p) for p in huge] == [len("<b>T</b>"), 4096, 904]


def test_the_token_never_reaches_the_log(caplog) -> None:
    from bot.cli_bot import RedactToken

    logger = logging.getLogger("quizbot.test")
    caplog.handler.addFilter(RedactToken("123:SECRET"))
    logger.warning("calling https://api.telegram.org/bot%s/getMe", "123:SECRET")
    try:
        raise ValueError("https://api.telegram.org/bot123:SECRET/sendMessage failed")
    except ValueError:
        logger.exception("while sending")
    assert caplog.messages == [
        "calling https://api.telegram.org/bot<token>/getMe",
        "while sending",
    ]
    assert "SECRET" not in caplog.text
    assert "bot<token>/sendMessage failed" in caplog.text


def test_parse_edit_keeps_to_telegrams_limits() -> None:
    with pytest.raises(UserError, match="too long"):
        parse_edit("Q" * 301)
    with pytest.raises(UserError, match="too long"):
        parse_edit("Q?\n*" + "a" * 101 + "\nb")
    assert parse_edit("Q?\n*" + "a" * 100 + "\nb")[2] == 0


@pytest.mark.parametrize(
    ("webhook", "expected"),
    [(None, "run_polling"), ("https://quiz.example.org/tg/hook", "run_webhook")],
)
def test_quizbot_run_polls_or_takes_a_webhook(monkeypatch, tmp_path, webhook, expected) -> None:
    from telegram.ext import Application

    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        Application, "run_polling", lambda self, **kw: calls.append(("run_polling", kw))
    )
    monkeypatch.setattr(
        Application, "run_webhook", lambda self, **kw: calls.append(("run_webhook", kw))
    )
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:SECRET")
    monkeypatch.setenv("QUIZBOT_DB", str(tmp_path / "q.db"))
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    if webhook:
        monkeypatch.setenv("QUIZBOT_WEBHOOK_URL", webhook)
    else:
        monkeypatch.delenv("QUIZBOT_WEBHOOK_URL", raising=False)
    level = logging.getLogger().level
    try:
        assert main(["run"]) == 0
    finally:
        logging.getLogger().setLevel(level)
    ((method, options),) = calls
    assert method == expected
    if webhook:
        assert options["webhook_url"] == webhook
        assert options["url_path"] == "tg/hook"
        assert options["port"] == 8443
