"""JSON request bodies: what LiveDesk accepts as one, checked once for every call; and the
bodies read by the endpoint itself, for the hottest calls.

`JsonBodyCheck` holds every JSON body to `json_problem` before an endpoint sees it. FastAPI reads
bodies with the standard library's `json.loads`, which takes what no database can store or
orjson write: a lone surrogate (`"\\ud800"`, or its bytes), `NaN` and `Infinity`, and whole
numbers of any size. Checking at the door is one rule for every JSON call, present and future,
instead of a check per field that the next field forgets; it costs one orjson parse (3 µs for
a chat message).

FastAPI's dependency solving costs more than the rest of a chat message; `json_body` does the
same parsing and validation (pydantic, straight from the bytes) and fails the same way (a
`RequestValidationError`, so clients get the same 400s, a wrong `Content-Type` included), and
`documented` puts the body back into the OpenAPI description.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livedesk.errors import bad_request
from livedesk.kit.jsonbody import json_problem
from livedesk.web.errors import JsonResponse

M = TypeVar("M", bound=BaseModel)


def is_json_media_type(content_type: str | None) -> bool:
    """FastAPI's rule for a body it parses as JSON: `application/json` or `application/*+json`
    (parameters such as `charset` aside). Without a `Content-Type`, a body is not JSON."""
    if content_type is None:
        return False
    media = content_type.partition(";")[0].strip().lower()
    kind, slash, subtype = media.partition("/")
    return (
        kind == "application" and bool(slash) and (subtype == "json" or subtype.endswith("+json"))
    )


class JsonBodyCheck:
    """Answer 400 to a JSON body that `json_problem` refuses, before any endpoint reads it.
    It sits inside the body limit, which has read the body already; `skip` names the paths
    whose bodies stream through to their endpoint (uploads), which are not read here."""

    def __init__(self, app: ASGIApp, skip: re.Pattern[str] | None = None) -> None:
        self.app = app
        self.skip = skip

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or (self.skip is not None and self.skip.match(scope["path"]))
            or not is_json_media_type(Headers(scope=scope).get("content-type"))
        ):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        problem = json_problem(raw) if raw.strip() else None
        if problem is not None:
            await JsonResponse(problem.body(), status_code=problem.status)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def json_body(request: Request, model: type[M]) -> M:
    raw = await request.body()
    if not raw.strip():
        raise bad_request("missing_body", "This call needs a JSON body.")
    if not is_json_media_type(request.headers.get("content-type")):
        # What FastAPI does with a body of another type: it validates the bytes as they are.
        raise RequestValidationError(
            [
                {
                    "type": "model_attributes_type",
                    "loc": ("body",),
                    "msg": "Input should be a valid dictionary or object to extract fields from",
                    "input": raw,
                }
            ]
        )
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from None


def documented(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` for a route that reads a `model` body with `json_body` (the schema is
    inlined: its nested models are not among FastAPI's components)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return inline(defs[ref.removeprefix("#/$defs/")])
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline(schema)}},
        }
    }
