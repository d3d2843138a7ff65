"""Where a new session goes: the deployment's routing rules, business hours, queue caps, EWT
limits and overflow, as a pure function of the configuration and the queues' state."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from livedesk.routing import hours

OUTSIDE_BUSINESS_HOURS = "OutsideBusinessHours"
QUEUE_FULL = "QueueFull"
WAIT_TOO_LONG = "WaitTooLong"
NO_QUEUE = "NoQueue"


@dataclass(frozen=True)
class QueueState:
    config: dict[str, Any]  # the queue's org-file section
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


def first_queue(deployment: Mapping[str, Any], attributes: Mapping[str, Any]) -> str | None:
    """The queue named by the first matching rule, else the deployment's queue."""
    routing = deployment.get("routing") or {}
    for rule in routing.get("rules", []):
        if _matches(rule, attributes):
            return str(rule["queue"])
    queue = deployment.get("queue")
    return str(queue) if queue else None


def _matches(rule: Mapping[str, Any], attributes: Mapping[str, Any]) -> bool:
    value = attributes.get(rule["attribute"])
    text = "" if value is None else str(value).strip().casefold()
    if rule.get("equals") is not None:
        return text == str(rule["equals"]).strip().casefold()
    if rule.get("one_of") is not None:
        return text in {str(v).strip().casefold() for v in rule["one_of"]}
    return bool(text)  # `present: true`


def decide(
    deployment: Mapping[str, Any],
    attributes: Mapping[str, Any],
    queues: Mapping[str, QueueState],
    now: int,
) -> Decision:
    hours_config = deployment.get("business_hours_spec")
    if hours_config is not None:
        closed = _closed(hours_config, now)
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
        overflow = state.config.get("overflow_queue")
        if overflow is None:
            reopens = None
            if reason == OUTSIDE_BUSINESS_HOURS:
                spec = state.config.get("business_hours_spec")
                reopens = hours.next_opening(hours.from_config(spec), now) if spec else None
            return Decision(None, reason, tuple(visited), reopens)
        name = overflow
    return Decision(None, NO_QUEUE if not visited else QUEUE_FULL, tuple(visited))


def _closed(spec: dict[str, Any], now: int) -> Decision | None:
    business = hours.from_config(spec)
    if hours.is_open(business, now):
        return None
    return Decision(None, OUTSIDE_BUSINESS_HOURS, (), hours.next_opening(business, now))


def _refusal(state: QueueState, now: int) -> str | None:
    spec = state.config.get("business_hours_spec")
    if spec is not None and not hours.is_open(hours.from_config(spec), now):
        return OUTSIDE_BUSINESS_HOURS
    if state.waiting >= int(state.config.get("max_waiting", 50)):
        return QUEUE_FULL
    limit = state.config.get("max_ewt_seconds")
    if limit is not None and state.ewt_seconds is not None and state.ewt_seconds > limit:
        return WAIT_TOO_LONG
    return None
