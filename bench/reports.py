"""Reports benchmark: the reports API over N ended sessions (default 100,000) of 30 days.

Everything runs in this process on a fresh database (SQLite in a temporary folder by default;
`--database-url postgresql://…` names a PostgreSQL server, on which the benchmark makes a
database of its own, `livedesk_bench_<random>`, and drops it at the end). The app is driven
through its HTTP API over an in-process transport, so the times are the server's own work.

Setup (not measured): the demo org, plus two deployments and 18 more agents; then N sessions
made up by a seeded generator (a day's curve of arrivals, waits, replies, transfers, Inactive
spells, abandons, not-routed sessions, surveys), spread over the days before today in the org's
time zone, each turned into its figures by `reports.metrics.session_metrics` (what the server
keeps when a session ends) and bulk-inserted with the rows a real session leaves:
`end_users`, `conversations`, `messaging_sessions`, `session_history` and `session_reports`,
and every agent's presence history (Online, Away at lunch, Offline at night). No
`conversation_entries`: the reports read the figures kept as sessions end, never entries.

Sessions are stored in the order they started, about the order a server stores them (as each
ends), in transactions of 5,000.

Measured: each report call, `--runs` times, as an admin: the summary of the whole period by
queue, day, hour, agent and deployment, the summary of one queue (Billing), the first page of
sessions (100 rows, in the order they count) and the agents' report (presence, occupancy,
sessions handled). Printed: operation, sessions covered (the agents': sessions handled, summed),
runs, min/median/max ms.

Usage: .venv/bin/python bench/reports.py [--sessions 100000] [--days 30] [--runs 5]
       [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert, text

from livedesk.app import create_app
from livedesk.auth.passwords import hash_password
from livedesk.config import RateLimitSettings, Settings
from livedesk.kit.db import Database
from livedesk.kit.heap import freeze_startup_objects
from livedesk.models import (
    Conversation,
    EndUser,
    MessagingSession,
    PresenceHistory,
    SessionHistory,
    SessionReport,
)
from livedesk.reports.metrics import (
    Answer,
    Message,
    SessionFacts,
    Transition,
    session_metrics,
)
from livedesk.reports.repository import report_values
from livedesk.setup.loader import load_demo_org
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from own_database import own_database

ORG = "00DLD0000000001"
BATCH = 5_000  # sessions per transaction
SECOND = 1000
MINUTE = 60 * SECOND
HOUR = 60 * MINUTE
DAY = 24 * HOUR
# The figures kept per session: SessionMetrics' fields but the derived ones
# (reports.repository keeps them the same way).

DEPLOYMENTS = {  # developer name → (share of sessions, {queue: share})
    "Web_Chat": (0.6, {"General": 0.6, "Billing": 0.25, "Loans": 0.15}),
    "Mobile_App": (0.3, {"General": 0.7, "Billing": 0.3}),
    "Partner_Portal": (0.1, {"Loans": 1.0}),
}
# Arrivals per local hour of the day (relative): a working day's curve.
HOURLY = [0, 0, 0, 0, 0, 0, 1, 3, 8, 12, 13, 12, 9, 10, 12, 12, 11, 9, 7, 5, 3, 2, 1, 0]


def org_file(extra_agents: int) -> OrgFile:
    """The demo org, with two more deployments and `extra_agents` more agents."""
    data = load_demo_org().model_dump(exclude_unset=True)
    web = next(d for d in data["deployments"] if d["developer_name"] == "Web_Chat")
    for name, (_, queues) in DEPLOYMENTS.items():
        if name != "Web_Chat":
            first = next(iter(queues))
            data["deployments"].append(
                {**web, "developer_name": name, "label": name.replace("_", " "), "queue": first}
                | {"routing": {"rules": []}}
            )
    password_hash = hash_password("bench")
    names = ["General", "Billing", "Loans"]
    for i in range(extra_agents):
        queues = ["General", names[1 + i % 2]] if i % 3 else names
        data["agents"].append(
            {
                "username": f"agent{i + 3:02d}",
                "display_name": f"Agent {i + 3:02d}",
                "password_hash": password_hash,
                "capacity": 3,
                "queues": queues,
            }
        )
    return OrgFile.model_validate(data)


@dataclass
class World:
    """What the generator needs of the applied org."""

    deployments: dict[str, str]  # developer name → id
    agents: dict[str, list[str]]  # queue → its agents' ids
    agent_ids: list[str]
    zone: ZoneInfo
    first_day: date
    days: int


@dataclass
class Made:
    """One made-up session: its facts and the rows it leaves."""

    facts: SessionFacts
    deployment_id: str
    queue: str | None
    agent: str | None
    accepted_at: int | None
    inactive_at: int | None
    history: list[tuple[int, str, str, str | None, str | None]] = field(default_factory=list)


class Generator:
    """Sessions made up from a seed: the same `--seed` gives the same sessions."""

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.rng = random.Random(seed)
        self.hours = list(range(24))

    def start(self) -> int:
        rng, w = self.rng, self.world
        day = w.first_day + timedelta(days=rng.randrange(w.days))
        hour = rng.choices(self.hours, HOURLY)[0]
        local = datetime(day.year, day.month, day.day, hour, tzinfo=w.zone)
        return int(local.timestamp() * 1000) + rng.randrange(HOUR)

    def wait_ms(self, median_s: float, most_s: float) -> int:
        return int(min(self.rng.lognormvariate(math.log(median_s), 0.9), most_s) * SECOND)

    def session(self, i: int, t: int) -> Made:
        """Session number `i`, started at `t`."""
        rng, w = self.rng, self.world
        name = rng.choices(list(DEPLOYMENTS), [d[0] for d in DEPLOYMENTS.values()])[0]
        queues = DEPLOYMENTS[name][1]
        queue = rng.choices(list(queues), list(queues.values()))[0]
        session_id = f"5e55105e-0000-4000-8000-{i:012d}"
        transitions: list[Transition] = []
        messages: list[Message] = [Message(t + 200, "System", True)]  # the acknowledgment
        answers: list[Answer] = []
        ended_by, end_reason, not_routed = "Agent", None, None
        made = Made(
            SessionFacts(session_id, name, t, ()), w.deployments[name], queue, None, None, None
        )

        def move(at: int, status: str, event: str, agent: str | None = None) -> None:
            transitions.append(Transition(at, status, made.queue, agent, event))
            made.history.append((at, event, status, made.queue, agent))

        if rng.random() < 0.04:  # outside business hours
            made.queue = None
            not_routed, ended_by = "OutsideBusinessHours", "System"
            messages.append(Message(t + 300, "System", True))
            move(t, "Ended", "not_routed")
        else:
            move(t, "Waiting", "route")
            now = t
            if rng.random() < 0.3:  # she writes while she waits
                messages.append(Message(t + rng.randrange(2, 20) * SECOND, "EndUser"))
            wait = self.wait_ms(15, 900)
            if rng.random() < 0.07:  # abandoned
                now += wait * 2
                ended_by = "EndUser"
                move(now, "Ended", "end")
            else:
                now += wait
                agent = rng.choice(w.agents[made.queue or "General"])
                made.agent, made.accepted_at = agent, now
                move(now, "Active", "accept", agent)
                now = self.chat(now, messages, first=True)
                if rng.random() < 0.08:  # transferred to another queue
                    now += rng.randrange(5, 60) * SECOND
                    made.queue = rng.choice([q for q in w.agents if q != made.queue])
                    move(now, "Waiting", "transfer")
                    now += self.wait_ms(20, 600)
                    agent = rng.choice(w.agents[made.queue])
                    made.agent, made.accepted_at = agent, now
                    move(now, "Active", "accept", agent)
                    now = self.chat(now, messages, first=True)
                if rng.random() < 0.1:  # the customer goes quiet
                    now += 5 * MINUTE
                    made.inactive_at = now
                    move(now, "Inactive", "customer_idle", agent)
                    if rng.random() < 0.5:  # and comes back
                        now += rng.randrange(60, 1800) * SECOND
                        messages.append(Message(now, "EndUser"))
                        move(now, "Waiting", "customer_message")
                        now += self.wait_ms(10, 300)
                        made.accepted_at = now
                        move(now, "Active", "accept", agent)
                        now = self.chat(now, messages, first=False)
                    else:
                        now += 30 * MINUTE
                        ended_by, end_reason = "System", "AutoEnded"
                if end_reason is None:
                    now += rng.randrange(10, 120) * SECOND
                    ended_by = "Agent" if rng.random() < 0.7 else "EndUser"
                move(now, "Ended", "auto_end" if end_reason else "end", agent)
                messages.append(Message(now + 100, "System", True))  # the goodbye
                messages.append(Message(now + 200, "Agent", True))  # the survey (a component)
                if rng.random() < 0.35:
                    answers.append(Answer("Post_Chat_Survey", None, self.rating()))
                if rng.random() < 0.3:
                    yes = "Yes" if rng.random() < 0.8 else "No"
                    answers.append(Answer("Answered_Question", yes))
        made.facts = dataclasses.replace(
            made.facts,
            transitions=transitions,
            messages=sorted(messages, key=lambda m: m.at),
            answers=answers,
            ended_by_role=ended_by,
            end_reason=end_reason,
            reason_for_not_routing=not_routed,
        )
        return made

    def chat(self, now: int, messages: list[Message], *, first: bool) -> int:
        """Rounds of a customer's message and an agent's reply from `now`; the last one's time."""
        rng = self.rng
        if first:
            now += self.wait_ms(20, 600)
            messages.append(Message(now, "Agent"))  # the greeting
        for _ in range(rng.randrange(1, 8)):
            now += rng.randrange(10, 120) * SECOND
            messages.append(Message(now, "EndUser"))
            if rng.random() < 0.3:
                now += rng.randrange(3, 30) * SECOND
                messages.append(Message(now, "EndUser"))
            now += self.wait_ms(30, 600)
            messages.append(Message(now, "Agent"))
        return now

    def rating(self) -> int:
        return self.rng.choices([1, 2, 3, 4, 5], [5, 5, 15, 35, 40])[0]


