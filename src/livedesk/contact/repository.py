"""Queries for availability."""

from __future__ import annotations

from sqlalchemy import Connection, select

from livedesk.models import Agent


def staffed_queues(conn: Connection, org_id: str) -> set[str]:
    """The org's queues that have an agent Online who can take work (capacity above 0)."""
    rows = conn.execute(
        select(Agent.queues).where(
            Agent.org_id == org_id, Agent.presence == "Online", Agent.capacity > 0
        )
    )
    return {name for r in rows for name in (r.queues or ())}
