"""One session's figures from its facts, and summaries over many sessions: pure, no database.

Times in the facts are epoch milliseconds; figures are seconds. docs/reports.md defines each one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal
from zoneinfo import ZoneInfo

WAITING = "Waiting"
ACTIVE = "Active"
INACTIVE = "Inactive"
ENDED = "Ended"
CUSTOMER = "EndUser"
AGENT = "Agent"


@dataclass(frozen=True)
class Transition:
    """The session entered `status` at `at`."""

    at: int
    status: str


@dataclass(frozen=True)
class Message:
    """A message entry in order. `automated`: sent by a flow, an auto-response or a component,
    whatever `role` says."""

    at: int
    role: str
    automated: bool = False


@dataclass(frozen=True)
class QueueStay:
    """A time in one queue: from entering it to being accepted from it, transferred out of it or
    the end (`left_at` None: still there)."""

    queue: str
    entered_at: int
    left_at: int | None
    agent: str | None = None


@dataclass(frozen=True)
class Answer:
    """A component's answer stored on the session (a form's values, or `{"choice": …}`)."""

    component: str
    values: Mapping[str, object]


@dataclass(frozen=True)
class SessionFacts:
    session_id: str
    deployment: str
    started_at: int
    transitions: Sequence[Transition]
    messages: Sequence[Message] = ()
    stays: Sequence[QueueStay] = ()
    answers: Sequence[Answer] = ()
    ended_by_role: str | None = None
    end_reason: str | None = None
    reason_for_not_routing: str | None = None


@dataclass(frozen=True)
class SessionMetrics:
    session_id: str
    deployment: str
    first_queue: str | None
    agent: str | None
    queued_at: int | None
    accepted_at: int | None
    ended_at: int | None
    wait: float | None
    wait_by_queue: dict[str, float]
    first_response: float | None
    customer_first_response: float | None
    average_response: float | None
    longest_response: float | None
    handle: float | None
    inactive: float
    customer_messages: int
    agent_messages: int
    automated_messages: int
    transfers: int
    end_reason: str | None
    ended_by_role: str | None
    abandoned: bool
    abandoned_wait: float | None
    not_routed: bool
    reason_for_not_routing: str | None
    csat: int | None
    answered_question: bool | None


def _seconds(ms: int) -> float:
    return ms / 1000


def session_metrics(
    facts: SessionFacts,
    *,
    csat_field: str = "csat",
    answered_component: str = "Answered_Question",
    answered_yes: str = "Yes",
) -> SessionMetrics:
    transitions = sorted(facts.transitions, key=lambda t: t.at)
    ended_at = next((t.at for t in transitions if t.status == ENDED), None)
    accepted_at = next((t.at for t in transitions if t.status == ACTIVE), None)
    stays = sorted(facts.stays, key=lambda s: s.entered_at)

    wait_by_queue: dict[str, float] = {}
    for stay in stays:
        left = stay.left_at if stay.left_at is not None else ended_at
        if left is None:
            continue
        wait_by_queue[stay.queue] = wait_by_queue.get(stay.queue, 0) + _seconds(
            left - stay.entered_at
        )
    wait = sum(wait_by_queue.values()) if wait_by_queue else None

    inactive_ms = 0
    for here, after in zip(transitions, [*transitions[1:], None], strict=True):
        if here.status == INACTIVE and after is not None:
            inactive_ms += after.at - here.at

    before_end = [t.status for t in transitions if t.status != ENDED]
    abandoned = ended_at is not None and bool(before_end) and before_end[-1] == WAITING
    not_routed = facts.reason_for_not_routing is not None

    customer = [m.at for m in facts.messages if m.role == CUSTOMER and not m.automated]
    agent = [m.at for m in facts.messages if m.role == AGENT and not m.automated]
    automated = len(facts.messages) - len(customer) - len(agent)
    ordered = sorted(
        (m for m in facts.messages if not m.automated and m.role in (CUSTOMER, AGENT)),
        key=lambda m: m.at,
    )

    first_agent = next((at for at in agent if accepted_at is not None and at >= accepted_at), None)
    first_response = (
        _seconds(first_agent - accepted_at)
        if first_agent is not None and accepted_at is not None
        else None
    )
    customer_first_response = None
    if customer:
        reply = next((m.at for m in ordered if m.role == AGENT and m.at >= customer[0]), None)
        if reply is not None:
            customer_first_response = _seconds(reply - customer[0])

    responses: list[float] = []
    run_start: int | None = None
    for message in ordered:
        if message.role == CUSTOMER:
            if run_start is None:
                run_start = message.at
        elif run_start is not None and accepted_at is not None:
            responses.append(_seconds(message.at - max(run_start, accepted_at)))
            run_start = None

    return SessionMetrics(
        session_id=facts.session_id,
        deployment=facts.deployment,
        first_queue=stays[0].queue if stays else None,
        agent=next((s.agent for s in reversed(stays) if s.agent is not None), None),
        queued_at=stays[0].entered_at if stays else None,
        accepted_at=accepted_at,
        ended_at=ended_at,
        wait=wait,
        wait_by_queue=wait_by_queue,
        first_response=first_response,
        customer_first_response=customer_first_response,
        average_response=sum(responses) / len(responses) if responses else None,
        longest_response=max(responses) if responses else None,
        handle=(
            _seconds(ended_at - accepted_at)
            if accepted_at is not None and ended_at is not None
            else None
        ),
        inactive=_seconds(inactive_ms),
        customer_messages=len(customer),
        agent_messages=len(agent),
        automated_messages=automated,
        transfers=max(len(stays) - 1, 0),
        end_reason=facts.end_reason,
        ended_by_role=facts.ended_by_role,
        abandoned=abandoned,
        abandoned_wait=wait if abandoned else None,
        not_routed=not_routed,
        reason_for_not_routing=facts.reason_for_not_routing,
        csat=_csat(facts.answers, csat_field),
        answered_question=_answered(facts.answers, answered_component, answered_yes),
    )


def _csat(answers: Sequence[Answer], name: str) -> int | None:
    for answer in reversed(answers):
        value = answer.values.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _answered(answers: Sequence[Answer], component: str, yes: str) -> bool | None:
    for answer in reversed(answers):
        if answer.component == component and "choice" in answer.values:
            return answer.values["choice"] == yes
    return None


def nearest_rank(values: Sequence[float], percent: float) -> float | None:
    """The smallest value with at least `percent` % of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class Figure:
    count: int
    average: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class SummaryRow:
    group: str
    sessions: int
    abandoned: int
    not_routed: int
    figures: dict[str, Figure] = field(default_factory=dict)