def rows_of(made: list[Made], org_id: str) -> dict[Any, list[dict[str, Any]]]:
    """The rows the sessions leave, per table, in the order their foreign keys need."""
    users, conversations, sessions, history, reports = [], [], [], [], []
    for m in made:
        f = m.facts
        metrics = session_metrics(f)
        suffix = f.session_id[-12:]
        user_id, conversation_id = (
            f"e0d05e00-0000-4000-8000-{suffix}",
            f"c0c0c0c0-0000-4000-8000-{suffix}",
        )
        users.append(
            {
                "id": user_id,
                "org_id": org_id,
                "deployment_id": m.deployment_id,
                "kind": "guest",
                "display_name": "Guest",
                "device_id": None,
                "external_subject": None,
                "created_at": f.started_at,
            }
        )
        conversations.append(
            {
                "id": conversation_id,
                "org_id": org_id,
                "deployment_id": m.deployment_id,
                "end_user_id": user_id,
                "status": "open",
                "language": None,
                "prechat": {},
                "created_at": f.started_at,
                "closed_at": None,
                "last_entry_at": f.messages[-1].at,
                "session_count": 1,
            }
        )
        sessions.append(
            {
                "id": f.session_id,
                "conversation_id": conversation_id,
                "number": 1,
                "status": "Ended",
                "agent_id": m.agent,
                "queue_name": m.queue,
                "routing_attributes": {},
                "started_at": f.started_at,
                "accepted_at": m.accepted_at,
                "ended_at": metrics.ended_at,
                "ended_by_role": f.ended_by_role,
                "queued_at": metrics.queued_at,
                "priority": 1,
                "work_weight": 1,
                "queue_position": None,
                "reason_for_not_routing": f.reason_for_not_routing,
                "case_id": None,
                "inactive_at": m.inactive_at,
                "file_request_record_id": None,
                "end_reason": f.end_reason,
            }
        )
        history += [
            {
                "org_id": org_id,
                "session_id": f.session_id,
                "at": at,
                "event": event,
                "status": status,
                "queue_name": queue,
                "agent_id": agent if status != "Waiting" else None,
                "left_at": m.history[i + 1][0] if i + 1 < len(m.history) else None,
            }
            for i, (at, event, status, queue, agent) in enumerate(m.history)
        ]
        reports.append(report_values(org_id, metrics))
    return {
        EndUser: users,
        Conversation: conversations,
        MessagingSession: sessions,
        SessionHistory: history,
        SessionReport: reports,
    }


