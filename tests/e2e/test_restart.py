"""Resume across a server restart (and a kill -9): no gap, no duplicate."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.helpers import Api, Event, customer_stream, entry_of

pytestmark = pytest.mark.e2e


def sender_of(event: Event) -> str:
    return str(event.data["conversationEntry"]["sender"]["role"])


def message_text(event: Event) -> str:
    return str(entry_of(event)["entryPayload"]["abstractMessage"]["staticContent"]["text"])


async def test_resume_after_kill_and_restart(tmp_path: Path, database_url: str) -> None:
    server = ServerProcess(tmp_path, database_url)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            api = Api(http)
            customer, agent = await api.chatting()
            async with customer_stream(customer, "0") as stream:
                for i in range(3):
                    await customer.send(f"before {i}")
                seen = []
                while len(seen) < 3:
                    event = await stream.next()
                    if event.event == "CONVERSATION_MESSAGE" and sender_of(event) != "System":
                        seen.append(message_text(event))
                last_id = int(event.id)
            await agent.act(customer.session_id, actionType="sendMessage", message="while away 1")
            await customer.send("while away 2")
        server.kill()
        await server.start()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            customer.api = agent.api = Api(http)
            await agent.act(customer.session_id, actionType="sendMessage", message="after restart")
            async with customer_stream(customer, str(last_id)) as stream:
                ids, texts = [], []
                while len(texts) < 3:
                    event = await stream.next()
                    ids.append(int(event.id))
                    if event.event == "CONVERSATION_MESSAGE" and sender_of(event) != "System":
                        texts.append(message_text(event))
        assert seen == ["before 0", "before 1", "before 2"]
        assert texts == ["while away 1", "while away 2", "after restart"]
        assert ids == list(range(last_id + 1, last_id + 1 + len(ids)))  # contiguous: no gap
    finally:
        server.stop()
