"""The bot's pure parts: settings, times, edits, article splitting, `quizbot run`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import texts
from bot.cli import main
from bot.handlers.teacher import parse_edit
from bot.services import UserError
from bot.settings import Settings, SettingsError
from bot.timeparse import find_zone, parse_time

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


BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def test_parse_time_reads_the_teachers_clock_across_daylight_saving() -> None:
    # Summer (CEST, UTC+2) and winter (CET, UTC+1) in Berlin; EDT and EST in New York.
    assert parse_time("2026-07-01 09:00", NOW, BERLIN) == utc(2026, 7, 1, 7, 0)
    assert parse_time("2026-12-01 09:00", NOW, BERLIN) == utc(2026, 12, 1, 8, 0)
    assert parse_time("2026-07-01 09:00", NOW, NEW_YORK) == utc(2026, 7, 1, 13, 0)
    assert parse_time("2026-12-01 09:00", NOW, NEW_YORK) == utc(2026, 12, 1, 14, 0)
    # The night the clocks go forward, "tomorrow 09:00" is already summer time.
    eve = utc(2026, 3, 28, 20, 0)  # 21:00 in Berlin, Saturday 28 March
    assert parse_time("tomorrow 09:00", eve, BERLIN) == utc(2026, 3, 29, 7, 0)
    assert parse_time("today 23:30", eve, BERLIN) == utc(2026, 3, 28, 22, 30)
    assert parse_time("09:00", eve, BERLIN) == utc(2026, 3, 29, 7, 0)  # the next 09:00
    # 02:30 does not happen in Berlin that night; 02:30 on 25 October happens twice.
    with pytest.raises(UserError, match="does not exist in Europe/Berlin"):
        parse_time("2026-03-29 02:30", eve, BERLIN)
    assert parse_time("2026-10-25 02:30", NOW, BERLIN) == utc(2026, 10, 25, 0, 30)  # the first
    # Local midnight across the date line; a trailing UTC reads the time in UTC.
    assert parse_time("2026-05-05", NOW, BERLIN) == utc(2026, 5, 4, 22, 0)
    assert parse_time("2026-05-04 18:30 UTC", NOW, BERLIN) == utc(2026, 5, 4, 18, 30)
    assert parse_time("in 20 min", NOW, BERLIN) == NOW + timedelta(minutes=20)
    with pytest.raises(UserError, match="passed"):
        parse_time("today 10:30", NOW, BERLIN)  # 08:30 UTC, before NOW
    with pytest.raises(UserError, match="could not read"):
        parse_time("tomorrow 25:00", NOW, BERLIN)


def test_time_zone_names_and_how_times_are_shown() -> None:
    assert find_zone("Europe/Berlin") == BERLIN
    assert find_zone(" europe/berlin ").key == "Europe/Berlin"
    assert find_zone("utc").key == "UTC"
    for bad in ("Mars/Olympus", "Berlin", "../../etc/passwd", "", "+02:00"):
        with pytest.raises(UserError, match="I do not know the time zone") as refused:
            find_zone(bad)
        assert "/timezone Europe/Berlin" in str(refused.value)
    with pytest.raises(UserError) as escaped:
        find_zone("<b>x</b>")
    assert "&lt;b&gt;x&lt;/b&gt;" in str(escaped.value)
    assert (
        texts.when(utc(2026, 7, 1, 7, 0), BERLIN) == "2026-07-01 09:00 Europe/Berlin (07:00 UTC)"
    )
    assert texts.when(utc(2026, 1, 1, 23, 0), BERLIN) == (
        "2026-01-02 00:00 Europe/Berlin (2026-01-01 23:00 UTC)"
    )
    assert texts.when(utc(2026, 7, 1, 7, 0), ZoneInfo("UTC")) == "2026-07-01 07:00 UTC"


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
