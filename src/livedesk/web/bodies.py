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

import json
import re
from typing import Any, TypeVar

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livedesk.errors import AppError, bad_request
from livedesk.kit.jsonutil import MAX_INT, MIN_INT
from livedesk.web.errors import JsonResponse

M = TypeVar("M", bound=BaseModel)

# A run of 19 digits or more: only then can a whole number be beyond 64 bits.
_LONG_NUMBER = re.compile(rb"\d{19}")


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


class _NumberOutOfRange(Exception):
    pass


def _checked_int(text: str) -> int:
    number = int(text)
    if not MIN_INT <= number <= MAX_INT:
        raise _NumberOutOfRange
    return number


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def json_problem(raw: bytes) -> AppError | None:
    """Why `raw` is not a JSON body LiveDesk takes (None when it is one): it must be JSON in
    UTF-8 without lone surrogates, NaN or Infinity (what orjson reads), its text without the NUL
    character, and its whole numbers must fit in 64 bits."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return bad_request(
            "malformed_json",
            f"The request body is not valid JSON ({exc.msg}, at character {exc.pos}).",
        )
    if b"\\u0000" in raw and _has_nul(value):  # PostgreSQL cannot store it in text
        return bad_request(
            "nul_character", "Text in the request body may not contain the NUL character."
        )
    if _LONG_NUMBER.search(raw) is not None:
        try:
            json.loads(raw, parse_int=_checked_int)
        except _NumberOutOfRange:
            return bad_request(
                "number_out_of_range",
                f"A whole number in the request body is out of range (from {MIN_INT} to "
                f"{MAX_INT}).",
            )
    return None


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
