"""Bot-to-human handoff (the Moveworks pattern of the seed "Live Agent - Salesforce"): a bot asks
for an agent on its user's behalf, waits for one (or gives up with a configurable message), shows
the greeting when the agent joins, relays both ways, and reports who closed.

    handoff = Handoff(client, HandoffSettings(timeout_seconds=120))
    await handoff.request("My laptop is broken", topic="IT", user_id="u-42")
    async for update in handoff.updates():
        if update.kind == "message": bot.show(update.text)
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from livedesk.client.sdk import ClientError, Event, LiveDeskClient

Kind = Literal["waiting", "timeout", "agent_joined", "message", "attachment", "closed"]


@dataclass(frozen=True)
class HandoffSettings:
    timeout_seconds: float = 120.0
    timeout_message: str = (
        "No agent is available right now. Please try again later; your request has been noted."
    )
    greeting: str = "{agent} has joined the conversation."


@dataclass(frozen=True)
class Update:
    kind: Kind
    text: str = ""
    agent: str | None = None
    url: str | None = None
    closed_by: Literal["agent", "user", "system"] | None = None
    attachments: list[dict[str, str]] = field(default_factory=list)


class Handoff:
    def __init__(self, client: LiveDeskClient, settings: HandoffSettings | None = None) -> None:
        self.client = client
        self.settings = settings or HandoffSettings()
        self.conversation_id: str | None = None
        self._closed_by_user = False

    async def request(self, description: str, *, topic: str, user_id: str) -> str:
        """Ask for an agent: the description, topic and user id go as routing attributes."""
        self.conversation_id = await self.client.create_conversation(
            {"Topic": topic, "UserId": user_id, "Description": description[:1000]}
        )
        await self.client.send_message(self.conversation_id, description)
        return self.conversation_id

    async def say(self, text: str) -> None:
        await self.client.send_message(self._conversation(), text)

    async def send_file(self, path: Path, text: str | None = None) -> None:
        await self.client.send_file(self._conversation(), path, text)

    async def close(self) -> None:
        """The user (or the bot for them) ends the chat."""
        self._closed_by_user = True
        with contextlib.suppress(ClientError):
            await self.client.end_session(self._conversation())

    async def updates(self) -> AsyncIterator[Update]:
        """What happens, until the chat is closed (by anyone) or nobody came in time."""
        yield Update("waiting")
        joined = False
        events = self.client.events()
        try:
            while True:
                try:
                    timeout = None if joined else self.settings.timeout_seconds
                    event = await asyncio.wait_for(anext(events), timeout)
                except TimeoutError:
                    yield Update("timeout", self.settings.timeout_message)
                    with contextlib.suppress(ClientError):
                        await self.client.end_session(self._conversation())
                    yield Update("closed", closed_by="system")
                    return
                update = self._translate(event, joined)
                if update is None:
                    continue
                joined = joined or update.kind == "agent_joined"
                yield update
                if update.kind == "closed":
                    return
        finally:
            await events.aclose()

    def _translate(self, event: Event, joined: bool) -> Update | None:
        entry = event.entry
        if entry is None or event.data.get("conversationId") != self.conversation_id:
            return None
        payload = entry["entryPayload"]
        role = entry["sender"]["role"]
        if entry["entryType"] == "ParticipantChanged":
            for change in payload.get("entries", []):
                participant = change.get("participant", {})
                if change.get("operation") == "add" and participant.get("role") == "Agent":
                    name = change.get("displayName") or participant.get("subject", "An agent")
                    return Update(
                        "agent_joined", self.settings.greeting.format(agent=name), agent=name
                    )
            return None
        if entry["entryType"] == "SessionStatusChanged" and payload.get("sessionStatus") == "Ended":
            by = payload.get("sessionEndedByRole")
            closed_by: Literal["agent", "user", "system"] = (
                "user"
                if by == "EndUser" or self._closed_by_user
                else "agent"
                if by == "Agent"
                else "system"
            )
            return Update("closed", closed_by=closed_by)
        if entry["entryType"] != "Message" or role not in ("Agent", "System") or not joined:
            return None
        content = (payload.get("abstractMessage") or {}).get("staticContent") or {}
        files = content.get("attachments") or []
        if files:
            return Update(
                "attachment",
                content.get("text") or "",
                agent=entry.get("senderDisplayName"),
                attachments=[{"name": f["name"], "url": f["url"]} for f in files],
            )
        return Update("message", content.get("text") or "", agent=entry.get("senderDisplayName"))

    def _conversation(self) -> str:
        if self.conversation_id is None:
            raise RuntimeError("call request() first")
        return self.conversation_id