def presences(world: World, org_id: str) -> list[dict[str, Any]]:
    """Each agent's days: Online in the morning, Away at lunch, Offline at night."""
    rng = random.Random(0)
    rows = []
    for day in range(-1, world.days):
        d = world.first_day + timedelta(days=day)
        midnight = int(datetime(d.year, d.month, d.day, tzinfo=world.zone).timestamp() * 1000)
        for agent in world.agent_ids:
            for hour, presence in (
                (7.5, "Online"),
                (12, "Away"),
                (13, "Online"),
                (20.5, "Offline"),
            ):
                at = midnight + int(hour * HOUR) + rng.randrange(-15, 15) * MINUTE
                rows.append({"org_id": org_id, "agent_id": agent, "at": at, "presence": presence})
    rows.sort(key=lambda r: r["at"])
    return rows


async def fill(db: Database, world: World, sessions: int, seed: int, progress: bool) -> None:
    generator = Generator(world, seed)
    # In the order they started, as a server stores them (about: it stores each as it ends).
    starts = sorted(generator.start() for _ in range(sessions))
    for start in range(0, sessions, BATCH):
        made = [generator.session(i, starts[i]) for i in range(start, min(sessions, start + BATCH))]
        tables = rows_of(made, ORG)

        def write(conn: Any, tables: dict[Any, list[dict[str, Any]]] = tables) -> None:
            for model, rows in tables.items():
                conn.execute(insert(model.__table__), rows)

        await db.transaction(write)
        if progress:
            print(f"\r  {min(sessions, start + BATCH):,} sessions stored", end="", file=sys.stderr)
    rows = presences(world, ORG)
    await db.transaction(lambda conn: conn.execute(insert(PresenceHistory.__table__), rows))
    if progress:
        print(file=sys.stderr)


