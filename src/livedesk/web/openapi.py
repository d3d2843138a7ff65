"""The OpenAPI document, made to say what the server does (DESIGN 5.1: every error documented
with its error body).

FastAPI documents a 422 for every call with input, which LiveDesk never sends (its validation
errors are 400s, `web.errors`), and none of the errors the calls do send. Each status a call can
answer is documented once, where it comes from:

- what a call's own code raises (a 404 from its lookup, a 409 from its state rules, a 429 from
  the rate limit it applies) is declared on its route, `responses=errors(404, 409)`, next to
  the endpoint that calls that code;
- what the shared machinery answers is derived from the route here, so no route can forget it:
  its token dependency (401; a customer token also 403 when `X-Org-Id` names another org), its
  body and query parameters (400: FastAPI validates them, `web.errors` answers 400), and the
  checks in front of every call that may carry a body (400 for a JSON body that is not JSON,
  `web.bodies`; 408 and 413 for a late or large one, `web.middleware`), and the database: a
  call that uses it (through the container dependency, or a token, which is checked against the
  database) answers 503 `database_unavailable` with `Retry-After` while it does not answer
  (`web.errors`). Only `/healthz` does not.

`describe` then swaps FastAPI's validation schemas for one `ErrorBody`, declares the two kinds of
bearer token, and turns `x-max-length` marks (a setting's dotted name) into the configured
`maxLength`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, Path
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field

from livedesk.config import Settings
from livedesk.deps import current_agent, current_end_user, current_principal, get_container

ERROR_REF = "#/components/schemas/ErrorBody"
CUSTOMER_TOKEN = "MiawAccessToken"
AGENT_TOKEN = "AgentToken"
BODY_METHODS = frozenset({"post", "put", "patch", "delete"})

# A UUID in a path: any case is accepted (and lowercased), anything else is a 400 or a 404.
UuidPath = Annotated[str, Path(json_schema_extra={"format": "uuid"})]


class FieldProblem(BaseModel):
    field: str = Field(description="where, e.g. `message.id` (empty: the body as a whole)")
    problem: str


class ErrorBody(BaseModel):
    """Every error: a stable `code` to branch on and a sentence a person understands."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(
        description="stable snake_case, e.g. `conversation_not_found`", examples=["invalid_request"]
    )
    message: str = Field(description="what is wrong, in a sentence a person understands")
    errors: list[FieldProblem] | None = Field(
        None, description="`invalid_request`: the fields that are not valid (at most 20)"
    )
    retryAfterSeconds: int | None = Field(
        None,
        description="429 and 503 `database_unavailable`: seconds to wait, as in the "
        "`Retry-After` header",
    )


MEANINGS: dict[int, str] = {
    400: "Bad input: a body, parameter or id that is not valid (`invalid_request` lists the "
    "fields), or a request this call cannot do; `code` says which.",
    401: "A missing, invalid, expired or revoked token (MIAW clients then start over), or "
    "credentials that do not match.",
    403: "The token does not allow this: another org's `X-Org-Id`, a missing permission, "
    "or a feature the deployment does not offer.",
    404: "There is no such thing, or none this token may see.",
    408: "The request body did not arrive in time; the connection is closed.",
    409: "The state of the conversation, session or offer does not allow it now.",
    413: "The body, the file or a form field is larger than allowed.",
    415: "The body or the file has a type this call does not take.",
    417: "The last session has ended and the deployment asks for the pre-chat form again: "
    "resend with `isNewMessagingSession: true` and `routingAttributes`.",
    429: "Too many requests: wait `Retry-After` seconds.",
    503: "The server is up but its database does not answer.",
}
DATABASE_UNAVAILABLE = (
    "The database does not answer right now (`database_unavailable`, e.g. while it restarts): "
    "wait `Retry-After` seconds and try again."
)


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route: the error statuses its own code answers (those of its token,
    body and parameters are added by `describe`)."""
    return {status: _error_response(status) for status in statuses}


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": MEANINGS[status],
        "content": {"application/json": {"schema": {"$ref": ERROR_REF}}},
    }
    if status == 429:
        response["headers"] = _retry_after()
    return response


def _retry_after() -> dict[str, Any]:
    return {
        "Retry-After": {
            "description": "seconds to wait before trying again",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
    }


def _database_unavailable_response() -> dict[str, Any]:
    """The 503 of a call that uses the database (`web.errors.database_unavailable_response`)."""
    return {**_error_response(503), "description": DATABASE_UNAVAILABLE, "headers": _retry_after()}


X_ORG_ID = {
    "name": "X-Org-Id",
    "in": "header",
    "required": False,
    "description": "The org of the token, as MIAW clients send it; another org's id is a 403.",
    "schema": {"type": "string"},
}


@dataclass(frozen=True)
class Authenticator:
    """What a token dependency means for a call: the tokens it takes (any one of them), the
    statuses it answers and the headers it reads."""

    schemes: tuple[str, ...]
    statuses: tuple[int, ...]
    headers: tuple[dict[str, Any], ...] = ()


AUTHENTICATORS: dict[Callable[..., Any], Authenticator] = {
    current_end_user: Authenticator((CUSTOMER_TOKEN,), (401, 403), (X_ORG_ID,)),
    current_agent: Authenticator((AGENT_TOKEN,), (401,)),
    current_principal: Authenticator((CUSTOMER_TOKEN, AGENT_TOKEN), (401,)),
}


def token(dependency: Callable[..., Any]) -> dict[str, Any]:
    """`openapi_extra` of a route that calls a token dependency itself instead of declaring it
    (the message call, `web.bodies`)."""
    return {"security": [{scheme: []} for scheme in AUTHENTICATORS[dependency].schemes]}


def between(low: int, high: int) -> dict[str, Any]:
    """`json_schema_extra` of a number parameter whose range its service checks (with a code
    of its own, e.g. `invalid_limit`, so FastAPI does not check it)."""
    return {"minimum": low, "maximum": high}


def one_of(values: Iterable[str], *, items: bool = False) -> dict[str, Any]:
    """`json_schema_extra` of a text parameter whose values its service checks; with `items`, of
    a list parameter whose endpoint drops blank items (and splits items at commas)."""
    if items:
        return {"items": {"type": "string", "enum": ["", *sorted(values)]}}
    return {"enum": sorted(values)}


def multipart(
    fields: dict[str, Any],
    *,
    file: str,
    required: tuple[str, ...] = (),
    encoding: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`openapi_extra` of an upload call, which reads its multipart body itself: the `file`
    part and the other `fields` (optional unless `required`)."""
    properties = {**fields, file: {"type": "string", "format": "binary"}}
    media: dict[str, Any] = {
        "schema": {"type": "object", "properties": properties, "required": [file, *required]}
    }
    if encoding:
        media["encoding"] = encoding
    return {"requestBody": {"required": True, "content": {"multipart/form-data": media}}}


