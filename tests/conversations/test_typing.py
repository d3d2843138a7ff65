"""Typing indicators (issue 12, defect 3): a client that sends one on every key press never loses
a message to the rate limit; the agent gets the first Started of a second at once, not the
repeats, and always the latest state within a second. And the other way (issue 16): the agent's
typing reaches the customer the same way, only from the agent who has the session."""

from __future__ import annotations

import httpx
from hypothesis import given
from hypothesis import strategies as st

from livedesk.conversations.typing import TypingGate, Verdict
from tests.helpers import (
    DEPLOYMENT,
    MIAW,
    Agent,
    Api,
    Event,
    agent_stream,
    customer_stream,
    entry_of,
)

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


# ------------------------------------------------------------------------------ the agent typing


async def agent_typing(api: Api, agent: Agent, session_id: str, typing: bool) -> httpx.Response:
    return await api.http.post(
        f"/api/v1/sessions/{session_id}/typing", json={"typing": typing}, headers=agent.headers
    )


def is_agent_typing(event: Event) -> bool:
    return event.event in (
        "CONVERSATION_TYPING_STARTED_INDICATOR",
        "CONVERSATION_TYPING_STOPPED_INDICATOR",
    )


async def test_the_customer_sees_the_agent_typing_once_a_second_then_stopping(live: Api) -> None:
    """Ten Started within one second of the fake clock: one reaches the customer, then the
    Stopped (held to the end of that second); nothing of it is stored."""
    customer, ada = await live.chatting()
    sid = customer.session_id or ""
    async with customer_stream(customer) as stream:
        for _ in range(10):
            assert (await agent_typing(live, ada, sid, True)).status_code == 204
        r = await agent_typing(live, ada, sid, False)
        assert r.status_code == 204 and r.content == b""
        started = await stream.until(is_agent_typing)
        stopped = await stream.until(is_agent_typing, timeout=3)
    assert started.event == "CONVERSATION_TYPING_STARTED_INDICATOR"
    assert stopped.event == "CONVERSATION_TYPING_STOPPED_INDICATOR"  # not a second Started
    for event, kind in ((started, STARTED), (stopped, STOPPED)):
        assert event.id is None  # ephemeral: never replayed
        assert event.data["conversationId"] == customer.conversation_id
        entry = entry_of(event)
        assert entry["entryType"] == kind and entry["entryPayload"]["entryType"] == kind
        assert entry["sender"]["role"] == "Agent"
        assert entry["sender"]["subject"] == ada.agent["id"]
        assert entry["senderDisplayName"] == "Ada Lovelace"
        assert entry["relatedRecords"] == [sid]
    history = await customer.history(direction="FromStart")
    types = {e["entryType"] for e in history.json()["conversationEntries"]}
    assert not types & {STARTED, STOPPED}


async def test_only_the_agent_who_has_the_session_may_type_in_it(api: Api) -> None:
    customer, ada = await api.chatting()
    sid = customer.session_id or ""
    grace, admin = await api.agent("grace"), await api.agent("admin")
    for _ in range(2):  # refused every time, not only when an indicator would go
        r = await agent_typing(api, grace, sid, True)  # not hers to read: as if it did not exist
        assert r.status_code == 404 and r.json()["code"] == "session_not_found", r.text
        r = await agent_typing(api, admin, sid, True)  # she reads it, it is not hers
        assert r.status_code == 403 and r.json()["code"] == "not_your_session", r.text
    r = await api.http.post(
        f"/api/v1/sessions/{sid}/typing", json={"typing": "maybe"}, headers=ada.headers
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"
    assert (await agent_typing(api, ada, sid, True)).status_code == 204


async def test_no_typing_in_an_ended_session(api: Api) -> None:
    customer, ada = await api.chatting()
    sid = customer.session_id or ""
    assert (await agent_typing(api, ada, sid, True)).status_code == 204
    assert (await ada.act(sid, actionType="endChat")).status_code == 200
    for typing in (True, False):  # the same second: refused all the same
        r = await agent_typing(api, ada, sid, typing)
        assert r.status_code == 409 and r.json()["code"] == "session_ended", r.text
    ended_by_customer, grace = await api.chatting("grace")
    r = await api.http.delete(
        f"{MIAW}/conversation/{ended_by_customer.conversation_id}/session",
        params={"esDeveloperName": DEPLOYMENT},
        headers=ended_by_customer.headers,
    )
    assert r.status_code == 204, r.text
    r = await agent_typing(api, grace, ended_by_customer.session_id or "", True)
    assert r.status_code == 409 and r.json()["code"] == "session_ended_by_end_user", r.text
