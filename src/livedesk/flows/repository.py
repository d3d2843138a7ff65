"""Queries on flow interviews."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, insert, select, update

from livedesk.errors import not_found
from livedesk.flows import interpreter
from livedesk.flows.definition import Flow
from livedesk.kit.db import DbRow
from livedesk.models import FlowInterview
from livedesk.orgs import repository as org_repository


def insert_interview(
    conn: Connection,
    interview_id: str,
    org_id: str,
    flow: str,
    owner: tuple[str, str],
    interview: interpreter.Interview,
    now: int,
) -> None:
    """A new interview of `flow`, run by `owner` (its role and id)."""
    conn.execute(
        insert(FlowInterview).values(
            id=interview_id,
            org_id=org_id,
            flow=flow,
            owner_role=owner[0],
            owner_id=owner[1],
            status=interview.status,
            waiting_event_type=_waiting_event_type(interview),
            state=interview.to_json(),
            created_at=now,
            updated_at=now,
        )
    )


def get_interview(conn: Connection, interview_id: str, *, lock: bool = False) -> DbRow | None:
    query = select(FlowInterview).where(FlowInterview.id == interview_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).first()


def interviews_about(
    conn: Connection, org_id: str, owner_id: str, record_ids: Collection[str], limit: int
) -> list[DbRow]:
    """The agent's interviews whose `recordId` is one of `record_ids` (a session's Case, or the
    session itself), newest first."""
    if not record_ids:
        return []
    record_id = FlowInterview.state["variables"]["recordId"].as_string()
    return list(
        conn.execute(
            select(FlowInterview)
            .where(
                FlowInterview.org_id == org_id,
                FlowInterview.owner_role == "Agent",
                FlowInterview.owner_id == owner_id,
                record_id.in_(list(record_ids)),
            )
            .order_by(FlowInterview.created_at.desc(), FlowInterview.id.desc())
            .limit(limit)
        )
    )


def save(conn: Connection, interview_id: str, interview: interpreter.Interview, now: int) -> None:
    conn.execute(
        update(FlowInterview)
        .where(FlowInterview.id == interview_id)
        .values(
            status=interview.status,
            waiting_event_type=_waiting_event_type(interview),
            state=interview.to_json(),
            updated_at=now,
        )
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


def all_flows(conn: Connection, org_id: str) -> list[Flow]:
    return [Flow.model_validate(data) for data in org_repository.org_config(conn, org_id).flows]


def load_flow(conn: Connection, org_id: str, name: str) -> Flow:
    for data in org_repository.org_config(conn, org_id).flows:
        if data["name"] == name:
            return Flow.model_validate(data)
    raise not_found("flow_not_found", f"There is no flow {name[:80]!r}.")


def _waiting_event_type(interview: interpreter.Interview) -> str | None:
    """The event type it waits for (what `waiting_for` finds it by)."""
    if interview.status == "waiting" and interview.waiting is not None:
        return str(interview.waiting["event_type"])
    return None
