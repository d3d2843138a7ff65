"""Placement rules: attribute routing, closed hours, caps, EWT limits, overflow chains."""

from __future__ import annotations

from typing import Any

from livedesk.orgs.schemas import StoredDeployment, StoredQueue
from livedesk.routing.rules import (
    NO_QUEUE,
    OUTSIDE_BUSINESS_HOURS,
    QUEUE_FULL,
    WAIT_TOO_LONG,
    QueueState,
    decide,
    first_queue,
)

NOW = 1_767_225_600_000  # 2026-01-01T00:00Z, a Thursday
SECTION: dict[str, Any] = {
    "developer_name": "Web",
    "queue": "General",
    "routing": {
        "rules": [
            {"attribute": "Topic", "equals": "loans", "queue": "Loans"},
            {"attribute": "Country", "one_of": ["FR", "BE"], "queue": "French"},
            {"attribute": "vip", "present": True, "queue": "VIP"},
        ]
    },
}
DEPLOYMENT = StoredDeployment.model_validate(SECTION)


def deployment(**config: Any) -> StoredDeployment:
    return StoredDeployment.model_validate({"developer_name": "Web", **config})


def state(waiting: int = 0, ewt: int | None = None, **config: Any) -> QueueState:
    return QueueState(
        StoredQueue.model_validate({"name": "Q", "max_waiting": 10, **config}), waiting, ewt
    )


def test_the_first_matching_rule_wins_and_matching_ignores_case_and_blanks() -> None:
    assert first_queue(DEPLOYMENT, {"Topic": " Loans "}) == "Loans"
    assert first_queue(DEPLOYMENT, {"Country": "BE", "vip": "yes"}) == "French"
    assert first_queue(DEPLOYMENT, {"vip": "yes"}) == "VIP"
    assert first_queue(DEPLOYMENT, {"vip": "  "}) == "General"
    assert first_queue(deployment(), {}) is None


def test_a_full_queue_overflows_along_the_chain() -> None:
    queues = {
        "General": state(10, overflow_queue="Spill"),
        "Spill": state(3, overflow_queue="Last"),
        "Last": state(0),
    }
    d = decide(DEPLOYMENT, {}, queues, NOW)
    assert (d.queue, d.overflowed_from) == ("Spill", ("General",))
    queues["Spill"] = state(10, overflow_queue="Last")
    d = decide(DEPLOYMENT, {}, queues, NOW)
    assert (d.queue, d.overflowed_from) == ("Last", ("General", "Spill"))


def test_full_without_overflow_is_not_routed() -> None:
    d = decide(DEPLOYMENT, {}, {"General": state(10)}, NOW)
    assert not d.routed and d.reason == QUEUE_FULL


def test_an_overflow_loop_ends() -> None:
    queues = {"General": state(10, overflow_queue="B"), "B": state(10, overflow_queue="General")}
    d = decide(DEPLOYMENT, {}, queues, NOW)
    assert not d.routed and d.reason == QUEUE_FULL


def test_a_long_wait_overflows_or_refuses() -> None:
    queues = {"General": state(1, ewt=600, max_ewt_seconds=300)}
    assert decide(DEPLOYMENT, {}, queues, NOW).reason == WAIT_TOO_LONG
    queues["General"] = state(1, ewt=200, max_ewt_seconds=300)
    assert decide(DEPLOYMENT, {}, queues, NOW).queue == "General"
    queues["General"] = state(1, ewt=None, max_ewt_seconds=300)  # no data: no limit
    assert decide(DEPLOYMENT, {}, queues, NOW).queue == "General"


def test_closed_hours_refuse_with_the_next_opening() -> None:
    hours = {
        "name": "Office",
        "time_zone": "UTC",
        "weekly": {"friday": ["09:00-17:00"]},
        "holidays": [],
    }
    closed = deployment(**SECTION | {"business_hours_spec": hours})
    d = decide(closed, {}, {"General": state()}, NOW)
    assert d.reason == OUTSIDE_BUSINESS_HOURS
    assert d.reopens_at == NOW + (24 + 9) * 3600 * 1000
    queue_closed = {
        "General": state(business_hours_spec=hours, overflow_queue="Night"),
        "Night": state(),
    }
    assert decide(DEPLOYMENT, {}, queue_closed, NOW).queue == "Night"


def test_no_queue_is_not_routed() -> None:
    assert decide(deployment(), {}, {}, NOW).reason == NO_QUEUE