async def world_of(db: Database, days: int, now_ms: int) -> World:
    zone = ZoneInfo(load_demo_org().org.time_zone)
    today = datetime.fromtimestamp(now_ms / 1000, zone).date()

    def read(conn: Any) -> World:
        deployments = dict(
            tuple(r) for r in conn.execute(text("SELECT developer_name, id FROM deployments"))
        )
        agents: dict[str, list[str]] = {"General": [], "Billing": [], "Loans": []}
        ids = []
        for agent_id, queues, capacity in conn.execute(
            text("SELECT id, queues, capacity FROM agents ORDER BY username")
        ):
            if capacity == 0:
                continue  # the admin takes no chats
            ids.append(agent_id)
            for q in json.loads(queues) if isinstance(queues, str) else queues:
                agents[q].append(agent_id)
        return World(deployments, agents, ids, zone, today - timedelta(days=days), days)

    return await db.read(read)


@dataclass
class Timing:
    operation: str
    sessions: int
    runs_ms: list[float]

    def row(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "sessions": self.sessions,
            "runs": len(self.runs_ms),
            "min_ms": round(min(self.runs_ms), 1),
            "median_ms": round(statistics.median(self.runs_ms), 1),
            "max_ms": round(max(self.runs_ms), 1),
        }


async def measure(
    http: httpx.AsyncClient, headers: dict[str, str], world: World, runs: int
) -> tuple[list[Timing], int]:
    period = {
        "from": world.first_day.isoformat(),
        "to": (world.first_day + timedelta(days=world.days - 1)).isoformat(),
    }
    first = await http.get("/api/v1/reports/summary", params=period, headers=headers)
    assert first.status_code == 200, first.text
    covered: int = first.json()["total"]["sessions"]
    operations: list[tuple[str, str, dict[str, Any], Callable[[Any], int]]] = [
        (f"summary by {by}", "summary", {"groupBy": by}, lambda b: b["total"]["sessions"])
        for by in ("queue", "day", "hour", "agent", "deployment")
    ]
    operations += [
        ("summary of one queue", "summary", {"queue": "Billing"}, lambda b: b["total"]["sessions"]),
        ("sessions, first page", "sessions", {"limit": 100}, lambda _: covered),
        (
            "agents",
            "agents",
            {},
            lambda b: sum(a["sessionsHandled"] for a in b["agents"]),
        ),
    ]
    timings = []
    for name, path, params, count in operations:
        runs_ms = []
        sessions = 0
        for _ in range(runs):
            started = time.perf_counter()
            r = await http.get(f"/api/v1/reports/{path}", params=period | params, headers=headers)
            runs_ms.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200, r.text
            sessions = count(r.json())
        timings.append(Timing(name, sessions, runs_ms))
    return timings, covered


