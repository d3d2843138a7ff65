"""Two server processes on one PostgreSQL database and one Redis: a stream on one process gets
what is said through the other (no sticky sessions needed)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import REDIS_URL
from tests.e2e.server import ServerProcess
from tests.helpers import Api, agent_stream, customer_stream, entry_of

pytestmark = pytest.mark.e2e


async def test_streams_follow_writes_made_through_another_process(
    tmp_path: Path, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("several processes is the PostgreSQL + Redis deployment")
    if REDIS_URL is None:
        pytest.skip("Redis: set LIVEDESK_TEST_REDIS_URL to run several processes")
    first, second = (
        ServerProcess(tmp_path / "a", database_url),
        ServerProcess(tmp_path / "b", database_url),
    )
    await first.start()
    await second.start()
    try:
        async with (
            httpx.AsyncClient(base_url=first.url, timeout=10) as a,
            httpx.AsyncClient(base_url=second.url, timeout=10) as b,
        ):
            customer, agent = await Api(a).chatting()
            async with customer_stream(customer) as cs:
                agent.api = Api(b)
                async with agent_stream(agent) as ags:
                    await customer.send("through A")
                    got = await ags.until(lambda e: e.event == "ConversationEntry")
                    assert (
                        got.data["entryPayload"]["abstractMessage"]["staticContent"]["text"]
                        == "through A"
                    )
                    r = await agent.act(
                        customer.session_id, actionType="sendMessage", message="through B"
                    )
                    assert r.status_code == 200
                    reply = await cs.until(
                        lambda e: (
                            e.event == "CONVERSATION_MESSAGE"
                            and entry_of(e)["sender"]["role"] == "Agent"
                        )
                    )
                    assert (
                        entry_of(reply)["entryPayload"]["abstractMessage"]["staticContent"]["text"]
                        == "through B"
                    )
    finally:
        first.stop()
        second.stop()
