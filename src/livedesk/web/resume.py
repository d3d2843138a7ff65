"""Resuming an event stream: the last event id a client has (the `Last-Event-Id` header, or the
`lastEventId` parameter for clients that cannot set headers), and how the OpenAPI document says
it. Every stream endpoint reads it the same way."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from livedesk.errors import bad_request
from livedesk.web.openapi import errors


def cursor_of(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("lastEventId")
    if raw is None or raw == "":
        return None
    # ASCII digits only: `str.isdigit` also takes "²" and "①", which `int` cannot read.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise bad_request(
            "invalid_last_event_id",
            "Last-Event-Id must be an event id this server sent (a whole number).",
        )
    return int(raw)


SSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {"description": "An endless text/event-stream", "content": {"text/event-stream": {}}},
    **errors(429),
}
_EVENT_ID = {"type": "string", "pattern": "^[0-9]{1,18}$"}
# What `cursor_of` reads: the last event id a client has (a 400 when it is not one).
RESUME_DOC: dict[str, Any] = {
    "parameters": [
        {
            "name": "Last-Event-Id",
            "in": "header",
            "description": "resume after this event (what EventSource sends when it reconnects)",
            "schema": _EVENT_ID,
        },
        {
            "name": "lastEventId",
            "in": "query",
            "description": "the same, for clients that cannot set headers (a token call's "
            "`lastEventId`)",
            "schema": _EVENT_ID,
        },
    ]
}
