"""`quizbot sandbox`: the real bot, the local Bot API stand-in and a chat page, no token needed.

One aiohttp server on one port answers the bot (`/bot<TOKEN>/...`) and the browser (`/`). The
demo world (bot.sandbox.demo) is built before the bot starts, so the bot finds the seed quizzes
in its database and hears that the teacher added it to the class group.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.sandbox import SandboxServer
from bot.sandbox.demo import Classmates, DemoWorld, build_world
from bot.sandbox.web import ChatPage
from storage import Store

logger = logging.getLogger(__name__)

BOT_USERNAME = "quizbot_sandbox_bot"
REPO_SEEDS = Path(__file__).resolve().parents[1] / "seeds"


class SandboxAppError(Exception):
    """The sandbox could not start (port taken, no seeds, the bot missing)."""


USER_ERRORS: tuple[type[Exception], ...] = (SandboxAppError,)


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's commands to the `quizbot` parser."""
    parser = sub.add_parser(
        "sandbox",
        help="try the bot in a local chat page, without Telegram or a token",
        description=(
            "Start the local Bot API stand-in, the real bot against it, and a chat page at "
            "http://HOST:PORT with the seed articles as a teacher's quizzes and a class group."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument(
        "--db", default=None, help="database file to use (default: a fresh one, removed at exit)"
    )
    parser.add_argument(
        "--seeds", default=None, help=f"folder of articles to publish (default {REPO_SEEDS})"
    )
    parser.set_defaults(handler=run_sandbox_app)


def run_sandbox_app(args: argparse.Namespace) -> int:
    seeds = Path(args.seeds) if args.seeds else REPO_SEEDS
    if not seeds.is_dir():
        raise SandboxAppError(f"no seed folder at {seeds}; pass --seeds DIR")
    # As `quizbot run` does: python-telegram-bot 22 reads retry_after as a timedelta with this.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    asyncio.run(_serve(args.host, args.port, args.db, seeds))
    return 0


async def _serve(host: str, port: int, db: str | None, seeds: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="quizbot-sandbox-") as scratch:
        db_path = Path(db) if db else Path(scratch) / "sandbox.db"
        print("quizbot sandbox: starting (reading the seed articles takes a moment)", flush=True)
        async with open_sandbox(host=host, port=port, db_path=db_path, seeds_dir=seeds) as box:
            print(f"quizbot sandbox: open {box.url} in your browser", flush=True)
            print("  a local stand-in for Telegram; nothing leaves this machine", flush=True)
            print(f"  database {db_path}; press Ctrl+C to stop", flush=True)
            stop = asyncio.Event()
            with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
            await stop.wait()


@dataclass
class Sandbox:
    server: SandboxServer
    world: DemoWorld
    application: Any  # telegram.ext.Application
    classmates: Classmates

    @property
    def url(self) -> str:
        return self.server.url


def bot_settings(server: SandboxServer, db_path: Path) -> Any:
    """The bot's settings from the environment, pointed at the stand-in and `db_path`."""
    from bot.settings import Settings

    # The stand-in keeps no flood limits, so the bot need not throttle itself either.
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": server.token, "QUIZBOT_THROTTLE": "off"}
    settings = Settings.from_env(env)
    return dataclasses.replace(
        settings,
        token=server.token,
        db_path=str(db_path),
        api_url=server.url,
        webhook_url=None,
    )


@contextlib.asynccontextmanager
async def open_sandbox(
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    db_path: Path,
    seeds_dir: Path = REPO_SEEDS,
    classmate_delay: tuple[float, float] = (1.5, 5.0),
    settings_changes: dict[str, Any] | None = None,
) -> AsyncIterator[Sandbox]:
    """Everything `quizbot sandbox` runs, until the block ends."""
    server = SandboxServer(bot_username=BOT_USERNAME)
    page = ChatPage(server).install()
    try:
        await server.start(host, port)
    except OSError as error:
        raise SandboxAppError(f"cannot listen on {host}:{port}: {error}") from None
    try:
        try:
            from bot.app import build_application
        except ImportError as error:
            raise SandboxAppError(f"the bot is not available: {error}") from None
        settings = bot_settings(server, db_path)
        if settings_changes:
            settings = dataclasses.replace(settings, **settings_changes)
        with Store(db_path) as store:
            world = build_world(
                server.sim, store, seeds_dir=seeds_dir, questions=settings.questions_per_quiz
            )
        page.people[:] = world.people()
        application = build_application(settings)
        async with (
            _polling(application),
            Classmates(server.sim, world, delay=classmate_delay) as classmates,
        ):
            yield Sandbox(server, world, application, classmates)
    finally:
        await server.stop()


@contextlib.asynccontextmanager
async def _polling(application: Any) -> AsyncIterator[None]:
    """What `Application.run_polling` does, without owning the event loop: initialize,
    post_init, poll, start; then stop, post_stop, shutdown, post_shutdown."""
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        from telegram import Update

        await application.updater.start_polling(timeout=10, allowed_updates=Update.ALL_TYPES)
        await application.start()
        try:
            yield
        finally:
            if application.updater.running:
                await application.updater.stop()
            if application.running:
                await application.stop()
            if application.post_stop:
                await application.post_stop(application)
    finally:
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
