"""The messaging session state machine of DESIGN section 3, as a pure function.

    New ──route──▶ Waiting ──accept──▶ Active ──end──▶ Ended
      └─not routed─▶ Ended   ▲             │ customer idle / marked inactive
                             │             ▼
                             └─ customer writes ── Inactive ──auto-end / end──▶ Ended

Every transition says what it does to the agent's capacity (an Active session holds it; leaving
Active releases it, exactly once) and whether routing must run again.

The table is pure; `begin` and `move`, at the end, are the only writers of a session's status:
every transition goes through them, and one that asks for routing tells `RoutingNeeded`
(routing subscribes to it; kit.effects).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import Connection

from livedesk.conversations import repository
from livedesk.kit.effects import tell

Status = Literal["New", "Waiting", "Active", "Inactive", "Ended"]
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
STATUSES: tuple[Status, ...] = get_args(Status)
EVENTS: tuple[Event, ...] = get_args(Event)


@dataclass(frozen=True)
class Transition:
    to: Status
    releases_capacity: bool = False  # the agent's work on it ends now
    holds_capacity: bool = False  # an agent's work on it starts now
    reroute: bool = False  # routing must run (capacity appeared, or it waits again)
    keeps_agent: bool = False  # the assigned agent stays on the session


_TABLE: dict[tuple[Status, Event], Transition] = {
    ("New", "route"): Transition("Waiting", reroute=True),
    ("New", "not_routed"): Transition("Ended"),
    # (routing runs again: the queue moved up, its customers hear their new places)
    ("Waiting", "accept"): Transition(
        "Active", holds_capacity=True, reroute=True, keeps_agent=True
    ),
    ("Waiting", "end"): Transition("Ended", reroute=True),  # a pending offer is taken back
    ("Active", "customer_idle"): Transition(
        "Inactive", releases_capacity=True, reroute=True, keeps_agent=True
    ),
    ("Active", "mark_inactive"): Transition(
        "Inactive", releases_capacity=True, reroute=True, keeps_agent=True
    ),
    ("Active", "end"): Transition("Ended", releases_capacity=True, reroute=True, keeps_agent=True),
    ("Active", "transfer"): Transition("Waiting", releases_capacity=True, reroute=True),
    ("Inactive", "customer_message"): Transition("Waiting", reroute=True),
    ("Inactive", "end"): Transition("Ended", keeps_agent=True),
    ("Inactive", "auto_end"): Transition("Ended", keeps_agent=True),
    ("Inactive", "transfer"): Transition("Waiting", reroute=True),
}


class InvalidTransition(Exception):
    def __init__(self, status: str, event: str) -> None:
        super().__init__(f"a {status} session cannot {event.replace('_', ' ')}")
        self.status = status
        self.event = event


def transition(status: str, event: str) -> Transition:
    """What `event` does to a session in `status`; InvalidTransition if it cannot happen."""
    found = _TABLE.get((status, event))  # type: ignore[arg-type]
    if found is None:
        raise InvalidTransition(status, event)
    return found


def allowed(status: str, event: str) -> bool:
    return (status, event) in _TABLE


@dataclass(frozen=True)
class RoutingNeeded:
    """A domain event: something in this org may let work move (a session waits, capacity was
    freed, an agent came online, an offer ended). Told after commit; routing runs a pass."""

    org_id: str


def begin(conn: Connection, org_id: str, event: Event, **columns: Any) -> Transition:
    """Insert a new session (`columns`: every column but the status) as `event` takes a New
    session: routed (Waiting) or not routed (Ended)."""
    step = transition("New", event)
    repository.insert_session(conn, status=step.to, **columns)
    if step.reroute:
        tell(conn, RoutingNeeded(org_id))
    return step


def move(conn: Connection, org_id: str, session: Any, event: Event, **columns: Any) -> Transition:
    """Move `session` (as read in this unit) by `event`, writing `columns` with the new status;
    InvalidTransition if the event cannot happen in its status, or if the session's status
    changed since it was read (another unit was first)."""
    step = transition(session.status, event)
    if not repository.set_status(conn, session.id, session.status, step.to, **columns):
        raise InvalidTransition(session.status, event)
    if step.reroute:
        tell(conn, RoutingNeeded(org_id))
    return step
