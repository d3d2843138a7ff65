"""A second org whose agents share usernames with the demo org's (usernames are unique per org
only): `ada` with another password, `grace` with the same one."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import FastAPI

from livedesk.auth.passwords import hash_password
from livedesk.setup.loader import parse_org_text
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import ApplyResult, apply_org

ORG2 = "00DLD0000000002"
ACME = f"""
org: {{id: {ORG2}, name: Acme}}
deployments:
  - {{developer_name: Support, queue: Front}}
queues:
  - {{name: Front}}
agents:
  - {{username: ada, display_name: Ada of Acme, password: acme-ada, queues: [Front]}}
  - {{username: grace, display_name: Grace of Acme, password: demo, queues: [Front]}}
  - {{username: root, display_name: Acme admin, password: acme-root, roles: [admin], capacity: 0}}
"""


@functools.cache
def acme() -> OrgFile:
    """The second org, its passwords hashed once per run (argon2 is slow on purpose)."""
    org = parse_org_text(ACME, "acme.yaml")
    agents = [
        a.model_copy(update={"password": None, "password_hash": hash_password(a.password or "")})
        for a in org.agents
    ]
    return org.model_copy(update={"agents": agents})


async def apply_acme(app: FastAPI) -> ApplyResult:
    c = app.state.container
    return await apply_org(c.db, c.clock, acme())


def with_agents(demo_org: OrgFile, **changes: dict[str, Any]) -> OrgFile:
    """The demo org with agents changed or added by username (password `demo` unless given)."""
    data = demo_org.model_dump(mode="json")
    demo_hash = data["agents"][0]["password_hash"]
    agents = {a["username"]: a for a in data["agents"]}
    for username, change in changes.items():
        base = agents.get(username) or {"username": username, "password_hash": demo_hash}
        agents[username] = {**base, **change}
        if "password" in change:
            agents[username]["password_hash"] = None
    data["agents"] = list(agents.values())
    return OrgFile.model_validate(data)
