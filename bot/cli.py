"""The `quizbot` command: parses options, calls the core, prints. No logic of its own."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot import cli_bot, cli_questions, cli_sandbox, cli_sandbox_app, cli_storage

# Each command group lives in its own module with `register(subparsers)` and `USER_ERRORS`,
# the exception types whose message is meant for the person at the terminal.
COMMAND_MODULES = [cli_questions, cli_storage, cli_sandbox, cli_sandbox_app, cli_bot]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizbot", description="Reading-comprehension quizzes from news articles."
    )
    parser.add_argument("--log-level", default="WARNING", help="logging level (default WARNING)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    user_errors = tuple(err for module in COMMAND_MODULES for err in module.USER_ERRORS)
    try:
        return args.handler(args) or 0
    except user_errors as exc:
        print(f"quizbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("quizbot: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
