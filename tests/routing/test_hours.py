"""Business hours: weekly schedule in a time zone, holidays, daylight-saving changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livedesk.orgs import hours
from livedesk.orgs.schemas import BusinessHoursConfig

PARIS = ZoneInfo("Europe/Paris")
SPEC = {
    "name": "Support",
    "time_zone": "Europe/Paris",
    "weekly": {d: ["09:00-17:00"] for d in hours.DAYS[:5]} | {"saturday": ["10:00-12:00"]},
    "holidays": [{"date": "2026-12-25", "name": "Christmas"}],
}


def calendar(spec: dict[str, Any]) -> hours.BusinessHours:
    """A schedule as the org file gives it (`BusinessHoursConfig` reads it, as stored)."""
    return BusinessHoursConfig.model_validate(spec).calendar()


SUPPORT = calendar(SPEC)


def at(text: str, zone: ZoneInfo = PARIS) -> int:
    return round(datetime.fromisoformat(text).replace(tzinfo=zone).timestamp() * 1000)


def test_open_inside_the_weekly_schedule_in_the_local_time_zone() -> None:
    assert hours.is_open(SUPPORT, at("2026-11-23T09:00"))  # Monday
    assert hours.is_open(SUPPORT, at("2026-11-23T16:59"))
    assert not hours.is_open(SUPPORT, at("2026-11-23T17:00"))
    assert not hours.is_open(SUPPORT, at("2026-11-23T08:59"))
    assert not hours.is_open(SUPPORT, at("2026-11-22T11:00"))  # Sunday
    # 08:30 UTC is 09:30 in Paris in winter
    assert hours.is_open(SUPPORT, at("2026-11-23T08:30", ZoneInfo("UTC")))


def test_holidays_are_closed_all_day() -> None:
    assert not hours.is_open(SUPPORT, at("2026-12-25T10:00"))  # a Friday
    assert hours.next_opening(SUPPORT, at("2026-12-25T10:00")) == at("2026-12-26T10:00")


def test_next_opening() -> None:
    assert hours.next_opening(SUPPORT, at("2026-11-21T13:00")) == at("2026-11-23T09:00")
    assert hours.next_opening(SUPPORT, at("2026-11-23T10:00")) == at("2026-11-23T10:00")
    text = hours.describe_opening(SUPPORT, at("2026-11-23T09:00"))
    assert text == "Monday 09:00 (Europe/Paris)"


def test_hours_follow_the_wall_clock_across_daylight_saving() -> None:
    # Summer time starts 2026-03-29 in Paris: 09:00 local is 07:00 UTC after, 08:00 UTC before.
    assert hours.is_open(SUPPORT, at("2026-03-27T08:00", ZoneInfo("UTC")))  # Fri 09:00 CET
    assert hours.is_open(SUPPORT, at("2026-03-30T07:00", ZoneInfo("UTC")))  # Mon 09:00 CEST
    assert not hours.is_open(SUPPORT, at("2026-03-30T06:59", ZoneInfo("UTC")))


def test_an_opening_inside_the_daylight_saving_gap() -> None:
    night = calendar(
        {"name": "N", "time_zone": "Europe/Paris", "weekly": {"sunday": ["02:30-04:00"]}}
    )
    # 2026-03-29 02:30 does not exist in Paris; the line opens when the clocks say 03:00.
    opening = hours.next_opening(night, at("2026-03-28T12:00"))
    assert opening is not None and hours.is_open(night, opening)
    assert datetime.fromtimestamp(opening / 1000, PARIS).hour == 3


def test_whole_day_and_bad_intervals() -> None:
    always = calendar(
        {"name": "A", "time_zone": "UTC", "weekly": {d: ["00:00-24:00"] for d in hours.DAYS}}
    )
    assert hours.is_open(always, at("2026-11-22T23:59:59", ZoneInfo("UTC")))
    for bad in ("9-17", "17:00-09:00", "09:00", "25:00-26:00"):
        with pytest.raises(ValueError):
            hours.parse_interval(bad)


ZONES = ["Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]


@st.composite
def schedules(draw: st.DrawFn) -> hours.BusinessHours:
    weekly: dict[str, list[str]] = {}
    for day in hours.DAYS:
        if draw(st.booleans()):
            start = draw(st.integers(0, 22))
            end = draw(st.integers(start + 1, 24))
            weekly[day] = [f"{start:02d}:{draw(st.sampled_from([0, 30])):02d}-{end:02d}:00"]
    holidays = [
        {"date": f"2026-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 28)):02d}"}
        for _ in range(draw(st.integers(0, 5)))
    ]
    return calendar(
        {
            "name": "H",
            "time_zone": draw(st.sampled_from(ZONES)),
            "weekly": weekly,
            "holidays": holidays,
        }
    )


@settings(max_examples=150, deadline=None)
@given(schedules(), st.integers(at("2026-01-01T00:00"), at("2027-01-01T00:00")))
def test_next_opening_is_open_and_nothing_before_it_is(business, now) -> None:  # type: ignore[no-untyped-def]
    opening = hours.next_opening(business, now)
    if opening is None:
        assert not any(business.weekly)
        return
    assert opening >= now and hours.is_open(business, opening)
    # sample the closed stretch before it: every 20 minutes of the first two days, then hourly
    step, moment = 20 * 60 * 1000, now
    while moment < opening:
        assert not hours.is_open(business, moment)
        moment += step if moment - now < 2 * 86_400_000 else 3_600_000
