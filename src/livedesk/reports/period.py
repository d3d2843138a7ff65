"""The period a report covers, from what a person types: pure.

`from` and `to` are dates (`2026-11-25`: that day's midnight in the report's time zone) or ISO
8601 times (`2026-11-25T08:00`, in the time zone unless they carry an offset); `from` is
included, `to` is not, and a date as `to` means the end of that day. Without them: today, in
the time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from livedesk.errors import AppError, bad_request
from livedesk.orgs.schemas import known_time_zone

LONGEST_DAYS = 366


@dataclass(frozen=True)
class Period:
    start: int  # ms, included
    end: int  # ms, excluded
    time_zone: str


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(known_time_zone(name))
    except ValueError as exc:
        raise bad_request("unknown_time_zone", f"{exc}.", parameter="tz") from None


def _parse(text: str, zone: ZoneInfo, name: str, *, end: bool) -> datetime:
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), zone)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise bad_request(
            "invalid_period",
            f"`{name}` is a date (2026-11-25) or a time (2026-11-25T08:00, an offset allowed); "
            f"{text!r} is neither.",
            parameter=name,
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def period(start: str | None, end: str | None, time_zone: str, now_ms: int) -> Period:
    """The period asked for; 400 with a sentence when it is not one."""
    zone = zone_of(time_zone)
    today = datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(zone).date()
    begins = (
        _parse(start, zone, "from", end=False) if start else datetime.combine(today, time(), zone)
    )
    ends = (
        _parse(end, zone, "to", end=True)
        if end
        else datetime.combine(begins.astimezone(zone).date() + timedelta(days=1), time(), zone)
    )
    if ends <= begins:
        raise _range("`to` must come after `from`.")
    if ends - begins > timedelta(days=LONGEST_DAYS):
        raise _range(f"A report covers at most {LONGEST_DAYS} days; ask for a shorter period.")
    return Period(int(begins.timestamp() * 1000), int(ends.timestamp() * 1000), time_zone)


def _range(message: str) -> AppError:
    return bad_request("invalid_period", message)
