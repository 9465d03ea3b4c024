"""Reading a teacher's date and time in their time zone: `2026-05-04 09:30`, `tomorrow 09:00`,
`18:00`, `in 20 min`; a trailing `UTC` reads the time in UTC whatever the zone."""

from __future__ import annotations

import functools
import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.services import UserError

RELATIVE = re.compile(
    r"in\s+(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?)",
    re.IGNORECASE,
)
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
DAY_AND_TIME = re.compile(r"(?:(today|tomorrow)\s+)?(\d{1,2}):(\d{2})", re.IGNORECASE)
DATES = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d")
MAX_ZONE_NAME = 60


@functools.cache
def _zone_names() -> dict[str, str]:
    """Every IANA zone name known here (tzdata's, when the system has none), by lower case."""
    names = {name.lower(): name for name in zoneinfo.available_timezones()}
    names["utc"] = "UTC"
    return names


def find_zone(name: str) -> ZoneInfo:
    """The time zone of an IANA name, in any letter case; UserError naming it otherwise."""
    key = _zone_names().get(name.strip().lower())
    if key is None:
        shown = name.strip()
        if len(shown) > MAX_ZONE_NAME:
            shown = shown[:MAX_ZONE_NAME] + "…"
        raise UserError(texts.bad_zone(shown))
    return ZoneInfo(key)


def zone_or_utc(name: str) -> ZoneInfo:
    """The zone a stored name names, or UTC if this machine no longer knows it."""
    key = _zone_names().get(name.lower())
    return ZoneInfo(key or "UTC")


def parse_time(text: str, now: datetime, zone: ZoneInfo | None = None) -> datetime:
    """An aware UTC datetime in the future, read in `zone` (UTC when None); raises UserError with
    a hint otherwise. A wall-clock time the zone skips (clocks going forward) is refused; one
    it has twice (clocks going back) is the first of the two."""
    zone = zone or ZoneInfo("UTC")
    text = " ".join(text.split())
    relative = RELATIVE.fullmatch(text)
    if relative:
        amount = float(relative.group(1))
        unit = UNITS[relative.group(2)[0].lower()]
        return now + timedelta(**{unit: amount})
    if text.upper().endswith(" UTC"):
        text, zone = text[:-4].strip(), ZoneInfo("UTC")
    local_now = now.astimezone(zone)
    moment = _day_and_time(text, local_now, zone) or _full_date(text, zone)
    if moment is None:
        raise UserError(texts.BAD_TIME)
    if moment <= now:
        raise UserError(texts.PAST_TIME)
    return moment.astimezone(UTC)


def _day_and_time(text: str, local_now: datetime, zone: ZoneInfo) -> datetime | None:
    """`today 18:00`, `tomorrow 09:00`, or `09:00` (the next time the clock shows it)."""
    match = DAY_AND_TIME.fullmatch(text)
    if match is None:
        return None
    day_word, hour, minute = match.group(1), int(match.group(2)), int(match.group(3))
    if hour > 23 or minute > 59:
        raise UserError(texts.BAD_TIME)
    day = local_now.date()
    if day_word and day_word.lower() == "tomorrow":
        day += timedelta(days=1)
    moment = _local(day, time(hour, minute), zone)
    if day_word is None and moment <= local_now:
        moment = _local(day + timedelta(days=1), time(hour, minute), zone)
    return moment


def _full_date(text: str, zone: ZoneInfo) -> datetime | None:
    for pattern in DATES:
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return _local(parsed.date(), parsed.time(), zone)
    return None


def _local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The wall-clock time in the zone; refused if the zone skips it (a DST gap)."""
    moment = datetime.combine(day, clock, tzinfo=zone)  # fold=0: the first of a repeated hour
    back = moment.astimezone(UTC).astimezone(zone)
    if back.replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise UserError(texts.skipped_time(moment.strftime("%Y-%m-%d %H:%M"), zone.key))
    return moment
