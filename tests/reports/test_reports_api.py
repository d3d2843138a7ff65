"""The reports API beside its numbers (tests/reports/test_scripted_day.py has those): who may
read what, sessions still open computed now, paging, CSV by Accept, and each bad parameter's
code and sentence."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select

from livedesk.kit.clock import FakeClock
from livedesk.models import SessionReport
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.auth.orgs import with_agents
from tests.helpers import Agent, Api, Customer

REPORTS = "/api/v1/reports"


@pytest.fixture
async def supervised_org(app: FastAPI, demo_org: OrgFile) -> None:
    """The demo org with sue, a supervisor of Billing only, and bob who serves Billing only."""
    org = with_agents(
        demo_org,
        sue={"roles": ["supervisor"], "queues": ["Billing"], "capacity": 0},
        bob={"queues": ["Billing"]},
    )
    c = app.state.container
    await apply_org(c.db, c.clock, org)


async def waiting(api: Api, topic: str) -> Customer:
    return await api.waiting_customer(
        routingAttributes={"Topic": topic, "_firstName": "Lin", "_email": "lin@example.com"}
    )


async def report(agent: Agent, path: str, **params: Any) -> Any:
    r = await agent.api.http.get(f"{REPORTS}/{path}", params=params, headers=agent.headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_supervisor_reads_her_queues_an_agent_none(
    api: Api, supervised_org: None, clock: FakeClock
) -> None:
    billing = await waiting(api, "Billing")
    general = await waiting(api, "General")
    ada = await api.agent("ada")
    for path in ("sessions", "summary", "agents"):
        r = await api.http.get(f"{REPORTS}/{path}", headers=ada.headers)
        assert r.status_code == 403 and r.json()["code"] == "supervisors_only", r.text

    sue = await api.agent("sue")
    seen = [s["sessionId"] for s in (await report(sue, "sessions"))["sessions"]]
    assert seen == [billing.session_id]
    summary = await report(sue, "summary")
    assert [level["queue"] for level in summary["serviceLevels"]] == ["Billing"]
    assert summary["total"]["sessions"] == 1
    r = await api.http.get(f"{REPORTS}/summary", params={"queue": "General"}, headers=sue.headers)
    assert r.status_code == 403 and r.json()["code"] == "not_your_queue", r.text
    people = [a["username"] for a in (await report(sue, "agents"))["agents"]]
    assert "bob" in people and "sue" not in people  # agents who serve Billing (sue serves none)

    admin = await api.agent("admin")
    ids = {s["sessionId"] for s in (await report(admin, "sessions"))["sessions"]}
    assert ids == {billing.session_id, general.session_id}


async def test_open_sessions_are_computed_now_and_kept_once_ended(
    api: Api, app: FastAPI, clock: FakeClock
) -> None:
    waiting_one = await waiting(api, "General")
    clock.advance(30)
    chatting, ada = await api.chatting()
    clock.advance(10)
    admin = await api.agent("admin")
    rows = {s["sessionId"]: s for s in (await report(admin, "sessions"))["sessions"]}
    assert rows[waiting_one.session_id]["status"] == "Waiting"
    assert rows[waiting_one.session_id]["waitSeconds"] is None  # not over yet
    assert rows[chatting.session_id]["status"] == "Active"
    assert rows[chatting.session_id]["waitSeconds"] == 0
    assert rows[chatting.session_id]["handleSeconds"] is None

    c = app.state.container
    kept = await c.db.read(lambda conn: conn.execute(select(SessionReport.session_id)).all())
    assert kept == []  # nothing kept while open
    r = await ada.act(chatting.session_id or "", actionType="endChat")
    assert r.status_code == 200, r.text
    kept = await c.db.read(
        lambda conn: conn.execute(select(SessionReport.session_id, SessionReport.handle)).all()
    )
    assert [tuple(k) for k in kept] == [(chatting.session_id, 10.0)]
    rows = {s["sessionId"]: s for s in (await report(admin, "sessions"))["sessions"]}
    assert (rows[chatting.session_id]["status"], rows[chatting.session_id]["handleSeconds"]) == (
        "Ended",
        10,
    )


async def test_pages_and_csv_by_accept(api: Api, clock: FakeClock) -> None:
    made = []
    for _ in range(3):
        made.append((await waiting(api, "General")).session_id)
        clock.advance(1)
    admin = await api.agent("admin")
    first = await report(admin, "sessions", limit=2)
    assert [s["sessionId"] for s in first["sessions"]] == made[:2]
    second = await report(admin, "sessions", limit=2, pageToken=first["nextPageToken"])
    assert [s["sessionId"] for s in second["sessions"]] == made[2:]
    assert second["nextPageToken"] is None
    r = await api.http.get(f"{REPORTS}/sessions", headers={**admin.headers, "Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.text.splitlines()[0].startswith("sessionId,deployment,status,")
    assert len(r.text.splitlines()) == 4  # the header and every session: the CSV is not paged


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        ("summary", {"tz": "Mars/Olympus"}, "unknown_time_zone"),
        ("summary", {"from": "yesterday"}, "invalid_period"),
        ("summary", {"from": "2026-11-25", "to": "2026-11-24"}, "invalid_period"),
        ("summary", {"from": "2024-01-01", "to": "2026-01-01"}, "invalid_period"),
        ("summary", {"groupBy": "week"}, "invalid_group_by"),
        ("summary", {"queue": "Nope"}, "unknown_queue"),
        ("summary", {"format": "xml"}, "invalid_format"),
        ("sessions", {"agent": "nobody"}, "unknown_agent"),
        ("sessions", {"status": "Done"}, "invalid_status"),
        ("sessions", {"pageToken": "x"}, "invalid_page_token"),
        ("sessions", {"endReason": "a\x00b"}, "invalid_end_reason"),
        ("agents", {"to": "2026-02-30"}, "invalid_period"),
    ],
)
async def test_bad_parameters_have_a_code_and_a_sentence(
    api: Api, path: str, params: dict[str, str], code: str
) -> None:
    admin = await api.agent("admin")
    r = await api.http.get(f"{REPORTS}/{path}", params=params, headers=admin.headers)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == code
    assert r.json()["message"].endswith(".")
