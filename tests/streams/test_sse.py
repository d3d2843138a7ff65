"""SSE over a real server: MIAW envelope, echo, agent delivery, resume without gap or duplicate,
isolation between end users, revocation."""

from __future__ import annotations

import asyncio
import json

import httpx

from tests.helpers import (
    MIAW,
    ORG,
    Api,
    Event,
    agent_stream,
    customer_stream,
    entry_of,
    open_stream,
    uid,
)


def is_message(event: Event) -> bool:
    """A message from a person (auto-responses come from System)."""
    return (
        event.event == "CONVERSATION_MESSAGE"
        and event.data["conversationEntry"]["sender"]["role"] != "System"
    )


def text_of(event: Event) -> str:
    return entry_of(event)["entryPayload"]["abstractMessage"]["staticContent"]["text"]


async def test_customer_stream_echoes_own_messages_in_the_miaw_envelope(live: Api) -> None:
    customer = await live.customer()
    await customer.create_conversation()
    async with customer_stream(customer) as stream:
        message_id = uid()
        assert (await customer.send("hello", message_id)).status_code == 202
        event = await stream.until(is_message)
    assert event.id is not None and int(event.id) > 0
    data = event.data
    assert data["channelType"] == "embedded_messaging"
    assert data["conversationId"] == customer.conversation_id
    entry = data["conversationEntry"]
    assert isinstance(entry["entryPayload"], str)  # MIAW sends the payload as a JSON string
    payload = json.loads(entry["entryPayload"])
    assert entry["identifier"] == message_id == payload["abstractMessage"]["id"]
    assert entry["sender"]["role"] == "EndUser" and entry["sender"]["subject"] == customer.subject
    assert entry["entryType"] == "Message" and entry["transcriptedTimestamp"] > 0


async def test_agent_joins_and_messages_flow_both_ways(live: Api) -> None:
    customer = await live.customer()
    await customer.create_conversation()
    agent = await live.agent("grace")
    async with customer_stream(customer) as cs, agent_stream(agent) as ags:
        assert (await agent.accept(customer.session_id)).status_code == 200
        joined = await cs.until(lambda e: e.event == "CONVERSATION_PARTICIPANT_CHANGED")
        participant = entry_of(joined)["entryPayload"]["entries"][0]
        assert participant["operation"] == "add" and participant["displayName"] == "Grace Hopper"
        await ags.until(lambda e: e.event == "WorkAccepted")
        await customer.send("question")
        got = await ags.until(
            lambda e: e.event == "ConversationEntry" and e.data["entryType"] == "Message"
        )
        assert got.data["sessionId"] == customer.session_id
        assert got.data["entryPayload"]["abstractMessage"]["staticContent"]["text"] == "question"
        await agent.act(customer.session_id, actionType="sendMessage", message="answer")
        reply = await cs.until(lambda e: is_message(e) and entry_of(e)["sender"]["role"] == "Agent")
        assert text_of(reply) == "answer"
        await agent.act(customer.session_id, actionType="endChat")
        ended = await cs.until(
            lambda e: (
                e.event == "CONVERSATION_SESSION_STATUS_CHANGED"
                and entry_of(e)["entryPayload"]["sessionStatus"] == "Ended"
            )
        )
        assert entry_of(ended)["entryPayload"]["sessionEndedByRole"] == "Agent"
        status = await ags.until(lambda e: e.event == "SessionStatusChanged")
        assert status.data == {
            "sessionId": customer.session_id,
            "conversationId": customer.conversation_id,
            "status": "Ended",
            "endedByRole": "Agent",
            "reason": None,
        }


async def test_typing_reaches_the_agent_without_an_id(live: Api) -> None:
    customer, agent = await live.chatting()
    async with agent_stream(agent) as ags:
        r = await live.http.post(
            f"{MIAW}/conversation/{customer.conversation_id}/entry",
            json={"entryType": "TypingStartedIndicator", "id": uid()},
            headers=customer.headers,
        )
        assert r.status_code == 202
        event = await ags.until(
            lambda e: e.data and e.data.get("entryType") == "TypingStartedIndicator"
        )
        assert event.id is None  # ephemeral: never replayed


async def test_a_stream_without_last_event_id_starts_with_new_events_only(live: Api) -> None:
    customer = await live.customer()
    await customer.create_conversation()
    await customer.send("before")
    async with customer_stream(customer) as stream:
        await customer.send("after")
        event = await stream.until(is_message)
        assert text_of(event) == "after"


