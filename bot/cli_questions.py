"""`quizbot generate` and `quizbot play`."""

from __future__ import annotations

import argparse

USER_ERRORS: tuple[type[Exception], ...] = ()


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's commands to the `quizbot` parser."""
