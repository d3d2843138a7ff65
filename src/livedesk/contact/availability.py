"""Whether a new chat of a deployment would reach an agent now (pure).

Available means: the deployment's business hours are open, and at least one queue the deployment
can route to (its queue, the queues its rules name, and their overflow queues) is open by its own
hours and has an agent Online. What the widget does when it is not is the deployment's
`when_unavailable`: open the chat anyway (it explains), hide the launcher, or offer the form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from livedesk.orgs import hours
from livedesk.orgs.schemas import StoredDeployment, StoredQueue


@dataclass(frozen=True)
class Availability:
    is_open: bool
    agents_online: bool
    next_opening: int | None  # when closed hours end (ms), if the deployment has hours

    @property
    def available(self) -> bool:
        return self.is_open and self.agents_online


def reachable_queues(deployment: StoredDeployment, queues: Mapping[str, StoredQueue]) -> set[str]:
    """The queues a new session of this deployment may wait in."""
    todo = [q for q in [deployment.queue, *(r.queue for r in deployment.routing.rules)] if q]
    found: set[str] = set()
    while todo:
        name = todo.pop()
        if name in found or name not in queues:
            continue
        found.add(name)
        overflow = queues[name].overflow_queue
        if overflow:
            todo.append(overflow)
    return found


def decide(
    deployment: StoredDeployment,
    queues: Mapping[str, StoredQueue],
    staffed: set[str],
    now: int,
) -> Availability:
    """`staffed`: the org's queues that have an agent Online."""
    spec = deployment.business_hours_spec
    if spec is not None and not hours.is_open(spec.calendar(), now):
        return Availability(False, False, hours.next_opening(spec.calendar(), now))
    online = any(
        name in staffed and _open(queues[name], now)
        for name in reachable_queues(deployment, queues)
    )
    return Availability(True, online, None)


def _open(queue: StoredQueue, now: int) -> bool:
    spec = queue.business_hours_spec
    return spec is None or hours.is_open(spec.calendar(), now)
