"""Applying an org file: create or update everything it names, in one transaction.

Nothing is ever deleted, agents included: an agent left out of the file keeps her row. An agent the
file demotes (a role she had is gone) or gives a new password loses every token she holds, in the
same transaction; `AuthService.forget_revoked(result.revoked_tokens)` then closes their streams
(the stream sweep closes them in processes the bus does not reach).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from livedesk.auth import repository as auth_repository
from livedesk.auth.passwords import hash_password, verify_password
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.kit.ids import new_id
from livedesk.orgs import repository
from livedesk.orgs.schemas import AgentConfig
from livedesk.setup.schemas import OrgFile, with_hours


@dataclass(frozen=True)
class ApplyResult:
    org_id: str
    deployments: int
    queues: int
    agents: int
    revoked_tokens: list[str] = field(default_factory=list)  # of agents demoted or re-passworded


async def apply_org(db: Database, clock: Clock, org: OrgFile) -> ApplyResult:
    """Create or update the org's deployments, queues and agents; nothing is deleted."""
    # Hash outside the transaction: argon2 is deliberately slow.
    existing = await db.read(lambda conn: _existing_hashes(conn, org))
    hashes = {a.username: _password_hash(a, existing.get(a.username)) for a in org.agents}
    now = clock.now_ms()

    def work(conn: Connection) -> ApplyResult:
        revoked: list[str] = []
        repository.upsert_org(
            conn,
            org.org.id,
            org.org.name,
            {
                "time_zone": org.org.time_zone,
                **org.model_dump(
                    mode="json",
                    include={
                        "objects",
                        "event_types",
                        "permission_sets",
                        "flows",
                        "quick_texts",
                        "components",
                    },
                ),
            },
        )
        for d in org.deployments:
            config = with_hours(d.model_dump(mode="json"), d.business_hours, org)
            repository.upsert_deployment(conn, new_id(), org.org.id, d.developer_name, config)
        for q in org.queues:
            config = with_hours(q.model_dump(mode="json"), q.business_hours, org)
            repository.upsert_queue(conn, new_id(), org.org.id, q.name, config)
        for a in org.agents:
            values = {
                "display_name": a.display_name or a.username,
                "password_hash": hashes[a.username],
                "roles": list(a.roles),
                "capacity": a.capacity,
                "queues": list(a.queues),
                "skills": list(a.skills),
            }
            row = repository.find_agent(conn, org.org.id, a.username)
            if row is None:
                repository.insert_agent(
                    conn,
                    id=new_id(),
                    org_id=org.org.id,
                    username=a.username,
                    presence="Offline",
                    presence_changed_at=now,
                    idle_since=now,
                    **values,
                )
            else:
                if _demoted(row, a.roles) or row.password_hash != values["password_hash"]:
                    revoked += auth_repository.revoke_agent_tokens(conn, row.id)
                repository.update_agent(conn, row.id, **values)
        return ApplyResult(
            org.org.id, len(org.deployments), len(org.queues), len(org.agents), revoked
        )

    return await db.transaction(work)


def _demoted(row: Any, roles: Sequence[str]) -> bool:
    """She loses a role she had (a new role alone takes effect without logging in again)."""
    return not set(row.roles) <= set(roles)


def _existing_hashes(conn: Connection, org: OrgFile) -> dict[str, str]:
    found: dict[str, str] = {}
    for a in org.agents:
        row = repository.find_agent(conn, org.org.id, a.username)
        if row is not None:
            found[a.username] = row.password_hash
    return found


def _password_hash(agent: AgentConfig, current: str | None) -> str:
    if agent.password_hash is not None:
        return agent.password_hash
    assert agent.password is not None
    if current is not None and verify_password(current, agent.password):
        return current
    return hash_password(agent.password)
