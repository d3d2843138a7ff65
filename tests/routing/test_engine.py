"""The routing engine's promises, checked on random queues and agents (hypothesis)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from livedesk.routing.engine import AgentLoad, WaitingWork, plan, urgency

QUEUES = ["A", "B", "C"]
SKILLS = ["fr", "de", "loans"]


@st.composite
def waiting_work(draw: st.DrawFn, i: int) -> WaitingWork:
    return WaitingWork(
        session_id=f"s{i:03d}",
        queue=draw(st.sampled_from(QUEUES)),
        priority=draw(st.integers(1, 3)),
        queued_at=draw(st.integers(0, 1000)),
        weight=draw(st.integers(1, 3)),
        skills=frozenset(draw(st.lists(st.sampled_from(SKILLS), max_size=1))),
        passed_over=frozenset(draw(st.lists(st.sampled_from([f"a{j}" for j in range(6)])))),
    )


@st.composite
def agent_load(draw: st.DrawFn, i: int) -> AgentLoad:
    capacity = draw(st.integers(0, 6))
    used = draw(st.integers(0, capacity))
    return AgentLoad(
        agent_id=f"a{i}",
        capacity=capacity,
        used=used,
        active=used,
        queues=frozenset(draw(st.lists(st.sampled_from(QUEUES), min_size=1))),
        idle_since=draw(st.integers(0, 1000)),
        online=draw(st.booleans()),
        skills=frozenset(draw(st.lists(st.sampled_from(SKILLS)))),
    )


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[WaitingWork], list[AgentLoad], dict[str, str]]:
    n_work = draw(st.integers(0, 25))
    n_agents = draw(st.integers(0, 6))
    work = [draw(waiting_work(i)) for i in range(n_work)]
    agents = [draw(agent_load(i)) for i in range(n_agents)]
    models = {q: draw(st.sampled_from(["most_available", "least_active"])) for q in QUEUES}
    return work, agents, models


def eligible(agent: AgentLoad, work: WaitingWork, used: int) -> bool:
    return (
        agent.online
        and work.queue in agent.queues
        and work.skills <= agent.skills
        and agent.capacity - used >= work.weight
    )


@settings(max_examples=250)
@given(scenario())
def test_capacity_uniqueness_and_no_idle_capacity(case) -> None:  # type: ignore[no-untyped-def]
    """One pass over random queues and agents: offers go only to eligible agents and never past
    their capacity, no session is offered twice, and no session is left waiting that some agent
    could still take."""
    work, agents, models = case
    offers = plan(work, agents, models)
    by_id = {a.agent_id: a for a in agents}
    sessions = {w.session_id: w for w in work}
    used = Counter({a.agent_id: a.used for a in agents})
    for offer in offers:
        agent, item = by_id[offer.agent_id], sessions[offer.session_id]
        assert eligible(agent, item, used[agent.agent_id])
        used[agent.agent_id] += item.weight
    for agent in agents:
        assert used[agent.agent_id] <= max(agent.capacity, agent.used)
    assert len({o.session_id for o in offers}) == len(offers)
    offered = {o.session_id for o in offers}
    for item in work:
        if item.session_id not in offered:
            assert not any(eligible(a, item, used[a.agent_id]) for a in agents)


@settings(max_examples=150)
@given(scenario())
def test_priority_then_arrival_order_within_a_queue(case) -> None:  # type: ignore[no-untyped-def]
    """Of two sessions any agent could equally take, the later one is never offered while the
    earlier one keeps waiting."""
    work, agents, models = case
    plain = [
        WaitingWork(w.session_id, w.queue, w.priority, w.queued_at, 1) for w in work
    ]  # same weight, no skills, nobody passed over: interchangeable within a queue
    offered = {o.session_id for o in plan(plain, agents, models)}
    for queue in QUEUES:
        ordered = sorted((w for w in plain if w.queue == queue), key=urgency)
        flags = [w.session_id in offered for w in ordered]
        assert flags == sorted(flags, reverse=True), flags


def test_most_available_prefers_free_capacity_then_longest_idle() -> None:
    agents = [
        AgentLoad("busy", 3, 2, 2, frozenset({"A"}), idle_since=0),
        AgentLoad("free_recent", 3, 0, 0, frozenset({"A"}), idle_since=500),
        AgentLoad("free_idle", 3, 0, 0, frozenset({"A"}), idle_since=100),
    ]
    offers = plan([WaitingWork("s1", "A", 1, 0, 1)], agents, {"A": "most_available"})
    assert [o.agent_id for o in offers] == ["free_idle"]


def test_least_active_prefers_fewest_items() -> None:
    agents = [
        AgentLoad("big", 10, 2, 2, frozenset({"A"}), idle_since=0),
        AgentLoad("small", 2, 1, 1, frozenset({"A"}), idle_since=100),
    ]
    offers = plan([WaitingWork("s1", "A", 1, 0, 1)], agents, {"A": "least_active"})
    assert [o.agent_id for o in offers] == ["small"]


def test_an_agent_who_declined_is_passed_over_unless_nobody_else_can() -> None:
    one = AgentLoad("one", 3, 0, 0, frozenset({"A"}), idle_since=0)
    two = AgentLoad("two", 3, 2, 2, frozenset({"A"}), idle_since=0)
    declined = WaitingWork("s1", "A", 1, 0, 1, passed_over=frozenset({"one"}))
    assert plan([declined], [one, two], {})[0].agent_id == "two"
    assert plan([declined], [one], {})[0].agent_id == "one"


def test_urgent_queue_goes_first() -> None:
    agent = AgentLoad("a", 1, 0, 0, frozenset({"A", "B"}), idle_since=0)
    work = [WaitingWork("early", "A", 2, 0, 1), WaitingWork("urgent", "B", 1, 50, 1)]
    assert [o.session_id for o in plan(work, [agent], {})] == ["urgent"]
