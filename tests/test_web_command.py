"""`quizbot sandbox` as a person starts it: one command, the page answers, Ctrl+C or a TERM
signal stops it cleanly."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot import cli

ROOT = Path(__file__).resolve().parents[1]


async def test_the_command_serves_the_page_and_stops_on_term(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "sandbox",
        "--port",
        "0",
        "--db",
        str(db),
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        first = await asyncio.wait_for(process.stdout.readline(), 60)
        assert first.decode().startswith("quizbot sandbox: starting")
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        match = re.search(r"open (http://127\.0\.0\.1:\d+) ", line.decode())
        assert match, line
        async with aiohttp.ClientSession(match.group(1)) as http:
            async with http.get("/") as response:
                assert "this is not Telegram" in await response.text()
            async with http.get("/web/api/people") as response:
                people = (await response.json())["people"]
        assert [p["role"] for p in people] == ["teacher", "student"]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert db.exists()


def test_a_taken_port_is_a_plain_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = cli.main(["sandbox", "--port", str(port), "--seeds", str(ROOT / "seeds")])
    assert code == 2
    assert f"quizbot: cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_missing_seed_folder_is_a_plain_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["sandbox", "--seeds", str(tmp_path / "nowhere")])
    assert code == 2
    assert "no seed folder" in capsys.readouterr().err