SECURITY_SCHEMES = {
    CUSTOMER_TOKEN: {
        "type": "http",
        "scheme": "bearer",
        "description": "An end user's `accessToken` from a MIAW token call.",
    },
    AGENT_TOKEN: {
        "type": "http",
        "scheme": "bearer",
        "description": "An agent's `accessToken` from `POST /api/v1/auth/login`.",
    },
}


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Serve the described document at `/openapi.json` (and `/docs`)."""
    made: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def openapi() -> dict[str, Any]:
        source = FastAPI.openapi(app)  # FastAPI's own, cached until the routes change
        if not made or made[0][0] is not source:
            made[:] = [(source, describe(copy.deepcopy(source), app, settings))]
        return made[0][1]

    app.openapi = openapi  # type: ignore[method-assign]


def describe(document: dict[str, Any], app: FastAPI, settings: Settings) -> dict[str, Any]:
    tokens = dict(_route_tokens(app))
    database = set(_database_routes(app))
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            key = (path, method)
            _describe_operation(operation, method, tokens.get(key), database=key in database)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    error = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error.pop("$defs", {}))
    schemas["ErrorBody"] = error
    components["securitySchemes"] = SECURITY_SCHEMES
    _apply_settings(document, settings)
    return document


def _route_tokens(app: FastAPI) -> Iterator[tuple[tuple[str, str], Authenticator]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path_format is None:
            continue
        found = [AUTHENTICATORS[c] for c in _calls(route.dependant) if c in AUTHENTICATORS]
        if found:
            for method in route.methods or ():
                yield (context.path_format, method.lower()), found[0]


def _database_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """The operations whose dependencies reach the container, and with it the database."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path_format is None:
            continue
        if get_container in _calls(route.dependant):
            for method in route.methods or ():
                yield context.path_format, method.lower()


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def _describe_operation(
    operation: dict[str, Any],
    method: str,
    authenticator: Authenticator | None,
    *,
    database: bool = False,
) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    parameters: list[dict[str, Any]] = operation.get("parameters", [])
    implied: set[int] = set()
    if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
        implied.add(400)  # FastAPI validates them; web.errors answers 400
    if method in BODY_METHODS:
        # Whether the call reads a body or not: web.bodies.JsonBodyCheck refuses a JSON body
        # that is not JSON (400), web.middleware.BodyLimitMiddleware a late or large one.
        implied.update((400, 408, 413))
    if authenticator is None and operation.get("security"):
        declared = tuple(name for requirement in operation["security"] for name in requirement)
        authenticator = next(a for a in AUTHENTICATORS.values() if a.schemes == declared)
    if authenticator is not None:
        operation["security"] = [{scheme: []} for scheme in authenticator.schemes]
        if authenticator.headers:
            operation["parameters"] = parameters + list(authenticator.headers)
        implied.update(authenticator.statuses)
    for status in implied:
        responses.setdefault(str(status), _error_response(status))
    if database or authenticator is not None:  # a token is checked against the database
        responses.setdefault("503", _database_unavailable_response())
    operation["responses"] = dict(sorted(responses.items()))


def _apply_settings(node: Any, settings: Settings) -> None:
    """`{"x-max-length": "limits.max_text_chars"}` becomes `{"maxLength": <that setting>}`."""
    if isinstance(node, dict):
        setting = node.pop("x-max-length", None)
        if isinstance(setting, str):
            value: Any = settings
            for part in setting.split("."):
                value = getattr(value, part)
            node["maxLength"] = int(value)
        for child in node.values():
            _apply_settings(child, settings)
    elif isinstance(node, list):
        for child in node:
            _apply_settings(child, settings)