async def run(
    sessions: int, days: int, runs: int, seed: int, database_url: str | None, progress: bool
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        async with own_database(database_url) as url:
            settings = Settings(
                data_dir=Path(folder),
                database_url=url,
                rate_limits=RateLimitSettings(tokens_per_minute=0),
            )
            return await run_on(settings, sessions, days, runs, seed, progress)


async def run_on(
    settings: Settings, sessions: int, days: int, runs: int, seed: int, progress: bool
) -> dict[str, Any]:
    app = create_app(settings)
    freeze_startup_objects()  # as `livedesk serve` does: the collector skips the start-up heap
    c = app.state.container
    async with app.router.lifespan_context(app):
        await apply_org(c.db, c.clock, org_file(18))
        world = await world_of(c.db, days, c.clock.now_ms())
        started = time.perf_counter()
        await fill(c.db, world, sessions, seed, progress)
        setup_s = time.perf_counter() - started
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bench", timeout=600
        ) as http:
            r = await http.post(
                "/api/v1/auth/login", json={"username": "admin", "password": "demo"}
            )
            assert r.status_code == 200, r.text
            headers = {"Authorization": f"Bearer {r.json()['accessToken']}"}
            timings, covered = await measure(http, headers, world, runs)
    return {
        "database": c.db.dialect_name,
        "sessions": sessions,
        "covered": covered,
        "days": days,
        "setup_seconds": round(setup_s, 1),
        "timings": [t.row() for t in timings],
    }


def table(result: dict[str, Any]) -> Iterator[str]:
    yield (
        f"{result['database']}: {result['sessions']:,} sessions over {result['days']} days "
        f"({result['covered']:,} in the period), stored in {result['setup_seconds']} s"
    )
    header = ("operation", "sessions", "runs", "min ms", "median ms", "max ms")
    widths = (22, 9, 5, 9, 10, 9)
    yield "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w)
        for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    for t in result["timings"]:
        cells = (
            t["operation"],
            f"{t['sessions']:,}",
            str(t["runs"]),
            f"{t['min_ms']:.1f}",
            f"{t['median_ms']:.1f}",
            f"{t['max_ms']:.1f}",
        )
        yield "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server (postgresql://user@host:port/any): a database of its own is "
        "made there and dropped at the end; default: SQLite in a temporary folder",
    )
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.days < 1 or args.runs < 1:
        parser.error("--sessions, --days and --runs are at least 1")
    result = asyncio.run(
        run(args.sessions, args.days, args.runs, args.seed, args.database_url, sys.stderr.isatty())
    )
    for line in table(result):
        print(line)
    if args.json is not None:
        args.json.write_text(json.dumps(result) + "\n")
    return 0 if result["covered"] == args.sessions else 1


if __name__ == "__main__":
    sys.exit(main())
