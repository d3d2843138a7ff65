"""Request bodies read by the endpoint itself, for the hottest calls.

FastAPI's dependency solving costs more than the rest of a chat message; `json_body` does the
same parsing and validation (pydantic, straight from the bytes) and fails the same way (a
`RequestValidationError`, so clients get the same 400s), and `documented` puts the body back into
the OpenAPI description.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from livedesk.errors import bad_request

M = TypeVar("M", bound=BaseModel)


async def json_body(request: Request, model: type[M]) -> M:
    raw = await request.body()
    if not raw.strip():
        raise bad_request("missing_body", "This call needs a JSON body.")
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
