"""The SDK against a real server: the customer calls, and an event iterator that survives a
dropped connection without losing or repeating a message."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from livedesk.client import ClientError, LiveDeskClient
from tests.helpers import Api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_the_customer_calls(live: Api, live_url: str, tmp_path: Path) -> None:
    async with LiveDeskClient(live_url, org_id="00DLD0000000001", deployment="Web_Chat") as client:
        await client.guest_token()
        conversation = await client.create_conversation({"_firstName": "Lin", "Topic": "Loans"})
        status = await client.routing_status(conversation)
        assert status["queue"] == "Loans" and status["sessionStatus"] == "Waiting"
        message_id = await client.send_message(conversation, "hello")
        assert await client.send_message(conversation, "hello", message_id=message_id) == message_id
        picture = tmp_path / "p.png"
        picture.write_bytes(PNG)
        await client.send_file(conversation, picture, "a picture")
        entries = await client.history(conversation, direction="FromStart")
        texts = [
            e["entryPayload"]["abstractMessage"]["staticContent"].get("text")
            for e in entries
            if e["entryType"] == "Message" and e["sender"]["role"] == "EndUser"
        ]
        assert texts == ["hello", "a picture"]
        url = entries[-1]["entryPayload"]["abstractMessage"]["staticContent"]["attachments"][0][
            "url"
        ]
        assert await client.download(url) == PNG
        await client.typing(conversation)
        await client.acknowledge(conversation, message_id)
        assert (await client.conversations())["openConversationsFound"] == 1
        await client.end_session(conversation)
        await client.close_conversation(conversation)
        with pytest.raises(ClientError) as info:
            await client.send_message(conversation, "late")
        assert info.value.status == 409 and info.value.code == "conversation_closed"


async def test_events_resume_after_a_dropped_connection(live: Api, live_url: str) -> None:
    async with LiveDeskClient(
        live_url, org_id="00DLD0000000001", deployment="Web_Chat", max_backoff=0.2
    ) as client:
        await client.guest_token()
        conversation = await client.create_conversation()
        agent = await live.agent("ada")
        await agent.accept((await client.routing_status(conversation))["sessionId"])
        session = (await client.routing_status(conversation))["sessionId"]
        received: list[str] = []
        three = asyncio.Event()

        async def listen() -> None:
            async for event in client.events():
                entry = event.entry
                if entry and entry["entryType"] == "Message" and entry["sender"]["role"] == "Agent":
                    received.append(event.text or "")
                    if len(received) == 3:
                        three.set()
                    if len(received) == 6:
                        return

        listener = asyncio.create_task(listen())
        for i in range(3):
            await agent.act(session, actionType="sendMessage", message=f"m{i}")
        await asyncio.wait_for(three.wait(), 20)
        # drop every open connection of the client: the iterator must reconnect and resume
        transport = client._http._transport
        await transport.aclose()
        client._http._transport = type(transport)()
        for i in range(3, 6):
            await agent.act(session, actionType="sendMessage", message=f"m{i}")
        await asyncio.wait_for(listener, 20)
        assert received == [f"m{i}" for i in range(6)]
