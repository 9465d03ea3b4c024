"""Reading a teacher's date and time: `2026-05-04 09:30` (UTC) or `in 20 min`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot import texts
from bot.services import UserError

RELATIVE = re.compile(
    r"in\s+(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)",
    re.IGNORECASE,
)
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_time(text: str, now: datetime) -> datetime:
    """An aware UTC datetime in the future; raises UserError with a hint otherwise."""
    text = " ".join(text.split())
    relative = RELATIVE.fullmatch(text)
    if relative:
        amount = float(relative.group(1))
        unit = UNITS[relative.group(2)[0].lower()]
        return now + timedelta(**{unit: amount})
    for pattern in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(text.removesuffix(" UTC"), pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
        if moment <= now:
            raise UserError(texts.PAST_TIME)
        return moment
    raise UserError(texts.BAD_TIME)
