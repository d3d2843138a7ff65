"""Who gets which waiting session: a pure function of the queue and the agents' load.

Sessions are taken most urgent first (queue priority, 1 is the most urgent), then in arrival
order. Each goes to the best eligible agent of its queue's routing model:

- most available: the most free capacity, then the longest idle;
- least active: the fewest work items, then the longest idle.

An agent is eligible when Online, a member of the queue, holding the session's skills and with
free capacity for the queue's work weight. An agent who declined the session or let its offer
time out is passed over while someone else is eligible, and offered it again when nobody else is
(so a queue still drains with a single agent). A session nobody can take now waits; the sessions
after it are still considered (another queue, fewer skills), so capacity is never left idle.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

RoutingModel = Literal["most_available", "least_active"]
ROUTING_MODELS: tuple[RoutingModel, ...] = ("most_available", "least_active")


@dataclass(frozen=True)
class WaitingWork:
    session_id: str
    queue: str
    priority: int
    queued_at: int
    weight: int
    skills: frozenset[str] = frozenset()
    passed_over: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AgentLoad:
    agent_id: str
    capacity: int
    used: int
    active: int
    queues: frozenset[str]
    idle_since: int
    online: bool = True
    skills: frozenset[str] = frozenset()

    @property
    def free(self) -> int:
        return self.capacity - self.used


@dataclass(frozen=True)
class Offer:
    session_id: str
    agent_id: str
    queue: str
    weight: int


def urgency(work: WaitingWork) -> tuple[int, int, str]:
    return (work.priority, work.queued_at, work.session_id)


def plan(
    waiting: Iterable[WaitingWork],
    agents: Iterable[AgentLoad],
    models: Mapping[str, RoutingModel],
) -> list[Offer]:
    """The offers to make now, most urgent session first."""
    pool = {a.agent_id: a for a in agents}
    offers: list[Offer] = []
    for work in sorted(waiting, key=urgency):
        eligible = [a for a in pool.values() if _can_take(a, work)]
        preferred = [a for a in eligible if a.agent_id not in work.passed_over] or eligible
        if not preferred:
            continue
        agent = min(preferred, key=_ranking(models.get(work.queue, "most_available")))
        offers.append(Offer(work.session_id, agent.agent_id, work.queue, work.weight))
        pool[agent.agent_id] = replace(
            agent, used=agent.used + work.weight, active=agent.active + 1
        )
    return offers


def _can_take(agent: AgentLoad, work: WaitingWork) -> bool:
    return (
        agent.online
        and work.queue in agent.queues
        and work.skills <= agent.skills
        and agent.free >= work.weight
    )


def _ranking(model: RoutingModel) -> Callable[[AgentLoad], tuple[int, int, str]]:
    if model == "least_active":
        return lambda a: (a.active, a.idle_since, a.agent_id)
    return lambda a: (-a.free, a.idle_since, a.agent_id)
