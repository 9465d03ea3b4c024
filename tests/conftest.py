"""Fixtures shared by the end-to-end bot tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sandbox import SandboxServer


@pytest.fixture
async def sandbox(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[SandboxServer]:
    """A running Bot API stand-in; python-telegram-bot reads durations as timedeltas."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    async with SandboxServer(bot_username="quizbot_test_bot") as server:
        yield server
