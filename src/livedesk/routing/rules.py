"""Where a new session goes: the deployment's routing rules, business hours, queue caps, EWT
limits and overflow, as a pure function of the configuration and the queues' state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from livedesk.orgs import hours
from livedesk.orgs.schemas import BusinessHoursConfig, RoutingRule, StoredDeployment, StoredQueue

OUTSIDE_BUSINESS_HOURS = "OutsideBusinessHours"
QUEUE_FULL = "QueueFull"
WAIT_TOO_LONG = "WaitTooLong"
NO_QUEUE = "NoQueue"


@dataclass(frozen=True)
class QueueState:
    config: StoredQueue
    waiting: int
    ewt_seconds: int | None


@dataclass(frozen=True)
class Decision:
    queue: str | None  # None: not routed
    reason: str | None = None  # why not routed
    overflowed_from: tuple[str, ...] = ()
    reopens_at: int | None = None  # when closed hours end, if known

    @property
    def routed(self) -> bool:
        return self.queue is not None


def first_queue(deployment: StoredDeployment, attributes: Mapping[str, Any]) -> str | None:
    """The queue named by the first matching rule, else the deployment's queue."""
    for rule in deployment.routing.rules:
        if _matches(rule, attributes):
            return rule.queue
    return deployment.queue or None


def _matches(rule: RoutingRule, attributes: Mapping[str, Any]) -> bool:
    value = attributes.get(rule.attribute)
    text = "" if value is None else str(value).strip().casefold()
    if rule.equals is not None:
        return text == rule.equals.strip().casefold()
    if rule.one_of is not None:
        return text in {v.strip().casefold() for v in rule.one_of}
    return bool(text)  # `present: true`


def decide(
    deployment: StoredDeployment,
    attributes: Mapping[str, Any],
    queues: Mapping[str, QueueState],
    now: int,
) -> Decision:
    if deployment.business_hours_spec is not None:
        closed = _closed(deployment.business_hours_spec, now)
        if closed is not None:
            return closed
    name = first_queue(deployment, attributes)
    visited: list[str] = []
    while name is not None:
        if name in visited or name not in queues:
            break
        visited.append(name)
        state = queues[name]
        reason = _refusal(state, now)
        if reason is None:
            return Decision(name, overflowed_from=tuple(visited[:-1]))
        overflow = state.config.overflow_queue
        if overflow is None:
            reopens = None
            if reason == OUTSIDE_BUSINESS_HOURS:
                spec = state.config.business_hours_spec
                reopens = hours.next_opening(spec.calendar(), now) if spec else None
            return Decision(None, reason, tuple(visited), reopens)
        name = overflow
    return Decision(None, NO_QUEUE if not visited else QUEUE_FULL, tuple(visited))


def _closed(spec: BusinessHoursConfig, now: int) -> Decision | None:
    business = spec.calendar()
    if hours.is_open(business, now):
        return None
    return Decision(None, OUTSIDE_BUSINESS_HOURS, (), hours.next_opening(business, now))


def _refusal(state: QueueState, now: int) -> str | None:
    spec = state.config.business_hours_spec
    if spec is not None and not hours.is_open(spec.calendar(), now):
        return OUTSIDE_BUSINESS_HOURS
    if state.waiting >= state.config.max_waiting:
        return QUEUE_FULL
    limit = state.config.max_ewt_seconds
    if limit is not None and state.ewt_seconds is not None and state.ewt_seconds > limit:
        return WAIT_TOO_LONG
    return None
