"""The live-agent handoff helper end to end: accepted, timed out, closed by the agent, closed by
the user, attachments both ways, and a dropped connection that loses and repeats nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from livedesk.client import LiveDeskClient
from livedesk.client.handoff import Handoff, HandoffSettings, Update
from tests.helpers import Agent, Api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64


async def bot(live_url: str, timeout: float = 20) -> tuple[LiveDeskClient, Handoff]:
    client = LiveDeskClient(
        live_url, org_id="00DLD0000000001", deployment="Web_Chat", max_backoff=0.2
    )
    await client.guest_token()
    return client, Handoff(client, HandoffSettings(timeout_seconds=timeout))


async def next_update(updates: AsyncIterator[Update], kind: str) -> Update:
    async with asyncio.timeout(20):
        async for update in updates:
            if update.kind == kind:
                return update
    raise AssertionError(f"no {kind}")


async def agent_takes(api: Api, agent: Agent) -> str:
    """The agent comes online; routing has offered it the waiting session when that returns."""
    await agent.presence("Online")
    [offer] = await agent.work("Assigned")
    await agent.answer(offer["workId"])
    return str(offer["sessionId"])


async def test_accepted_greeting_messages_files_and_agent_closes(
    live: Api, live_url: str, tmp_path: Path
) -> None:
    client, handoff = await bot(live_url)
    await handoff.request("My laptop is broken", topic="General", user_id="u-42")
    updates = handoff.updates()
    assert (await anext(updates)).kind == "waiting"
    ada = await live.agent("ada")
    session = await agent_takes(live, ada)
    joined = await next_update(updates, "agent_joined")
    assert joined.text == "Ada Lovelace has joined the conversation."
    await ada.act(session, actionType="sendMessage", message="See https://help.example/reset")
    message = await next_update(updates, "message")
    assert message.text == "See https://help.example/reset" and message.agent == "Ada Lovelace"
    picture = tmp_path / "screen.png"
    picture.write_bytes(PNG)
    await handoff.send_file(picture, "the error")
    await handoff.say("thanks")
    r = await live.http.post(
        f"/api/v1/sessions/{session}/files",
        files={"file": ("guide.pdf", PDF, "application/pdf")},
        headers=ada.headers,
    )
    assert r.status_code == 202
    attachment = await next_update(updates, "attachment")
    assert attachment.attachments[0]["name"] == "guide.pdf"
    assert await client.download(attachment.attachments[0]["url"]) == PDF
    transcript = (await live.http.get(f"/api/v1/sessions/{session}", headers=ada.headers)).json()
    names = [
        a["name"]
        for e in transcript["transcript"]
        if e["entryType"] == "Message"
        for a in e["entryPayload"]["abstractMessage"]["staticContent"].get("attachments", [])
    ]
    assert "screen.png" in names
    await ada.act(session, actionType="endChat")
    closed = await next_update(updates, "closed")
    assert closed.closed_by == "agent"
    await client.close()


async def test_nobody_comes_in_time(live: Api, live_url: str) -> None:
    client, handoff = await bot(live_url, timeout=0.5)
    await handoff.request("Anyone?", topic="General", user_id="u-1")
    updates = [u async for u in handoff.updates()]
    assert [u.kind for u in updates] == ["waiting", "timeout", "closed"]
    assert updates[1].text.startswith("No agent is available")
    assert updates[2].closed_by == "system"
    status = await client.routing_status(handoff.conversation_id or "")
    assert status["sessionStatus"] == "Ended"
    await client.close()


async def test_the_user_closes_and_a_dropped_connection_loses_nothing(
    live: Api, live_url: str
) -> None:
    client, handoff = await bot(live_url)
    await handoff.request("Help", topic="General", user_id="u-2")
    updates = handoff.updates()
    ada = await live.agent("ada")
    session = await agent_takes(live, ada)
    await next_update(updates, "agent_joined")
    seen: list[str] = []
    for i in range(2):
        await ada.act(session, actionType="sendMessage", message=f"a{i}")
        seen.append((await next_update(updates, "message")).text)
    transport = client._http._transport
    await transport.aclose()  # the connection drops
    client._http._transport = type(transport)()
    for i in range(2, 4):
        await ada.act(session, actionType="sendMessage", message=f"a{i}")
    for _ in range(2):
        seen.append((await next_update(updates, "message")).text)
    assert seen == ["a0", "a1", "a2", "a3"]
    await handoff.close()
    closed = await next_update(updates, "closed")
    assert closed.closed_by == "user"
    await client.close()
