"""A small test client for the customer and agent APIs, and an SSE reader."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

ORG = "00DLD0000000001"
DEPLOYMENT = "Web_Chat"
MIAW = "/iamessage/api/v2"


def uid() -> str:
    return str(uuid.uuid4())


@dataclass
class Customer:
    api: Api
    token: str
    subject: str
    last_event_id: str
    conversation_id: str | None = None
    session_id: str | None = None
    configuration: dict[str, Any] = field(default_factory=dict)  # the embeddedServiceConfig
    org_id: str = ORG

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Org-Id": self.org_id}

    async def create_conversation(self, **extra: Any) -> httpx.Response:
        self.conversation_id = extra.pop("conversationId", None) or uid()
        r = await self.api.http.post(
            f"{MIAW}/conversation",
            json={"conversationId": self.conversation_id, "esDeveloperName": DEPLOYMENT, **extra},
            headers=self.headers,
        )
        if r.status_code == 201:
            self.session_id = r.json()["sessionId"]
        return r

    async def send(self, text: str, message_id: str | None = None, **extra: Any) -> httpx.Response:
        body = {
            "message": {
                "id": message_id or uid(),
                "messageType": "StaticContentMessage",
                "staticContent": {"formatType": "Text", "text": text},
            },
            "esDeveloperName": DEPLOYMENT,
            **extra,
        }
        return await self.api.http.post(
            f"{MIAW}/conversation/{self.conversation_id}/message", json=body, headers=self.headers
        )

    async def history(self, **params: Any) -> httpx.Response:
        return await self.api.http.get(
            f"{MIAW}/conversation/{self.conversation_id}/entries",
            params=params,
            headers=self.headers,
        )


@dataclass
class Agent:
    api: Api
    token: str
    agent: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def accept(self, session_id: str) -> httpx.Response:
        return await self.api.http.post(
            f"/api/v1/sessions/{session_id}/accept", headers=self.headers
        )

    async def presence(self, status: str) -> None:
        r = await self.api.http.put(
            "/api/v1/me/presence", json={"status": status}, headers=self.headers
        )
        assert r.status_code == 200, r.text

    async def work(self, status: str | None = None) -> list[dict[str, Any]]:
        r = await self.api.http.get("/api/v1/work", headers=self.headers)
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["work"]
        return [w for w in items if status is None or w["status"] == status]

    async def answer(self, work_id: str, verb: str = "accept") -> httpx.Response:
        return await self.api.http.post(f"/api/v1/work/{work_id}/{verb}", headers=self.headers)

    async def link_case(self, session_id: str) -> str:
        """A new Case from the session's pre-chat, linked to the session; its id."""
        r = await self.api.http.post(f"/api/v1/sessions/{session_id}/case", headers=self.headers)
        assert r.status_code == 200, r.text
        return str(r.json()["caseId"])

    async def act(self, session_id: str, **body: Any) -> httpx.Response:
        return await self.api.http.post(
            f"/api/v1/sessions/{session_id}/actions", json=body, headers=self.headers
        )


@dataclass
class Api:
    http: httpx.AsyncClient

    async def customer(self, deployment: str = DEPLOYMENT, org_id: str = ORG) -> Customer:
        r = await self.http.post(
            f"{MIAW}/authorization/unauthenticated/access-token",
            json={
                "orgId": org_id,
                "esDeveloperName": deployment,
                "capabilitiesVersion": "1",
                "platform": "Web",
            },
        )
        assert r.status_code == 200, r.text
        body = r.json()
        return Customer(
            self,
            body["accessToken"],
            body["context"]["endUser"]["subject"],
            body["lastEventId"],
            configuration=body["context"]["configuration"]["embeddedServiceConfig"],
            org_id=org_id,
        )

    async def agent(
        self, username: str = "ada", password: str = "demo", org_id: str | None = None
    ) -> Agent:
        login = {"username": username, "password": password}
        r = await self.http.post(
            "/api/v1/auth/login", json=login | ({"orgId": org_id} if org_id else {})
        )
        assert r.status_code == 200, r.text
        return Agent(self, r.json()["accessToken"], r.json()["agent"])

    async def waiting_customer(self, **conversation: Any) -> Customer:
        customer = await self.customer()
        r = await customer.create_conversation(**conversation)
        assert r.status_code == 201, r.text
        return customer

    async def chatting(self, agent_name: str = "ada") -> tuple[Customer, Agent]:
        """A customer in a conversation that `agent_name` has accepted."""
        customer = await self.customer()
        assert (await customer.create_conversation()).status_code == 201
        agent = await self.agent(agent_name)
        assert customer.session_id is not None
        r = await agent.accept(customer.session_id)
        assert r.status_code == 200, r.text
        return customer, agent


@dataclass
class Event:
    id: str | None
    event: str
    data: Any


@dataclass
class SseReader:
    """Reads frames from an open SSE response; `next()` waits with a timeout, never sleeps."""

    response: httpx.Response
    _lines: AsyncIterator[str] = field(init=False)

    def __post_init__(self) -> None:
        self._lines = self.response.aiter_lines()

    async def next(self, timeout: float = 5.0, skip_ping: bool = True) -> Event:
        async with asyncio.timeout(timeout):
            while True:
                event = await self._read_frame()
                if event is not None and not (skip_ping and event.event == "ping"):
                    return event

    async def _read_frame(self) -> Event | None:
        event_id: str | None = None
        name = "message"
        data: list[str] = []
        async for line in self._lines:
            if line == "":
                if not data and event_id is None:
                    return None  # a comment-only frame
                return Event(event_id, name, json.loads("\n".join(data)) if data else None)
            if line.startswith(":"):
                continue
            key, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if key == "id":
                event_id = value
            elif key == "event":
                name = value
            elif key == "data":
                data.append(value)
        raise EOFError("the stream ended")

    async def until(self, predicate: Any, timeout: float = 5.0) -> Event:
        async with asyncio.timeout(timeout):
            while True:
                event = await self.next(timeout)
                if predicate(event):
                    return event


@asynccontextmanager
async def open_stream(
    http: httpx.AsyncClient, path: str, headers: dict[str, str], last_event_id: str | None = None
) -> AsyncIterator[SseReader]:
    h = {**headers, "Accept": "text/event-stream"}
    if last_event_id is not None:
        h["Last-Event-Id"] = last_event_id
    async with http.stream("GET", path, headers=h) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        yield SseReader(response)


def customer_stream(c: Customer, last_event_id: str | None = None) -> Any:
    return open_stream(c.api.http, "/eventrouter/v1/sse", c.headers, last_event_id)


def agent_stream(a: Agent, last_event_id: str | None = None) -> Any:
    return open_stream(a.api.http, "/api/v1/agent/stream", a.headers, last_event_id)


def entry_of(event: Event) -> dict[str, Any]:
    """The conversation entry in a customer event, with its payload decoded."""
    entry = dict(event.data["conversationEntry"])
    entry["entryPayload"] = json.loads(entry["entryPayload"])
    return entry
