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

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace

from livedesk.orgs.schemas import RoutingModel


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
    pool = {a.agent_id: a for a in agents if a.online and a.free > 0}
    members: dict[str, list[str]] = {}
    for load in pool.values():
        for queue in load.queues:
            members.setdefault(queue, []).append(load.agent_id)
    heaps = _QueueHeaps(pool, members, models)
    offers: list[Offer] = []
    for work in sorted(waiting, key=urgency):
        if not members.get(work.queue):
            continue
        agent: AgentLoad | None
        if work.skills or work.passed_over:
            agent = _best_by_scan(pool, members[work.queue], work, models)
        else:
            agent = heaps.best(work)
        if agent is None:
            continue
        offers.append(Offer(work.session_id, agent.agent_id, work.queue, work.weight))
        pool[agent.agent_id] = replace(
            agent, used=agent.used + work.weight, active=agent.active + 1
        )
        heaps.changed(pool[agent.agent_id])
    return offers


def _best_by_scan(
    pool: Mapping[str, AgentLoad],
    member_ids: list[str],
    work: WaitingWork,
    models: Mapping[str, RoutingModel],
) -> AgentLoad | None:
    eligible = [pool[i] for i in member_ids if _can_take(pool[i], work)]
    preferred = [a for a in eligible if a.agent_id not in work.passed_over] or eligible
    if not preferred:
        return None
    return min(preferred, key=_ranking(models.get(work.queue, "most_available")))


class _QueueHeaps:
    """Per queue, a heap of its agents by the queue's ranking. An agent's entries go stale when
    it takes work (from any queue); stale entries are skipped when they come up and the agent
    is pushed again with its new rank, so each pick costs O(log agents)."""

    def __init__(
        self,
        pool: dict[str, AgentLoad],
        members: dict[str, list[str]],
        models: Mapping[str, RoutingModel],
    ) -> None:
        self._pool = pool
        self._members = members
        self._models = models
        self._version: dict[str, int] = dict.fromkeys(pool, 0)
        self._heaps: dict[str, list[tuple[tuple[int, int, str], int, str]]] = {}

    def _heap(self, queue: str) -> list[tuple[tuple[int, int, str], int, str]]:
        heap = self._heaps.get(queue)
        if heap is None:
            rank = _ranking(self._models.get(queue, "most_available"))
            heap = [(rank(self._pool[i]), self._version[i], i) for i in self._members[queue]]
            heapq.heapify(heap)
            self._heaps[queue] = heap
        return heap

    def best(self, work: WaitingWork) -> AgentLoad | None:
        heap = self._heap(work.queue)
        rank = _ranking(self._models.get(work.queue, "most_available"))
        skipped: list[tuple[tuple[int, int, str], int, str]] = []
        found = None
        while heap:
            _, version, agent_id = heap[0]
            agent = self._pool[agent_id]
            if version != self._version[agent_id]:
                heapq.heapreplace(heap, (rank(agent), self._version[agent_id], agent_id))
                continue
            if agent.free <= 0:
                heapq.heappop(heap)  # full: it takes nothing more in this pass
                continue
            if agent.free >= work.weight:
                found = agent
                break
            skipped.append(heapq.heappop(heap))  # too little room for this one; maybe the next
        for entry in skipped:
            heapq.heappush(heap, entry)
        return found

    def changed(self, agent: AgentLoad) -> None:
        self._version[agent.agent_id] += 1
        # Its entries in every heap are now stale; `best` re-ranks them when they surface.


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
