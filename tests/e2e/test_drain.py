"""SIGTERM drains a process (issue 19): its open event streams end at once and cleanly (the last
chunk of their body, so their clients resume elsewhere), a request under way still gets its
answer, the process exits 0 well before its graceful timeout, and a server started in its place
gives each client, resumed with Last-Event-ID, exactly what it missed: a rolling restart loses
nothing. (Resuming after a kill -9: test_restart.py.) Once, on SQLite: the drain is per process."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import time
from pathlib import Path

import httpx
import pytest

from livedesk.kit.db import sqlite_url
from tests.e2e.server import ServerProcess
from tests.e2e.test_restart import message_text, sender_of
from tests.helpers import (
    DEPLOYMENT,
    MIAW,
    Api,
    Customer,
    Event,
    SseReader,
    agent_stream,
    customer_stream,
    uid,
)

pytestmark = pytest.mark.e2e
GRACEFUL_SECONDS = 10  # what a stream that is not drained would hold the shutdown for


@pytest.fixture
def database_url(tmp_path: Path, sqlite_template: Path) -> str:
    shutil.copy(sqlite_template, tmp_path / "livedesk.db")
    return sqlite_url(tmp_path)


def is_text(event: Event, text: str) -> bool:
    """A customer-stream message with this text (not a System one)."""
    return (
        event.event == "CONVERSATION_MESSAGE"
        and sender_of(event) != "System"
        and message_text(event) == text
    )


def agent_text(event: Event) -> str | None:
    """The text of a message entry on the agent's stream."""
    if event.event != "ConversationEntry":
        return None
    payload = event.data.get("entryPayload") or {}
    return (payload.get("abstractMessage") or {}).get("staticContent", {}).get("text")


async def ended(stream: SseReader) -> float:
    """Read the stream to its end; when it ended. Its end must be clean: the chunked body's last
    chunk (httpx raises RemoteProtocolError for a body cut off)."""
    try:
        while True:
            await stream.next(timeout=GRACEFUL_SECONDS + 5)
    except EOFError:
        return time.monotonic()


async def start_message(
    port: int, customer: Customer, text: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    """A customer's message request under way: its headers sent, and the server's app reading
    its body (it answered `Expect: 100-continue`); the body is sent later (the rest of it)."""
    body = json.dumps(
        {
            "message": {
                "id": uid(),
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": text},
            },
            "esDeveloperName": DEPLOYMENT,
        }
    ).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST {MIAW}/conversation/{customer.conversation_id}/message HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in customer.headers.items())
        + "\r\n"
    )
    writer.write(head.encode() + body[:10])
    await writer.drain()
    async with asyncio.timeout(5):
        continuing = await reader.readuntil(b"\r\n\r\n")
    assert continuing.startswith(b"HTTP/1.1 100"), continuing
    return reader, writer, body[10:]


async def refused(port: int) -> None:
    """Until the server takes no new connection (it has begun to shut down)."""
    async with asyncio.timeout(5):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                return
            writer.close()
            await asyncio.sleep(0.02)


async def test_sigterm_drains_and_a_rolling_restart_loses_nothing(
    tmp_path: Path, database_url: str
) -> None:
    server = ServerProcess(tmp_path, database_url)
    await server.start("--graceful-seconds", str(GRACEFUL_SECONDS))
    assert server.proc is not None
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            customer, agent = await Api(http).chatting()
            async with (
                customer_stream(customer, "0") as cs,
                agent_stream(agent, "0") as ags,
            ):
                assert (await customer.send("before")).status_code == 202
                customer_last = int((await cs.until(lambda e: is_text(e, "before"))).id or "")
                agent_last = int((await ags.until(lambda e: agent_text(e) == "before")).id or "")
                reader, writer, rest = await start_message(server.port, customer, "under way")

                signalled = time.monotonic()
                server.proc.send_signal(signal.SIGTERM)
                customer_end, agent_end = await asyncio.gather(ended(cs), ended(ags))

            # Streams end at once; the request under way finishes after the server stopped
            # taking connections (and after the streams ended).
            await refused(server.port)
            writer.write(rest)
            await writer.drain()
            async with asyncio.timeout(5):
                answer = await reader.read()  # to the end: the server closes the connection
            writer.close()
            code = await asyncio.to_thread(server.proc.wait, GRACEFUL_SECONDS + 5)
            exited = time.monotonic()
        output = server.proc.stdout.read().decode() if server.proc.stdout else ""
    finally:
        server.stop()
    assert answer.startswith(b"HTTP/1.1 202"), answer
    assert customer_end - signalled < 1.0, customer_end - signalled
    assert agent_end - signalled < 1.0, agent_end - signalled
    assert code == 0
    assert exited - signalled < 3.0, exited - signalled  # not the graceful timeout (10 s)
    assert "graceful shutdown exceeded" not in output and "Traceback" not in output, output

    # A server in its place, on the same data and port: each client resumes after the last
    # event it got and gets exactly what it missed, in order, none twice.
    restarted = ServerProcess(tmp_path, database_url, port=server.port)
    await restarted.start()
    try:
        async with httpx.AsyncClient(base_url=restarted.url, timeout=10) as http:
            customer.api = agent.api = Api(http)
            r = await agent.act(
                customer.session_id or "", actionType="sendMessage", message="after"
            )
            assert r.status_code == 200, r.text
            async with customer_stream(customer, str(customer_last)) as cs:
                customer_ids, customer_texts = [], []
                while "after" not in customer_texts:
                    event = await cs.next()
                    customer_ids.append(int(event.id or ""))
                    if event.event == "CONVERSATION_MESSAGE" and sender_of(event) != "System":
                        customer_texts.append(message_text(event))
            async with agent_stream(agent, str(agent_last)) as ags:
                agent_ids, agent_texts = [], []
                while "after" not in agent_texts:
                    event = await ags.next()
                    agent_ids.append(int(event.id or ""))
                    if (text := agent_text(event)) is not None:
                        agent_texts.append(text)
    finally:
        restarted.stop()
    assert customer_texts == ["under way", "after"]
    assert customer_ids == list(range(customer_last + 1, customer_last + 1 + len(customer_ids)))
    assert agent_texts == ["under way", "after"]
    assert agent_ids == list(range(agent_last + 1, agent_last + 1 + len(agent_ids)))
