"""The messaging session state machine of DESIGN section 3, as a pure function.

    New ──route──▶ Waiting ──accept──▶ Active ──end──▶ Ended
      └─not routed─▶ Ended   ▲             │ customer idle / marked inactive
                             │             ▼
                             └─ customer writes ── Inactive ──auto-end / end──▶ Ended

Every transition says what it does to the agent's capacity (an Active session holds it; leaving
Active releases it, exactly once) and whether routing must run again.

The table is pure; `begin` and `move`, at the end, are the only writers of a session's status:
every transition goes through them, and one that asks for routing tells `RoutingNeeded`
(routing subscribes to it; kit.effects). They also tell supervisors, on the org's supervision
stream (routing.oversight), when the transition happened: the time its columns stamp; record
it in the session's history (`session_history`, which reports read); and, when the session
ends, tell `SessionSettled` (reports keep its figures, in the same unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import Connection

from livedesk.conversations import repository
from livedesk.errors import AppError
from livedesk.kit.effects import tell
from livedesk.models import SessionStatus
from livedesk.models.rows import SessionRow
from livedesk.routing import oversight
from livedesk.routing.needed import RoutingNeeded

Status = SessionStatus
Event = Literal[
    "route",
    "not_routed",
    "accept",
    "customer_idle",
    "mark_inactive",
    "customer_message",
    "end",
    "auto_end",
    "transfer",
]
# The statuses a session moves through (Error is MIAW's and never entered).
STATUSES: tuple[Status, ...] = tuple(s for s in SessionStatus if s is not SessionStatus.ERROR)
EVENTS: tuple[Event, ...] = get_args(Event)


@dataclass(frozen=True)
class Transition:
    to: Status
    releases_capacity: bool = False  # the agent's work on it ends now
    holds_capacity: bool = False  # an agent's work on it starts now
    reroute: bool = False  # routing must run (capacity appeared, or it waits again)
    keeps_agent: bool = False  # the assigned agent stays on the session


NEW, WAITING, ACTIVE, INACTIVE, ENDED = (
    SessionStatus.NEW,
    SessionStatus.WAITING,
    SessionStatus.ACTIVE,
    SessionStatus.INACTIVE,
    SessionStatus.ENDED,
)
_TABLE: dict[tuple[Status, Event], Transition] = {
    (NEW, "route"): Transition(WAITING, reroute=True),
    (NEW, "not_routed"): Transition(ENDED),
    # (routing runs again: the queue moved up, its customers hear their new places)
    (WAITING, "accept"): Transition(ACTIVE, holds_capacity=True, reroute=True, keeps_agent=True),
    (WAITING, "end"): Transition(ENDED, reroute=True),  # a pending offer is taken back
    (ACTIVE, "customer_idle"): Transition(
        INACTIVE, releases_capacity=True, reroute=True, keeps_agent=True
    ),
    (ACTIVE, "mark_inactive"): Transition(
        INACTIVE, releases_capacity=True, reroute=True, keeps_agent=True
    ),
    (ACTIVE, "end"): Transition(ENDED, releases_capacity=True, reroute=True, keeps_agent=True),
    (ACTIVE, "transfer"): Transition(WAITING, releases_capacity=True, reroute=True),
    (INACTIVE, "customer_message"): Transition(WAITING, reroute=True),
    (INACTIVE, "end"): Transition(ENDED, keeps_agent=True),
    (INACTIVE, "auto_end"): Transition(ENDED, keeps_agent=True),
    (INACTIVE, "transfer"): Transition(WAITING, reroute=True),
}


@dataclass(frozen=True)
class SessionSettled:
    """A domain event, handled inside the unit that tells it (kit.effects `within`): the session
    ended, or an answer was recorded in it (a survey answer may come after the end), so its
    figures are final or changed."""

    org_id: str
    session_id: str


class InvalidTransition(AppError):
    """409: the event cannot happen to a session in its status (or the session changed since it
    was read: another request was first)."""

    def __init__(self, status: str, event: str) -> None:
        super().__init__(
            "session_changed",
            409,
            f"This session is {str(status).lower()}: it cannot {event.replace('_', ' ')} now.",
        )
        self.session_status = status
        self.event = event


def transition(status: str, event: str) -> Transition:
    """What `event` does to a session in `status`; InvalidTransition if it cannot happen."""
    found = _TABLE.get((status, event))  # type: ignore[arg-type]  # (a str status is one)
    if found is None:
        raise InvalidTransition(status, event)
    return found


def allowed(status: str, event: str) -> bool:
    return (status, event) in _TABLE


def begin(conn: Connection, org_id: str, event: Event, **columns: Any) -> Transition:
    """Insert a new session (`columns`: every column but the status) as `event` takes a New
    session: routed (Waiting) or not routed (Ended)."""
    step = transition(NEW, event)
    repository.insert_session(conn, status=step.to, **columns)
    _record(conn, org_id, columns["id"], event, step, columns.get("queue_name"), columns)
    oversight.session_moved(
        conn,
        org_id,
        oversight.Moved(
            session_id=columns["id"],
            conversation_id=columns["conversation_id"],
            event=event,
            before=NEW,
            after=step.to,
            queue_before=None,
            queue=columns.get("queue_name"),
            agent_before=None,
            agent=columns.get("agent_id"),
            routing_attributes=columns.get("routing_attributes") or {},
            started_at=columns["started_at"],
            queued_at=columns.get("queued_at"),
            accepted_at=columns.get("accepted_at"),
            at=_stamped(columns),
        ),
    )
    return step


def move(
    conn: Connection, org_id: str, session: SessionRow, event: Event, **columns: Any
) -> Transition:
    """Move `session` (as read in this unit) by `event`, writing `columns` with the new status;
    InvalidTransition if the event cannot happen in its status, or if the session's status
    changed since it was read (another unit was first)."""
    step = transition(session.status, event)
    if not repository.set_status(conn, session.id, session.status, step.to, **columns):
        raise InvalidTransition(session.status, event)
    queue = columns.get("queue_name", session.queue_name)
    agent = columns.get("agent_id", session.agent_id)
    _record(conn, org_id, session.id, event, step, queue, {"agent_id": agent, **columns})
    oversight.session_moved(
        conn,
        org_id,
        oversight.Moved(
            session_id=session.id,
            conversation_id=session.conversation_id,
            event=event,
            before=session.status,
            after=step.to,
            queue_before=session.queue_name,
            queue=columns.get("queue_name", session.queue_name),
            agent_before=session.agent_id,
            agent=columns.get("agent_id", session.agent_id),
            routing_attributes=session.routing_attributes or {},
            started_at=session.started_at,
            queued_at=columns.get("queued_at", session.queued_at),
            accepted_at=columns.get("accepted_at", session.accepted_at),
            at=_stamped(columns),
        ),
    )
    return step


def _record(
    conn: Connection,
    org_id: str,
    session_id: str,
    event: Event,
    step: Transition,
    queue: str | None,
    columns: dict[str, Any],
) -> None:
    """What every transition does beside writing the status: its history row, and the domain
    events it tells."""
    repository.insert_history(
        conn,
        org_id,
        session_id,
        _stamped(columns),
        event,
        step.to,
        queue,
        columns.get("agent_id") if step.to is not WAITING else None,
    )
    if step.reroute:
        tell(conn, RoutingNeeded(org_id))
    if step.to is ENDED:
        tell(conn, SessionSettled(org_id, session_id))


# The columns a transition stamps with its time (each writes at least one of them).
_STAMPS = ("accepted_at", "ended_at", "inactive_at", "queued_at", "started_at")


def _stamped(columns: dict[str, Any]) -> int:
    """When the transition happened: the time it writes."""
    for name in _STAMPS:
        value = columns.get(name)
        if value is not None:
            return int(value)
    raise ValueError(f"a session transition writes when it happened (one of {_STAMPS})")
