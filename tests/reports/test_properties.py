"""Properties of the reports' pure cores over any session the lifecycle can produce and any
presence history: the figures add up, stay in range, and never depend on more than they say."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from livedesk.conversations.lifecycle import EVENTS, allowed, transition
from livedesk.reports.agents import agent_figures
from livedesk.reports.metrics import (
    Message,
    SessionFacts,
    Transition,
    nearest_rank,
    session_metrics,
    summary,
)

QUEUES = ["General", "Billing"]
AGENTS = ["ada", "grace"]


@st.composite
def sessions(draw: st.DrawFn) -> SessionFacts:
    """A walk through the lifecycle's table, with a time, queue and agent at each step, and
    messages in between."""
    at = draw(st.integers(0, 10**12))
    status, queue, agent = "New", None, None
    steps = [Transition(at, "New")]
    for _ in range(draw(st.integers(0, 8))):
        event = draw(st.sampled_from([e for e in EVENTS if allowed(status, e)] or ["end"]))
        if not allowed(status, event):
            break
        status = transition(status, event).to
        at += draw(st.integers(0, 600_000))
        if event in ("route", "transfer"):
            queue = draw(st.sampled_from(QUEUES))
        if event == "accept":
            agent = draw(st.sampled_from(AGENTS))
        steps.append(Transition(at, status, queue, agent, event))
        if status == "Ended":
            break
    messages = [
        Message(
            draw(st.integers(steps[0].at, at + 1000)),
            draw(st.sampled_from(["EndUser", "Agent", "System"])),
            draw(st.booleans()),
        )
        for _ in range(draw(st.integers(0, 6)))
    ]
    return SessionFacts("s", "Web_Chat", steps[0].at, steps, sorted(messages, key=lambda m: m.at))


@given(sessions())
@settings(max_examples=300)
def test_a_sessions_figures_add_up(facts: SessionFacts) -> None:
    m = session_metrics(facts)
    if m.wait is not None:
        assert m.wait >= 0 and abs(m.wait - sum(m.wait_by_queue.values())) < 1e-6
        assert m.wait == sum(s.left_at - s.entered_at for s in m.stays if s.left_at) / 1000
    if m.handle is not None:
        assert m.handle >= m.inactive >= 0
    for figure in (m.first_response, m.customer_first_response, m.average_response):
        assert figure is None or figure >= 0
    if m.average_response is not None:
        assert m.longest_response is not None and m.average_response <= m.longest_response
    assert m.customer_messages + m.agent_messages + m.automated_messages == len(facts.messages)
    assert m.transfers == sum(t.event == "transfer" for t in facts.transitions)
    assert not (m.abandoned and m.accepted_at is not None and m.status != "Ended")
    if m.abandoned:
        assert m.stays and m.stays[-1].outcome == "abandoned"
    assert m.counted_at >= facts.started_at


@given(st.lists(st.floats(0, 10**6, allow_nan=False), min_size=1), st.integers(1, 100))
def test_nearest_rank_is_one_of_the_values_with_enough_at_or_below(
    values: list[float], percent: int
) -> None:
    found = nearest_rank(values, percent)
    assert found in values
    assert sum(v <= found for v in values) >= percent / 100 * len(values)


@given(st.lists(sessions(), max_size=12))
@settings(max_examples=100)
def test_summaries_count_each_session_once_per_grouping(many: list[SessionFacts]) -> None:
    records = [session_metrics(f) for f in many]
    for group_by in ("day", "hour", "deployment"):
        assert sum(r.sessions for r in summary(records, group_by)) == len(records)
    for group_by in ("queue", "agent"):
        assert sum(r.sessions for r in summary(records, group_by)) <= len(records)


@st.composite
def presences(draw: st.DrawFn) -> list[tuple[int, str]]:
    times = sorted(draw(st.lists(st.integers(0, 86_400_000), max_size=10)))
    return [(t, draw(st.sampled_from(["Online", "Busy", "Away", "Offline"]))) for t in times]


@given(
    presences(),
    st.lists(st.tuples(st.integers(0, 86_400_000), st.integers(0, 3_600_000))),
)
@settings(max_examples=300)
def test_an_agents_time_adds_up_to_the_period(
    changes: list[tuple[int, str]], spells: list[tuple[int, int]]
) -> None:
    handling = [(at, at + length, f"s{i}", "accept") for i, (at, length) in enumerate(spells)]
    figures = agent_figures("ada", changes, handling, 0, 86_400_000)
    assert abs(sum(figures.presence.values()) - 86_400) < 1e-6
    assert 0 <= figures.handling <= figures.online + 1e-9
    assert figures.occupancy is None or 0 <= figures.occupancy <= 100 + 1e-9
    assert figures.sessions_handled == len(spells)