GroupBy = Literal["queue", "agent", "day", "hour", "deployment"]
FIGURES = (
    "wait",
    "first_response",
    "customer_first_response",
    "average_response",
    "handle",
    "inactive",
    "csat",
)


def _figure(values: list[float]) -> Figure:
    return Figure(
        count=len(values),
        average=sum(values) / len(values) if values else None,
        median=nearest_rank(values, 50),
        p90=nearest_rank(values, 90),
    )


def _key(group_by: GroupBy, zone: ZoneInfo) -> Callable[[SessionMetrics], str | None]:
    def local(m: SessionMetrics) -> datetime | None:
        at = m.queued_at
        return None if at is None else datetime.fromtimestamp(at / 1000, UTC).astimezone(zone)

    if group_by == "queue":
        return lambda m: m.first_queue
    if group_by == "agent":
        return lambda m: m.agent
    if group_by == "deployment":
        return lambda m: m.deployment
    pattern = "%Y-%m-%d" if group_by == "day" else "%Y-%m-%dT%H:00"

    def when(m: SessionMetrics) -> str | None:
        at = local(m)
        return None if at is None else at.strftime(pattern)

    return when


def summary(
    records: Iterable[SessionMetrics], group_by: GroupBy, time_zone: str = "UTC"
) -> list[SummaryRow]:
    """Counts, averages, medians and p90s (nearest rank) per group, sorted by group; a session
    without the group's key (never queued, never accepted) is left out."""
    key = _key(group_by, ZoneInfo(time_zone))
    groups: dict[str, list[SessionMetrics]] = defaultdict(list)
    for record in records:
        name = key(record)
        if name is not None:
            groups[name].append(record)
    rows = []
    for name in sorted(groups):
        members = groups[name]
        figures = {}
        for figure in FIGURES:
            values = [float(v) for m in members if (v := getattr(m, figure)) is not None]
            figures[figure] = _figure(values)
        rows.append(
            SummaryRow(
                group=name,
                sessions=len(members),
                abandoned=sum(m.abandoned for m in members),
                not_routed=sum(m.not_routed for m in members),
                figures=figures,
            )
        )
    return rows
