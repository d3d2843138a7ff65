"""The session state machine: property tests over random event sequences."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from livedesk.conversations.lifecycle import EVENTS, InvalidTransition, allowed, transition

events = st.lists(st.sampled_from(EVENTS), max_size=40)


def run(sequence: list[str]) -> list[tuple[str, str, bool, bool, bool]]:
    """Apply the events that are allowed; record (status, agent?, holds capacity?) after each."""
    status, agent, holding = "New", False, False
    trace = []
    for event in sequence:
        if not allowed(status, event):
            try:
                transition(status, event)
            except InvalidTransition:
                continue
            raise AssertionError("allowed() and transition() disagree")
        t = transition(status, event)
        if t.releases_capacity:
            assert holding, f"{event} released capacity that was not held"
            holding = False
        if t.holds_capacity:
            assert not holding, f"{event} took capacity twice"
            holding = True
        if event == "accept":
            agent = True
        elif not t.keeps_agent:
            agent = False
        status = t.to
        trace.append((status, event, agent, holding, t.reroute))
    return trace


@given(events)
def test_nothing_leaves_ended(sequence: list[str]) -> None:
    trace = run(sequence)
    ended = [i for i, (status, *_) in enumerate(trace) if status == "Ended"]
    if ended:
        assert len(trace) == ended[0] + 1  # no later event applied


@given(events)
def test_an_active_session_always_has_an_agent_and_holds_capacity(sequence: list[str]) -> None:
    for status, _, agent, holding, _ in run(sequence):
        if status == "Active":
            assert agent and holding
        else:
            assert not holding  # capacity is held only while Active


@given(events)
def test_capacity_is_released_exactly_once_per_acceptance(sequence: list[str]) -> None:
    accepted = released = 0
    status = "New"
    for event in sequence:
        if not allowed(status, event):
            continue
        t = transition(status, event)
        accepted += t.holds_capacity
        released += t.releases_capacity
        status = t.to
    assert released in (accepted, accepted - 1)
    assert (released == accepted - 1) == (status == "Active")


def test_a_customer_message_brings_an_inactive_session_back_to_the_queue() -> None:
    assert transition("Inactive", "customer_message").to == "Waiting"
    assert transition("Inactive", "customer_message").reroute
    assert transition("Inactive", "auto_end").to == "Ended"
