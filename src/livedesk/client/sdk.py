"""The SDK: every customer call, and an event iterator that reconnects with backoff and resumes
from the last event id, so nothing is lost and nothing is seen twice."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import aconnect_sse

MIAW = "/iamessage/api/v2"


class ClientError(Exception):
    """An answer the server refused; `code` is its stable error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Event:
    id: str | None
    type: str
    data: dict[str, Any]

    @property
    def entry(self) -> dict[str, Any] | None:
        """The conversation entry of a CONVERSATION_* event, with its payload decoded."""
        entry = self.data.get("conversationEntry")
        if not isinstance(entry, dict):
            return None
        payload = entry.get("entryPayload")
        return {
            **entry,
            "entryPayload": json.loads(payload) if isinstance(payload, str) else payload,
        }

    @property
    def text(self) -> str | None:
        entry = self.entry
        if entry is None:
            return None
        content = (entry["entryPayload"].get("abstractMessage") or {}).get("staticContent") or {}
        return content.get("text")


class LiveDeskClient:
    def __init__(
        self,
        base_url: str,
        *,
        org_id: str,
        deployment: str,
        http: httpx.AsyncClient | None = None,
        max_backoff: float = 10.0,
    ) -> None:
        self.org_id = org_id
        self.deployment = deployment
        self._http = http or httpx.AsyncClient(base_url=base_url, timeout=30)
        self._owns_http = http is None
        self.token: str | None = None
        self.subject: str | None = None
        self.last_event_id: str = "0"
        self.max_backoff = max_backoff

    async def __aenter__(self) -> LiveDeskClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # ------------------------------------------------------------------ tokens

    async def guest_token(self, device_id: str | None = None) -> dict[str, Any]:
        return self._took(
            await self._call(
                "POST",
                "/authorization/unauthenticated/access-token",
                json=self._token_body(device_id),
                auth=False,
            )
        )

    async def verified_token(
        self, identity_token: str, device_id: str | None = None
    ) -> dict[str, Any]:
        body = {
            **self._token_body(device_id),
            "authorizationType": "JWT",
            "customerIdentityToken": identity_token,
        }
        return self._took(
            await self._call(
                "POST", "/authorization/authenticated/access-token", json=body, auth=False
            )
        )

    async def continue_token(self) -> dict[str, Any]:
        body: dict[str, Any] = await self._call("GET", "/authorization/continuation-access-token")
        self.token = body["accessToken"]
        return body

    async def revoke_token(self) -> None:
        await self._call("DELETE", "/authorization/token")

    def _token_body(self, device_id: str | None) -> dict[str, Any]:
        return {
            "orgId": self.org_id,
            "esDeveloperName": self.deployment,
            "capabilitiesVersion": "1",
            "platform": "Web",
            "deviceId": device_id,
        }

    def _took(self, body: dict[str, Any]) -> dict[str, Any]:
        self.token = body["accessToken"]
        self.subject = body["context"]["endUser"]["subject"]
        self.last_event_id = body.get("lastEventId") or "0"
        return body

    # ------------------------------------------------------------------ conversations

    async def create_conversation(
        self, routing_attributes: dict[str, Any] | None = None, conversation_id: str | None = None
    ) -> str:
        conversation_id = conversation_id or str(uuid.uuid4())
        await self._call(
            "POST",
            "/conversation",
            json={
                "conversationId": conversation_id,
                "esDeveloperName": self.deployment,
                "routingAttributes": routing_attributes or {},
            },
        )
        return conversation_id

    async def send_message(
        self, conversation_id: str, text: str, message_id: str | None = None, **extra: Any
    ) -> str:
        """Send text; retrying with the same `message_id` never sends it twice."""
        message_id = message_id or str(uuid.uuid4())
        await self._call(
            "POST",
            f"/conversation/{conversation_id}/message",
            json={
                "message": {
                    "id": message_id,
                    "messageType": "StaticContentMessage",
                    "staticContent": {"formatType": "Text", "text": text},
                },
                "esDeveloperName": self.deployment,
                **extra,
            },
        )
        return message_id

    async def answer_choice(
        self,
        conversation_id: str,
        question_id: str,
        option_identifier: str,
        text: str | None = None,
        message_id: str | None = None,
    ) -> str:
        """Answer a `ChoicesMessage` (MIAW's `ChoicesResponseMessage`, `Selections`): the
        `optionIdentifier` of the option chosen, and `text` for a free-text choice."""
        option: dict[str, Any] = {"optionIdentifier": option_identifier}
        if text is not None:
            option["text"] = text
        return await self._answer(
            conversation_id,
            question_id,
            message_id,
            "ChoicesResponseMessage",
            {"choicesResponse": {"formatType": "Selections", "selectedOptions": [option]}},
        )

    async def answer_form(
        self,
        conversation_id: str,
        question_id: str,
        values: dict[str, Any],
        message_id: str | None = None,
    ) -> str:
        """Answer a `FormMessage` (MIAW's `FormResponseMessage`, `Result`): each input's value by
        its name."""
        return await self._answer(
            conversation_id,
            question_id,
            message_id,
            "FormResponseMessage",
            {"formResponse": {"formatType": "Result", "values": values}},
        )

    async def _answer(
        self,
        conversation_id: str,
        question_id: str,
        message_id: str | None,
        message_type: str,
        content: dict[str, Any],
    ) -> str:
        """An answer linked to its question; retrying with the same `message_id` is one answer."""
        message_id = message_id or str(uuid.uuid4())
        message = {
            "id": message_id,
            "messageType": message_type,
            "inReplyToMessageId": question_id,
            **content,
        }
        await self._call(
            "POST",
            f"/conversation/{conversation_id}/message",
            json={"message": message, "esDeveloperName": self.deployment},
        )
        return message_id

    async def send_file(self, conversation_id: str, path: Path, text: str | None = None) -> str:
        message_id = str(uuid.uuid4())
        entry = {
            "esDeveloperName": self.deployment,
            "message": {"id": message_id, "fileId": str(uuid.uuid4()), "text": text},
        }
        await self._call(
            "POST",
            f"/conversation/{conversation_id}/file",
            data={"messageEntry": json.dumps(entry)},
            files={"fileData": (path.name, await asyncio.to_thread(path.read_bytes))},
        )
        return message_id

    async def download(self, url: str) -> bytes:
        r = await self._http.get(url, headers=self._headers())
        self._raise_for(r)
        return r.content

    async def typing(self, conversation_id: str, started: bool = True) -> None:
        kind = "TypingStartedIndicator" if started else "TypingStoppedIndicator"
        await self._call(
            "POST",
            f"/conversation/{conversation_id}/entry",
            json={"entryType": kind, "id": str(uuid.uuid4())},
        )

    async def acknowledge(self, conversation_id: str, entry_id: str, read: bool = True) -> None:
        await self._call(
            "POST",
            f"/conversation/{conversation_id}/acknowledge-entries",
            json={
                "acks": [
                    {
                        "id": str(uuid.uuid4()),
                        "entryType": "Read" if read else "Delivery",
                        "conversationEntryId": entry_id,
                    }
                ]
            },
        )

    async def history(self, conversation_id: str, **params: Any) -> list[dict[str, Any]]:
        body = await self._call("GET", f"/conversation/{conversation_id}/entries", params=params)
        entries: list[dict[str, Any]] = body["conversationEntries"]
        return entries

    async def conversations(self, include_closed: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = await self._call(
            "GET", "/conversation/list", params={"inclClosedConvs": str(include_closed).lower()}
        )
        return body

    async def routing_status(self, conversation_id: str) -> dict[str, Any]:
        body: dict[str, Any] = await self._call("GET", f"/conversation/{conversation_id}")
        return body

    async def end_session(self, conversation_id: str) -> None:
        await self._call(
            "DELETE",
            f"/conversation/{conversation_id}/session",
            params={"esDeveloperName": self.deployment},
        )

    async def close_conversation(self, conversation_id: str) -> None:
        await self._call(
            "DELETE",
            f"/conversation/{conversation_id}",
            params={"esDeveloperName": self.deployment},
        )

    # ------------------------------------------------------------------ events

    async def events(self) -> AsyncGenerator[Event, None]:
        """Every event, for as long as the caller iterates: a dropped connection is reopened
        (backoff with jitter, up to `max_backoff` seconds) from the last event id seen."""
        delay = 0.2
        while True:
            try:
                async with aconnect_sse(
                    self._http,
                    "GET",
                    "/eventrouter/v1/sse",
                    headers={
                        **self._headers(),
                        "Last-Event-Id": self.last_event_id,
                        "X-Org-Id": self.org_id,
                    },
                    timeout=httpx.Timeout(30, read=None),
                ) as source:
                    self._raise_for(source.response)
                    delay = 0.2
                    async for sse in source.aiter_sse():
                        if sse.event == "ping" or not sse.data:
                            continue
                        if sse.id:
                            self.last_event_id = sse.id
                        yield Event(sse.id or None, sse.event, json.loads(sse.data))
            except ClientError as exc:
                if exc.status != 401:
                    raise
                await self.continue_token()  # an expired token: continue as the same user
            except (httpx.TransportError, httpx.RemoteProtocolError):
                pass
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(self.max_backoff, delay * 2)

    # ------------------------------------------------------------------ plumbing

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def _call(self, method: str, path: str, *, auth: bool = True, **kwargs: Any) -> Any:
        headers = self._headers() if auth else {}
        r = await self._http.request(method, MIAW + path, headers=headers, **kwargs)
        self._raise_for(r)
        return r.json() if r.content and "json" in r.headers.get("content-type", "") else None

    @staticmethod
    def _raise_for(r: httpx.Response) -> None:
        if r.status_code < 400:
            return
        try:
            body = r.json()
            code, message = str(body.get("code")), str(body.get("message"))
        except ValueError:
            code, message = "http_error", r.text[:200]
        raise ClientError(r.status_code, code, message)
