"""Queries on flow interviews."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from livedesk.errors import not_found
from livedesk.flows import interpreter
from livedesk.flows.definition import Flow
from livedesk.kit.db import DbRow
from livedesk.models import FlowInterview
from livedesk.orgs import repository as org_repository


def insert_interview(conn: Connection, **values: Any) -> None:
    conn.execute(insert(FlowInterview).values(**values))


def get_interview(conn: Connection, interview_id: str, *, lock: bool = False) -> DbRow | None:
    query = select(FlowInterview).where(FlowInterview.id == interview_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def save(
    conn: Connection, interview_id: str, status: str, waiting: str | None, state: Any, now: int
) -> None:
    conn.execute(
        update(FlowInterview)
        .where(FlowInterview.id == interview_id)
        .values(status=status, waiting_event_type=waiting, state=state, updated_at=now)
    )


def waited_for(conn: Connection) -> list[tuple[str, str]]:
    """Every (org, event type) some interview is waiting for."""
    query = (
        select(FlowInterview.org_id, FlowInterview.waiting_event_type)
        .where(FlowInterview.waiting_event_type.is_not(None))
        .distinct()
    )
    return [(org_id, str(event_type)) for org_id, event_type in conn.execute(query)]


def waiting_for(conn: Connection, org_id: str, event_type: str) -> list[str]:
    return list(
        conn.execute(
            select(FlowInterview.id).where(
                FlowInterview.org_id == org_id, FlowInterview.waiting_event_type == event_type
            )
        ).scalars()
    )


def load_flow(conn: Connection, org_id: str, name: str) -> Flow:
    for data in org_repository.org_config(conn, org_id).flows:
        if data["name"] == name:
            return Flow.model_validate(data)
    raise not_found("flow_not_found", f"There is no flow {name[:80]!r}.")


def waiting_event_type(interview: interpreter.Interview) -> str | None:
    if interview.status == "waiting" and interview.waiting is not None:
        return str(interview.waiting["event_type"])
    return None
