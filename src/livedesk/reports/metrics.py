"""One session's figures from its facts, and summaries over many sessions: pure, no database.

Times in the facts are epoch milliseconds; figures are seconds. docs/reports.md defines each one.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

WAITING = "Waiting"
ACTIVE = "Active"
INACTIVE = "Inactive"
ENDED = "Ended"
CUSTOMER = "EndUser"
AGENT = "Agent"


@dataclass(frozen=True)
class Transition:
    """The session entered `status` at `at` by `event`, in `queue`, with `agent` (as
    `conversations.lifecycle` recorded it)."""

    at: int
    status: str
    queue: str | None = None
    agent: str | None = None
    event: str | None = None


@dataclass(frozen=True)
class Message:
    """A message entry in order. `automated`: sent by a flow, an auto-response or a component,
    whatever `role` says."""

    at: int
    role: str
    automated: bool = False


Outcome = Literal["accepted", "transferred", "abandoned", "waiting"]


@dataclass(frozen=True, slots=True)
class QueueStay:
    """A time in one queue: from entering it to being accepted from it (by `agent`), leaving it
    for another queue, or the end while still waiting (abandoned); `left_at` None: still there."""

    queue: str
    entered_at: int
    left_at: int | None
    outcome: Outcome
    agent: str | None = None

    def wait(self) -> float | None:
        return None if self.left_at is None else _seconds(self.left_at - self.entered_at)


@dataclass(frozen=True)
class Answer:
    """A component's answer stored on the session, in the order given: a choices component's
    chosen value, a form's first rating."""

    component: str
    selection: str | None = None
    rating: int | None = None


@dataclass(frozen=True)
class SessionFacts:
    session_id: str
    deployment: str
    started_at: int
    transitions: Sequence[Transition]
    messages: Sequence[Message] = ()
    answers: Sequence[Answer] = ()
    ended_by_role: str | None = None
    end_reason: str | None = None
    reason_for_not_routing: str | None = None


@dataclass(slots=True)  # not frozen: 3x faster to make, and a report makes 100,000 (never changed)
class SessionMetrics:
    session_id: str
    deployment: str
    status: str  # the last it entered
    counted_at: int
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
    stays: tuple[QueueStay, ...]


class Record(Protocol):
    """What summaries read of a session: a SessionMetrics, or a kept row with those fields
    (`reports.repository.KeptRow`)."""

    @property
    def counted_at(self) -> int: ...
    @property
    def first_queue(self) -> str | None: ...
    @property
    def agent(self) -> str | None: ...
    @property
    def deployment(self) -> str: ...
    @property
    def abandoned(self) -> bool: ...
    @property
    def not_routed(self) -> bool: ...
    @property
    def stays(self) -> Sequence[QueueStay]: ...


def _seconds(ms: int) -> float:
    return ms / 1000


def session_metrics(
    facts: SessionFacts,
    *,
    answered_component: str = "Answered_Question",
    answered_yes: str = "Yes",
) -> SessionMetrics:
    transitions = sorted(facts.transitions, key=lambda t: t.at)
    ended_at = next((t.at for t in transitions if t.status == ENDED), None)
    accepted_at = next((t.at for t in transitions if t.status == ACTIVE), None)
    stays = queue_stays(transitions)

    wait_by_queue, wait = waits(stays)

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
        elif run_start is not None and accepted_at is not None and message.at >= accepted_at:
            responses.append(_seconds(message.at - max(run_start, accepted_at)))
            run_start = None

    return SessionMetrics(
        session_id=facts.session_id,
        deployment=facts.deployment,
        status=transitions[-1].status if transitions else "New",
        counted_at=stays[0].entered_at if stays else facts.started_at,
        # Never queued: the queue that turned it away, if one did (not routed).
        first_queue=stays[0].queue
        if stays
        else next((t.queue for t in transitions if t.queue), None),
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
        transfers=sum(t.event == "transfer" for t in transitions),
        end_reason=end_reason(facts, ended_at is not None),
        ended_by_role=facts.ended_by_role,
        abandoned=abandoned,
        abandoned_wait=wait if abandoned else None,
        not_routed=not_routed,
        reason_for_not_routing=facts.reason_for_not_routing,
        csat=_csat(facts.answers),
        answered_question=_answered(facts.answers, answered_component, answered_yes),
        stays=tuple(stays),
    )


