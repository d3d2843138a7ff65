"""Typing indicators (issue 12, defect 3): a client that sends one on every key press never loses
a message to the rate limit; the agent gets the first Started of a second at once, not the
repeats, and always the latest state within a second."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from livedesk.conversations.typing import TypingGate, Verdict
from tests.helpers import MIAW, Api, Event, agent_stream

STARTED, STOPPED = "TypingStartedIndicator", "TypingStoppedIndicator"


def is_typing(event: Event) -> bool:
    return event.event == "ConversationEntry" and event.data.get("entryType") in (
        STARTED,
        STOPPED,
    )


async def test_sixty_key_presses_then_a_message_within_a_second(live: Api) -> None:
    """The live server runs on the tests' fake clock: all of this happens within one second."""
    customer, ada = await live.chatting()
    url = f"{MIAW}/conversation/{customer.conversation_id}/entry"
    async with agent_stream(ada) as stream:
        for _ in range(60):
            r = await live.http.post(url, json={"entryType": STARTED}, headers=customer.headers)
            assert r.status_code == 202, r.text
        sent = await customer.send("I need a loan")
        assert sent.status_code == 202, sent.text  # not a 429
        first = await stream.next()
        assert is_typing(first) and first.data["entryType"] == STARTED
        second = await stream.next()
        assert not is_typing(second)  # the 59 repeats were dropped
        assert second.data["entryPayload"]["abstractMessage"]["staticContent"]["text"] == (
            "I need a loan"
        )
        r = await live.http.post(url, json={"entryType": STOPPED}, headers=customer.headers)
        assert r.status_code == 202  # held until the second is over, then delivered
        third = await stream.next(timeout=3)
        assert is_typing(third) and third.data["entryType"] == STOPPED


async def test_typing_in_someone_elses_conversation_is_not_found(api: Api) -> None:
    customer, _ = await api.chatting()
    stranger = await api.waiting_customer()
    for _ in range(2):  # not once, and not remembered as if forwarded
        r = await api.http.post(
            f"{MIAW}/conversation/{customer.conversation_id}/entry",
            json={"entryType": STARTED},
            headers=stranger.headers,
        )
        assert r.status_code == 404, r.text


def test_the_first_of_a_window_goes_repeats_drop_a_change_is_held() -> None:
    gate = TypingGate(window=1.0)
    assert gate.offer("k", STARTED, 0.0) is Verdict.FORWARD
    assert gate.offer("k", STARTED, 0.1) is Verdict.DROP
    assert gate.offer("k", STOPPED, 0.2) is Verdict.HOLD
    assert gate.flush_at("k") == 1.0
    assert gate.offer("k", STOPPED, 0.3) is Verdict.DROP  # already held
    assert gate.offer("other", STARTED, 0.3) is Verdict.FORWARD  # per key
    assert gate.flush("k", 1.0) == STOPPED
    assert gate.offer("k", STOPPED, 2.5) is Verdict.FORWARD  # a new second
    assert gate.offer("k", STARTED, 2.6) is Verdict.HOLD
    assert gate.offer("k", STOPPED, 2.7) is Verdict.DROP  # back to what the agent sees
    assert gate.flush("k", 3.5) is None


@given(
    st.lists(
        st.tuples(st.sampled_from([STARTED, STOPPED]), st.floats(0, 2.5)),
        min_size=1,
        max_size=60,
    )
)
def test_the_agent_ends_with_the_latest_state_and_at_most_two_a_window(
    presses: list[tuple[str, float]],
) -> None:
    """Run the gate's verdicts with their flushes at the times they are due: the last state the
    agent got is the customer's last, and no window of one second carries more than two."""
    gate = TypingGate(window=1.0)
    now, due = 0.0, None
    seen: list[tuple[float, str]] = []
    for kind, gap in presses:
        now += gap
        if due is not None and due <= now:
            flushed = gate.flush("k", due)
            if flushed is not None:
                seen.append((due, flushed))
            due = None
        verdict = gate.offer("k", kind, now)
        if verdict is Verdict.FORWARD:
            seen.append((now, kind))
        elif verdict is Verdict.HOLD:
            due = gate.flush_at("k")
    if due is not None:
        flushed = gate.flush("k", due)
        if flushed is not None:
            seen.append((due, flushed))
    assert seen[-1][1] == presses[-1][0]
    for start, _ in seen:
        assert sum(1 for t, _ in seen if start <= t < start + 1.0) <= 2
