"""The scripted day (tests/reports/day.py): the reports API, its CSV and `livedesk report` give
the numbers worked out by hand there."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from livedesk.setup.schemas import OrgFile
from tests.helpers import Api
from tests.reports.day import DAY, NEXT_DAY, Day, build_day, use_org


@pytest.fixture
async def day(api: Api, app: FastAPI, clock: FakeClock, demo_org: OrgFile) -> Day:
    await use_org(app, demo_org)
    return await build_day(api, app, clock)


async def get(api: Api, path: str, **params: Any) -> Any:
    admin = await api.agent("admin")
    r = await api.http.get(f"/api/v1/reports/{path}", params=params, headers=admin.headers)
    assert r.status_code == 200, r.text
    return r.json() if r.headers["content-type"].startswith("application/json") else r.text


def figure(row: dict[str, Any], name: str) -> tuple[int, float | None, float | None, float | None]:
    f = row["figures"][name]
    return f["count"], f["average"], f["median"], f["p90"]


async def test_each_session_of_the_day(api: Api, day: Day) -> None:
    body = await get(api, "sessions", **{"from": DAY, "to": DAY})
    rows = {r["sessionId"]: r for r in body["sessions"]}
    named = {name: rows.get(sid) for name, sid in day.sessions.items()}
    assert named["S7"] is None  # the next day in Paris, though still the 24th in UTC
    assert len(rows) == 6
    s1, s2, s3, s4, s5, s6 = (named[f"S{i}"] for i in range(1, 7))
    assert s1 is not None and s2 is not None and s3 is not None
    assert s4 is not None and s5 is not None and s6 is not None
    assert (s1["waitSeconds"], s1["firstResponseSeconds"], s1["customerFirstResponseSeconds"]) == (
        15,
        15,
        28,
    )
    assert (s1["averageResponseSeconds"], s1["longestResponseSeconds"], s1["handleSeconds"]) == (
        22.5,
        30,
        95,
    )
    assert (s1["customerMessages"], s1["agentMessages"], s1["automatedMessages"]) == (2, 2, 6)
    assert (s1["csat"], s1["answeredQuestion"], s1["agent"], s1["endedBy"]) == (
        5,
        True,
        "ada",
        "Agent",
    )

    assert (s2["waitSeconds"], s2["waitByQueue"]) == (50, {"Billing": 20, "General": 30})
    assert (s2["transfers"], s2["agent"], s2["queue"], s2["queues"]) == (
        1,
        "grace",
        "Billing",
        ["Billing", "General"],
    )
    assert (s2["firstResponseSeconds"], s2["customerFirstResponseSeconds"]) == (30, 20)
    assert (s2["averageResponseSeconds"], s2["longestResponseSeconds"]) == (15, 20)
    assert (s2["handleSeconds"], s2["csat"], s2["answeredQuestion"]) == (160, None, None)
    assert (s2["customerMessages"], s2["agentMessages"], s2["automatedMessages"]) == (2, 2, 3)

    assert (s3["waitSeconds"], s3["transfers"], s3["inactiveSeconds"]) == (25, 0, 300)
    assert (s3["firstResponseSeconds"], s3["customerFirstResponseSeconds"]) == (15, 10)
    # The customer's message that made it wait again follows the entries of that change, each a
    # millisecond later in the transcript (timestamps are unique within a conversation).
    assert (s3["averageResponseSeconds"], s3["longestResponseSeconds"]) == (
        pytest.approx(20, abs=0.002),
        pytest.approx(30, abs=0.003),
    )
    assert (s3["handleSeconds"], s3["endedBy"], s3["csat"]) == (415, "EndUser", 3)

    assert (s4["abandoned"], s4["abandonedWaitSeconds"], s4["waitSeconds"]) == (True, 45, 45)
    assert s4["acceptedAt"] is None and s4["handleSeconds"] is None

    assert (s5["notRouted"], s5["reasonForNotRouting"], s5["queue"]) == (
        True,
        "OutsideBusinessHours",
        "Loans",
    )
    assert s5["waitSeconds"] is None and not s5["abandoned"]

    assert (s6["waitSeconds"], s6["firstResponseSeconds"]) == (30, 120)
    assert (s6["customerFirstResponseSeconds"], s6["averageResponseSeconds"]) == (90, 90)
    assert (s6["handleSeconds"], s6["customerMessages"], s6["agentMessages"]) == (150, 1, 1)
    assert s6["automatedMessages"] == 5  # acknowledgment, the flow's two, end text, survey
    reasons = [named[f"S{i}"]["endReason"] for i in range(1, 7)]  # type: ignore[index]
    assert reasons == [
        "AgentEnded",
        "AgentEnded",
        "EndUserEnded",
        "EndUserEnded",
        "NotRouted",
        "AgentEnded",
    ]
    by_customer = await get(
        api, "sessions", **{"from": DAY, "to": DAY, "endReason": "EndUserEnded"}
    )
    assert {r["sessionId"] for r in by_customer["sessions"]} == {
        day.sessions["S3"],
        day.sessions["S4"],
    }


async def test_the_summary_by_queue_and_by_hour(api: Api, day: Day) -> None:
    body = await get(api, "summary", **{"from": DAY, "to": DAY, "groupBy": "queue"})
    assert body["timeZone"] == "Europe/Paris"
    total = body["total"]
    assert (total["sessions"], total["abandoned"], total["notRouted"]) == (6, 1, 1)
    assert figure(total, "wait") == (5, 33, 30, 50)
    assert figure(total, "first_response") == (4, 45, 15, 120)
    assert figure(total, "handle") == (4, 205, 150, 415)
    assert figure(total, "csat") == (2, 4, 3, 5)
    assert total["serviceLevel"]["met"] == 4 and total["serviceLevel"]["counted"] == 7
    assert total["serviceLevel"]["percent"] == pytest.approx(400 / 7)
    rows = {r["group"]: r for r in body["rows"]}
    assert {g: r["sessions"] for g, r in rows.items()} == {"Billing": 1, "General": 4, "Loans": 1}
    assert rows["Loans"]["notRouted"] == 1
    levels = {level["queue"]: level for level in body["serviceLevels"]}
    assert (levels["General"]["met"], levels["General"]["counted"]) == (3, 6)
    assert levels["General"]["percent"] == 50
    assert (levels["General"]["withinSeconds"], levels["General"]["goalPercent"]) == (20, 80)
    assert (levels["Billing"]["met"], levels["Billing"]["counted"]) == (1, 1)
    assert levels["Loans"]["percent"] is None

    hours = await get(api, "summary", **{"from": DAY, "to": DAY, "groupBy": "hour"})
    assert {r["group"]: r["sessions"] for r in hours["rows"]} == {
        f"{DAY}T09:00": 2,
        f"{DAY}T10:00": 1,
        f"{DAY}T11:00": 1,
        f"{DAY}T21:00": 1,
        f"{DAY}T23:00": 1,
    }
    # In UTC, S7 (00:30 in Paris, 23:30Z) falls on the scripted day too.
    utc = await get(api, "summary", **{"from": DAY, "to": DAY, "groupBy": "day", "tz": "UTC"})
    assert [(r["group"], r["sessions"]) for r in utc["rows"]] == [(DAY, 7)]
    paris = await get(api, "summary", **{"from": DAY, "to": NEXT_DAY, "groupBy": "day"})
    assert [(r["group"], r["sessions"]) for r in paris["rows"]] == [(DAY, 6), (NEXT_DAY, 1)]


async def test_the_agents_of_the_day(api: Api, day: Day) -> None:
    body = await get(api, "agents", **{"from": DAY, "to": DAY})
    agents = {a["username"]: a for a in body["agents"]}
    ada, grace = agents["ada"], agents["grace"]
    assert ada["presenceSeconds"] == {"Offline": 32400, "Online": 53945, "Busy": 55}
    assert (ada["handlingSeconds"], ada["sessionsHandled"]) == (325, 4)
    assert ada["occupancyPercent"] == pytest.approx(100 * 325 / 53945)
    assert grace["presenceSeconds"] == {"Offline": 86250, "Online": 150}
    assert (grace["handlingSeconds"], grace["sessionsHandled"]) == (80, 1)
    assert grace["occupancyPercent"] == pytest.approx(100 * 80 / 150)


async def test_the_csv_has_the_same_numbers(api: Api, day: Day) -> None:
    text = await get(api, "summary", **{"from": DAY, "to": DAY, "format": "csv"})
    rows = {r["group"]: r for r in csv.DictReader(io.StringIO(text))}
    total = rows["all"]
    assert (total["sessions"], total["abandoned"], total["notRouted"]) == ("6", "1", "1")
    assert (total["wait_average"], total["wait_median"], total["wait_p90"]) == ("33", "30", "50")
    assert (total["first_response_average"], total["handle_median"]) == ("45", "150")
    assert (total["csat_average"], total["serviceLevelMet"], total["serviceLevelCounted"]) == (
        "4",
        "4",
        "7",
    )
    assert rows["General"]["serviceLevelPercent"] == "50"
    sessions = await get(api, "sessions", **{"from": DAY, "to": DAY, "format": "csv"})
    lines = list(csv.DictReader(io.StringIO(sessions)))
    assert len(lines) == 6
    s2 = next(line for line in lines if line["sessionId"] == day.sessions["S2"])
    assert (s2["waitSeconds"], s2["waitByQueue"], s2["queues"]) == (
        "50",
        "Billing=20 General=30",
        "Billing General",
    )
