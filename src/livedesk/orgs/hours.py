"""Business hours: a weekly schedule in a time zone, with holidays. Local wall-clock time is
what counts, so opening hours stay 09:00–17:00 across daylight-saving changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
END_OF_DAY = time(23, 59, 59, 999999)


@dataclass(frozen=True)
class Interval:
    start: time
    end: time  # exclusive; END_OF_DAY for "24:00"

    def contains(self, t: time) -> bool:
        return self.start <= t < self.end or (self.end == END_OF_DAY and t >= self.start)


@dataclass(frozen=True)
class BusinessHours:
    name: str
    time_zone: str
    weekly: tuple[tuple[Interval, ...], ...]  # seven entries, Monday first
    holidays: frozenset[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


def parse_interval(text: str) -> Interval:
    """'09:00-17:30' (end after start; '24:00' is the end of the day)."""
    start_s, sep, end_s = text.partition("-")
    if not sep:
        raise ValueError(f"{text!r} is not an interval like 09:00-17:00")
    try:
        start = _parse_time(start_s.strip(), allow_24=False)
        end = _parse_time(end_s.strip(), allow_24=True)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None
    if end <= start:
        raise ValueError(f"{text!r}: the end must come after the start")
    return Interval(start, end)


def _parse_time(text: str, *, allow_24: bool) -> time:
    if allow_24 and text == "24:00":
        return END_OF_DAY
    try:
        hours, minutes = (int(p) for p in text.split(":"))
        return time(hours, minutes)
    except ValueError:
        raise ValueError(f"{text!r} is not a time like 09:30") from None


def local(hours: BusinessHours, now_ms: int) -> datetime:
    return datetime.fromtimestamp(now_ms / 1000, hours.zone)


def is_open(hours: BusinessHours, now_ms: int) -> bool:
    moment = local(hours, now_ms)
    if moment.date() in hours.holidays:
        return False
    t = moment.time().replace(tzinfo=None)
    return any(i.contains(t) for i in hours.weekly[moment.weekday()])


def next_opening(hours: BusinessHours, now_ms: int, horizon_days: int = 400) -> int | None:
    """The first moment at or after `now_ms` when the hours are open; None if never (no intervals,
    or only holidays within the horizon)."""
    if is_open(hours, now_ms):
        return now_ms
    today = local(hours, now_ms).date()
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        if day in hours.holidays:
            continue
        for interval in sorted(hours.weekly[day.weekday()], key=lambda i: i.start):
            candidate = _instant(hours, day, interval.start)
            # A start inside a daylight-saving gap lands after the jump: still check it is open.
            if candidate >= now_ms and is_open(hours, candidate):
                return candidate
    return None


def _instant(hours: BusinessHours, day: date, at: time) -> int:
    return round(datetime.combine(day, at, hours.zone).timestamp() * 1000)


def describe_opening(hours: BusinessHours, at_ms: int) -> str:
    """'Monday 09:00 (Europe/Paris)'."""
    moment = local(hours, at_ms)
    return f"{DAYS[moment.weekday()].capitalize()} {moment:%H:%M} ({hours.time_zone})"
