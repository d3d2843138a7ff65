"""Routing benchmark: N waiting sessions, M agents coming Online at once.

Everything runs in this process on a fresh SQLite data folder (the default deployment): the
app is driven through its HTTP API over an in-process transport, so the numbers are the
server's own work. Setup (not measured): an org with M agents of capacity ceil(N/M) in one queue,
N customers who each create a conversation while every agent is Offline. Then, measured:

1. all M agents set their presence to Online at once (M concurrent API calls);
2. routing passes offer the N sessions; `decisions_per_second` = offers made / time from the
   first presence call until every session is on offer (200 presence calls through the API
   included); `decisions_per_pass_second` = offers made / time spent inside routing passes;
3. every agent accepts its offers; `drained` = time from step 1 until no session is Waiting.

Usage: .venv/bin/python bench/routing.py [--sessions 1000] [--agents 200] [--json out.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from livedesk.app import create_app
from livedesk.auth.passwords import hash_password
from livedesk.config import RateLimitSettings, Settings
from livedesk.models import AgentWork, MessagingSession
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org

ORG = "00DLD0000000001"
MIAW = "/iamessage/api/v2"


def org_file(agents: int, capacity: int) -> OrgFile:
    password_hash = hash_password("bench")
    return OrgFile.model_validate(
        {
            "org": {"id": ORG, "name": "Routing bench"},
            "deployments": [{"developer_name": "Web_Chat", "queue": "General"}],
            "queues": [{"name": "General", "max_waiting": 1_000_000, "push_timeout_seconds": 600}],
            "agents": [
                {
                    "username": f"agent{i}",
                    "password_hash": password_hash,
                    "capacity": capacity,
                    "queues": ["General"],
                }
                for i in range(agents)
            ],
        }
    )


async def create_waiting(http: httpx.AsyncClient, n: int) -> None:
    async def one(i: int) -> None:
        r = await http.post(
            f"{MIAW}/authorization/unauthenticated/access-token",
            json={
                "orgId": ORG,
                "esDeveloperName": "Web_Chat",
                "capabilitiesVersion": "1",
                "platform": "Web",
            },
        )
        assert r.status_code == 200, r.text
        token = r.json()["accessToken"]
        r = await http.post(
            f"{MIAW}/conversation",
            json={
                "conversationId": f"00000000-0000-4000-8000-{i:012d}",
                "esDeveloperName": "Web_Chat",
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert r.status_code == 201, r.text

    for start in range(0, n, 50):
        await asyncio.gather(*(one(i) for i in range(start, min(n, start + 50))))


async def run(sessions: int, agents: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        # N customers from one address in a moment: the per-address token limit (made for
        # floods and password guessers) would refuse most of them, so it is off here.
        settings = Settings(
            data_dir=Path(folder),
            rate_limits=RateLimitSettings(tokens_per_minute=0, messages_per_second=0),
        )
        app = create_app(settings)
        c = app.state.container
        async with app.router.lifespan_context(app):
            await apply_org(c.db, c.clock, org_file(agents, math.ceil(sessions / agents)))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                await create_waiting(http, sessions)
                rows = await c.db.read(
                    lambda conn: conn.exec_driver_sql("SELECT id, org_id FROM agents").all()
                )
                headers = [
                    {"Authorization": "Bearer " + c.signer.issue("agent", r[0], r[1], 3600)[0]}
                    for r in rows
                ]
                decisions_before = c.router.decisions
                pass_seconds_before = c.router.pass_seconds
                started = time.perf_counter()
                await asyncio.gather(
                    *(
                        http.put("/api/v1/me/presence", json={"status": "Online"}, headers=h)
                        for h in headers
                    )
                )
                offered_s = time.perf_counter() - started
                decisions = c.router.decisions - decisions_before
                pass_seconds = c.router.pass_seconds - pass_seconds_before
                offers = [
                    (await http.get("/api/v1/work", headers=h)).json()["work"] for h in headers
                ]

                async def accept_all(h: dict[str, str], work: list[dict[str, Any]]) -> None:
                    for w in work:
                        r = await http.post(f"/api/v1/work/{w['workId']}/accept", headers=h)
                        assert r.status_code == 200, r.text

                await asyncio.gather(
                    *(accept_all(h, w) for h, w in zip(headers, offers, strict=True))
                )
                drained_s = time.perf_counter() - started
            waiting = await c.db.read(
                lambda conn: conn.execute(
                    select(func.count()).where(MessagingSession.status == "Waiting")
                ).scalar_one()
            )
            opened = await c.db.read(
                lambda conn: conn.execute(
                    select(func.count()).where(AgentWork.status == "Opened")
                ).scalar_one()
            )
    return {
        "sessions": sessions,
        "agents": agents,
        "decisions": decisions,
        "offer_seconds": round(offered_s, 3),
        "decisions_per_second": round(decisions / offered_s),
        "pass_seconds": round(pass_seconds, 3),
        "decisions_per_pass_second": round(decisions / pass_seconds),
        "drained_seconds": round(drained_s, 3),
        "left_waiting": waiting,
        "accepted": opened,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = asyncio.run(run(args.sessions, args.agents))
    for key, value in result.items():
        print(f"{key:22} {value}")
    if args.json is not None:
        args.json.write_text(json.dumps(result) + "\n")
    return 0 if result["left_waiting"] == 0 and result["decisions"] == args.sessions else 1


if __name__ == "__main__":
    sys.exit(main())