def waits(stays: Sequence[QueueStay]) -> tuple[dict[str, float], float | None]:
    """Each queue's share of the wait, and the whole wait (None: no time in a queue is over),
    summed in milliseconds."""
    by_queue: dict[str, int] = {}
    for stay in stays:
        if stay.left_at is not None:
            by_queue[stay.queue] = by_queue.get(stay.queue, 0) + stay.left_at - stay.entered_at
    whole = _seconds(sum(by_queue.values())) if by_queue else None
    return {queue: _seconds(ms) for queue, ms in by_queue.items()}, whole


END_REASONS = {"Agent": "AgentEnded", "EndUser": "EndUserEnded", "System": "SystemEnded"}


def end_reason(facts: SessionFacts, ended: bool) -> str | None:
    """Why it ended: the reason stored (AutoEnded), NotRouted, or who ended it (AgentEnded,
    EndUserEnded, SystemEnded); None while it is open."""
    if not ended:
        return None
    if facts.end_reason is not None:
        return facts.end_reason
    if facts.reason_for_not_routing is not None:
        return "NotRouted"
    return END_REASONS.get(facts.ended_by_role or "", "SystemEnded")


def queue_stays(transitions: Sequence[Transition]) -> list[QueueStay]:
    """Each time in a queue, from the transitions in order: entering Waiting opens one (closing
    an open one as transferred), Active closes it as accepted by that agent, Ended as abandoned."""
    stays: list[QueueStay] = []
    open_at: int | None = None
    queue: str | None = None

    def close(at: int | None, outcome: Outcome, agent: str | None = None) -> None:
        nonlocal open_at
        if open_at is not None:
            stays.append(QueueStay(queue or "", open_at, at, outcome, agent))
        open_at = None

    for t in transitions:
        if t.status == WAITING:
            close(t.at, "transferred")
            open_at, queue = t.at, t.queue
        elif t.status == ACTIVE:
            close(t.at, "accepted", t.agent)
        elif t.status == ENDED:
            close(t.at, "abandoned")
    close(None, "waiting")
    return stays


def _csat(answers: Sequence[Answer]) -> int | None:
    """The last rating given (a survey's)."""
    return next((a.rating for a in reversed(answers) if a.rating is not None), None)


def _answered(answers: Sequence[Answer], component: str, yes: str) -> bool | None:
    for answer in reversed(answers):
        if answer.component == component and answer.selection is not None:
            return answer.selection == yes
    return None


def nearest_rank(values: Sequence[float], percent: float) -> float | None:
    """The smallest value with at least `percent` % of the values at or below it."""
    return _ranked(sorted(values), percent)


def _ranked(ordered: Sequence[float], percent: float) -> float | None:
    """nearest_rank of values already sorted."""
    if not ordered:
        return None
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class Figure:
    count: int
    average: float | None
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class ServiceLevel:
    """Times in a queue answered within its target, of those answered or abandoned there."""

    met: int
    counted: int

    @property
    def percent(self) -> float | None:
        return None if self.counted == 0 else 100 * self.met / self.counted


def service_level(
    records: Iterable[Record], targets: Mapping[str, int], queue: str | None = None
) -> ServiceLevel:
    """Over the records' stays (in `queue` only, if given): accepted within the queue's target
    wait (`targets`, seconds; 20 where not set) ÷ accepted + abandoned. Stays left for another
    queue, or still waiting, are not counted; not-routed sessions never waited."""
    levels = service_levels(records, targets)
    if queue is not None:
        return levels.get(queue, ServiceLevel(0, 0))
    return ServiceLevel(
        sum(level.met for level in levels.values()),
        sum(level.counted for level in levels.values()),
    )


def service_levels(
    records: Iterable[Record], targets: Mapping[str, int]
) -> dict[str, ServiceLevel]:
    """`service_level` of each queue the records' stays count in, in one pass over them."""
    met: dict[str, int] = defaultdict(int)
    counted: dict[str, int] = defaultdict(int)
    for record in records:
        for stay in record.stays:
            if stay.outcome == "abandoned":
                counted[stay.queue] += 1
            elif stay.outcome == "accepted":
                counted[stay.queue] += 1
                left = stay.left_at  # stay.wait(), inline: a report goes through 100,000 stays
                within = targets.get(stay.queue, DEFAULT_TARGET)
                met[stay.queue] += left is not None and _seconds(left - stay.entered_at) <= within
    return {queue: ServiceLevel(met[queue], n) for queue, n in counted.items()}