async def test_resume_after_disconnect_has_no_gap_and_no_duplicate(live: Api) -> None:
    customer, agent = await live.chatting()
    received: list[str] = []
    async with customer_stream(customer, customer.last_event_id) as stream:
        for i in range(5):
            await customer.send(f"m{i}")
        last = None
        while len(received) < 5:
            event = await stream.until(is_message)
            received.append(text_of(event))
            last = event.id
    # While disconnected, both sides keep talking.
    for i in range(5, 10):
        await customer.send(f"m{i}")
        await agent.act(customer.session_id, actionType="sendMessage", message=f"a{i}")
    async with customer_stream(customer, last) as stream:
        await customer.send("m10")
        ids = []
        while len(received) < 16:
            event = await stream.until(is_message)
            received.append(text_of(event))
            ids.append(int(event.id))
    expected = [f"m{i}" for i in range(5)]
    for i in range(5, 10):
        expected += [f"m{i}", f"a{i}"]
    assert received == [*expected, "m10"]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


async def test_resume_from_zero_replays_everything_in_order(live: Api) -> None:
    customer, _ = await live.chatting()
    for i in range(3):
        await customer.send(f"m{i}")
    async with customer_stream(customer, "0") as stream:
        names = []
        while (
            "CONVERSATION_MESSAGE" not in names
            or len([n for n in names if n == "CONVERSATION_MESSAGE"]) < 3
        ):
            names.append((await stream.next()).event)
    assert names[0] == "CONVERSATION_ROUTING_RESULT"
    assert "CONVERSATION_PARTICIPANT_CHANGED" in names


async def test_agent_stream_resumes_too(live: Api) -> None:
    customer, agent = await live.chatting()
    async with agent_stream(agent) as ags:
        await customer.send("one")
        first = await ags.until(lambda e: e.event == "ConversationEntry")
    await customer.send("two")
    await customer.send("three")
    async with agent_stream(agent, first.id) as ags:
        got = [(await ags.until(lambda e: e.event == "ConversationEntry")).data for _ in range(2)]
    assert [g["entryPayload"]["abstractMessage"]["staticContent"]["text"] for g in got] == [
        "two",
        "three",
    ]


async def test_streams_never_carry_another_end_users_events(live: Api) -> None:
    alice = await live.customer()
    await alice.create_conversation()
    bob = await live.customer()
    await bob.create_conversation()
    async with customer_stream(bob, "0") as bob_stream:
        await alice.send("secret of alice")
        await bob.send("bob here")
        seen = []
        while True:
            event = await bob_stream.next()
            seen.append(event)
            if is_message(event):
                break
    assert all(e.data["conversationId"] == bob.conversation_id for e in seen)
    assert text_of(seen[-1]) == "bob here"


async def test_revoking_the_token_closes_its_open_stream(live: Api) -> None:
    customer = await live.customer()
    async with customer_stream(customer) as stream:
        r = await live.http.delete(f"{MIAW}/authorization/token", headers=customer.headers)
        assert r.status_code == 204
        try:
            async with asyncio.timeout(5):
                while True:
                    await stream.next()
        except EOFError:
            pass
        except httpx.RemoteProtocolError:
            pass


async def test_stream_refusals(live: Api) -> None:
    customer = await live.customer()
    r = await live.http.get("/eventrouter/v1/sse", headers={"Accept": "text/event-stream"})
    assert r.status_code == 401 and r.json()["code"] == "missing_token"
    r = await live.http.get(
        "/eventrouter/v1/sse", headers={**customer.headers, "Last-Event-Id": "abc"}
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_last_event_id"
    r = await live.http.get(
        "/eventrouter/v1/sse", headers={**customer.headers, "X-Org-Id": "00DXX0000000009"}
    )
    assert r.status_code == 403


async def test_cors_on_streams_errors_and_preflight(live: Api) -> None:
    origin = "http://127.0.0.1:8080"
    customer = await live.customer()
    pre = await live.http.options(
        "/eventrouter/v1/sse",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization,last-event-id,x-org-id",
        },
    )
    assert pre.status_code == 204
    assert pre.headers["access-control-allow-origin"] == origin
    for name in ("Authorization", "Content-Type", "X-Org-Id", "Last-Event-Id", "Cache-Control"):
        assert name in pre.headers["access-control-allow-headers"]
    assert "DELETE" in pre.headers["access-control-allow-methods"]
    error = await live.http.get(f"{MIAW}/conversation/list", headers={"Origin": origin})
    assert error.status_code == 401 and error.headers["access-control-allow-origin"] == origin
    async with open_stream(
        live.http, "/eventrouter/v1/sse", {**customer.headers, "Origin": origin}
    ) as s:
        assert s.response.headers["access-control-allow-origin"] == origin
    denied = await live.http.options(
        "/eventrouter/v1/sse",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert denied.status_code == 403 and "access-control-allow-origin" not in denied.headers
    other = await live.http.get("/healthz", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    assert ORG  # the demo org's deployment is what allows the origin
