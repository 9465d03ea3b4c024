"""`quizbot sandbox-api`: run the local Telegram Bot API stand-in on its own."""

from __future__ import annotations

import argparse
import asyncio
import logging

from bot.sandbox import DEFAULT_TOKEN, SandboxServer

logger = logging.getLogger(__name__)


class SandboxStartError(Exception):
    """The stand-in could not start (for example, the port is taken)."""


USER_ERRORS: tuple[type[Exception], ...] = (SandboxStartError,)


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's commands to the `quizbot` parser."""
    parser = sub.add_parser(
        "sandbox-api",
        help="run the local Telegram Bot API stand-in",
        description=(
            "Serve /bot<TOKEN>/<method>, /file/bot<TOKEN>/<path> and the /sim/ driver API "
            "until interrupted."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8081, help="port (default 8081; 0 picks one)")
    parser.add_argument(
        "--token", default=DEFAULT_TOKEN, help="the bot token the stand-in accepts"
    )
    parser.add_argument(
        "--bot-username", default="quizbot_sandbox_bot", help="the bot's @username"
    )
    parser.add_argument(
        "--rate-limits", action="store_true", help="enforce Telegram's flood limits (429)"
    )
    parser.set_defaults(handler=run_sandbox)


def run_sandbox(args: argparse.Namespace) -> int:
    asyncio.run(_serve(args))
    return 0


async def _serve(args: argparse.Namespace) -> None:
    server = SandboxServer(args.token, bot_username=args.bot_username)
    server.set_rate_limits(args.rate_limits)
    try:
        await server.start(args.host, args.port)
    except OSError as error:
        raise SandboxStartError(f"cannot listen on {args.host}:{args.port}: {error}") from None
    print(f"sandbox Bot API on {server.url}", flush=True)
    print(f"  base_url      {server.base_url}", flush=True)
    print(f"  base_file_url {server.base_file_url}", flush=True)
    print(f"  driver        {server.url}/sim/<action>", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()
