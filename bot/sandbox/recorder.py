"""Every object the stand-in hands to a client, kept for the spec-conformance test."""

from __future__ import annotations

import json
from typing import Any

# (Bot API type expression such as "Message" or "Array of Update", value)
EMITTED: list[tuple[str, Any]] = []
ENABLED = True
LIMIT = 50_000


def record(type_expr: str, value: Any) -> None:
    if ENABLED and len(EMITTED) < LIMIT:
        EMITTED.append((type_expr, json.loads(json.dumps(value))))  # as sent, not as it becomes