DEFAULT_TARGET = 20


@dataclass(frozen=True)
class SummaryRow:
    group: str
    sessions: int
    abandoned: int
    not_routed: int
    service_level: ServiceLevel
    figures: dict[str, Figure] = field(default_factory=dict)


GroupBy = Literal["queue", "agent", "day", "hour", "deployment"]
GROUP_BYS: tuple[GroupBy, ...] = ("queue", "agent", "day", "hour", "deployment")
FIGURES = (
    "wait",
    "first_response",
    "customer_first_response",
    "average_response",
    "longest_response",
    "handle",
    "inactive",
    "csat",
)


def _figure(values: list[float]) -> Figure:
    ordered = sorted(values)  # once for both ranks
    return Figure(
        count=len(values),
        average=sum(values) / len(values) if values else None,
        median=_ranked(ordered, 50),
        p90=_ranked(ordered, 90),
    )


def _key(group_by: GroupBy, zone: ZoneInfo) -> Callable[[Record], str | None]:
    if group_by == "queue":
        return lambda m: m.first_queue
    if group_by == "agent":
        return lambda m: m.agent
    if group_by == "deployment":
        return lambda m: m.deployment
    pattern = "%Y-%m-%d" if group_by == "day" else "%Y-%m-%dT%H:00"
    labels: dict[int, str | None] = {}  # UTC hour → the label of every moment in it (None: mixed)

    def label(m: Record) -> str:
        hour = m.counted_at // _HOUR_MS
        if hour not in labels:
            labels[hour] = _hour_label(hour, zone, pattern)
        found = labels[hour]
        return found if found is not None else local_time(m.counted_at, zone).strftime(pattern)

    return label


_HOUR_MS = 3_600_000


def _hour_label(hour: int, zone: ZoneInfo, pattern: str) -> str | None:
    """The label of every moment of a UTC hour, when they share one: the zone's offset is whole
    hours and the same at both ends (a report labels 100,000 sessions in a few hundred hours)."""
    first, last = local_time(hour * _HOUR_MS, zone), local_time((hour + 1) * _HOUR_MS - 1, zone)
    offset = first.utcoffset()
    if offset is None or offset != last.utcoffset() or offset.total_seconds() % 3600:
        return None
    return first.strftime(pattern)


def local_time(at: int, zone: ZoneInfo) -> datetime:
    return datetime.fromtimestamp(at / 1000, UTC).astimezone(zone)


def summary(
    records: Iterable[Record],
    group_by: GroupBy,
    time_zone: str = "UTC",
    targets: Mapping[str, int] | None = None,
) -> list[SummaryRow]:
    """Counts, averages, medians and p90s (nearest rank) and the service level per group, sorted
    by group. A session counts on the day and hour it entered its first queue (or asked, if never
    queued) in `time_zone`; a session without the group's key (no queue, no agent) is left out
    of queue and agent groups. Grouped by queue (its first), the service level is the queue's
    own: every stay in it, also of sessions transferred to it."""
    key = _key(group_by, ZoneInfo(time_zone))
    everything = list(records)
    groups: dict[str, list[Record]] = defaultdict(list)
    for record in everything:
        name = key(record)
        if name is not None:
            groups[name].append(record)
    # Grouped by queue: the queue's stays, any session's (all queues' in one pass).
    by_queue = service_levels(everything, targets or {}) if group_by == "queue" else {}
    return [
        group_row(
            name,
            groups[name],
            by_queue.get(name, ServiceLevel(0, 0))
            if group_by == "queue"
            else service_level(groups[name], targets or {}),
        )
        for name in sorted(groups)
    ]


def total(records: Sequence[Record], targets: Mapping[str, int]) -> SummaryRow:
    """The whole period as one group, `all`."""
    return group_row("all", records, service_level(records, targets))


def group_row(name: str, members: Sequence[Record], level: ServiceLevel) -> SummaryRow:
    return SummaryRow(
        group=name,
        sessions=len(members),
        abandoned=sum(map(attrgetter("abandoned"), members)),
        not_routed=sum(map(attrgetter("not_routed"), members)),
        service_level=level,
        figures=figures_of(members),
    )


def figures_of(members: Sequence[Record]) -> dict[str, Figure]:
    figures = {}
    for figure in FIGURES:
        values = [v for v in map(attrgetter(figure), members) if v is not None]
        figures[figure] = _figure(values)
    return figures
