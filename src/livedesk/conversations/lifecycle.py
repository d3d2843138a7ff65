"""The messaging session state machine of DESIGN section 3, as a pure function.

    New ──route──▶ Waiting ──accept──▶ Active ──end──▶ Ended
      └─not routed─▶ Ended   ▲             │ customer idle / marked inactive
                             │             ▼
                             └─ customer writes ── Inactive ──auto-end / end──▶ Ended

Every transition says what it does to the agent's capacity (an Active session holds it; leaving
Active releases it, exactly once) and whether routing must run again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

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
    ("Waiting", "accept"): Transition("Active", holds_capacity=True, keeps_agent=True),
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
