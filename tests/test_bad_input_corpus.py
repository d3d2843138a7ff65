"""The bad-input corpus: oversized and endless bodies, invalid JSON, wrong content types, control
and surrogate characters, huge and negative numbers, Unicode digits, malformed cursors and tokens,
sent to every endpoint of the app's route table (a new endpoint is covered without a word here),
the streams included (on a real server, with a read timeout). Whatever is sent, no answer is a
5xx, and every 4xx is JSON with a stable `code` and a `message`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from tests.corpus import (
    BAD_LEAVES,
    BAD_PATH_SEGMENTS,
    BAD_QUERY_VALUES,
    LAST_EVENT_IDS,
    RAW_JSON_BODIES,
    WRONG_CONTENT_TYPES,
    Headers,
    Request,
    World,
    base_body,
    encode_json,
    leaf_mutations,
    multipart,
    multipart_cases,
    multipart_seed,
)
from tests.helpers import MIAW, Api

CODE = re.compile(r"[a-z][a-z0-9_]*")
ENDLESS_CHUNK = b" " * 65_536
ENDLESS_LIMIT = 64  # chunks (4 MB): far beyond any body limit; a server that reads on is caught


@dataclass(frozen=True)
class Operation:
    """One method of one route, as the route table and the OpenAPI document describe it."""

    method: str
    path: str
    path_params: tuple[str, ...]
    query_params: tuple[str, ...]
    body_types: tuple[str, ...]
    body_schema: dict[str, Any] | None
    stream: bool
    takes_token: bool

    def url(self, world: World, **override: str) -> str:
        path = self.path
        for name in self.path_params:
            path = path.replace(f"{{{name}}}", override.get(name, world.path_value(name)))
        return path


def operations(app: FastAPI) -> list[Operation]:
    spec = app.openapi()
    found: list[Operation] = []
    # Calls that read no token ignore the Authorization header (a login would only spend its
    # password hashing on it); a document that names no security at all says nothing either way.
    secured = [op for ops in spec["paths"].values() for op in ops.values() if "security" in op]
    for route in iter_route_contexts(app.routes):
        path = route.path
        for method in sorted(route.methods or ()):
            if method == "HEAD" or path is None:
                continue
            op = spec["paths"].get(path, {}).get(method.lower(), {})
            params = op.get("parameters", [])
            content = op.get("requestBody", {}).get("content", {})
            responses = op.get("responses", {}).values()
            found.append(
                Operation(
                    method=method,
                    path=path,
                    path_params=tuple(re.findall(r"{(\w+)}", path)),
                    query_params=tuple(p["name"] for p in params if p["in"] == "query"),
                    body_types=tuple(content),
                    body_schema=next(iter(content.values()), {}).get("schema"),
                    stream=any("text/event-stream" in r.get("content", {}) for r in responses),
                    takes_token="security" in op or not secured,
                )
            )

    # Calls that end a conversation, then those that revoke a token, go last, so that the
    # others meet live ones.
    def revokes(o: Operation) -> bool:
        return "logout" in o.path or o.path.endswith("/token")

    return sorted(found, key=lambda o: (revokes(o), o.method == "DELETE", o.path))


def requests_for(
    op: Operation, world: World, spec: dict[str, Any], auth: Headers
) -> Iterator[Request]:
    """The corpus for one operation, sent as the caller whose headers are `auth`: every bad
    input it can be sent."""
    url = op.url(world)
    uploads = "multipart/form-data" in op.body_types
    body: Any = None
    content: bytes | None = None
    kind: list[tuple[bytes, bytes]] = []
    if op.method in ("POST", "PUT", "PATCH"):
        if uploads:
            content = multipart(multipart_seed(op.path, world))
            kind = [(b"content-type", b"multipart/form-data; boundary=corpus")]
        else:
            body = base_body(op.method, op.path, op.body_schema, world, spec)
            content = encode_json(body)
            kind = [(b"content-type", b"application/json")]
    headers = [*auth, *kind]
    yield Request("as it should be", op.method, url, headers, content)
    for name in op.path_params:
        for segment in [*BAD_PATH_SEGMENTS, world.path_value(name).upper()]:
            bad = op.url(world, **{name: segment})
            yield Request(f"path {name}={segment[:30]}", op.method, bad, headers, content)
    yield Request(
        "junk query", op.method, f"{url}?%ED%A0%80=%FF&limit={'9' * 30}&%00=", headers, content
    )
    for name in dict.fromkeys([*op.query_params, *(["lastEventId"] if op.stream else [])]):
        for value in BAD_QUERY_VALUES:
            bad = f"{url}?{name}={value}"
            yield Request(f"query {name}={value[:30]}", op.method, bad, headers, content)
    for label, variant in world.auth_variants(auth) if op.takes_token else ():
        yield Request(f"authorization {label}", op.method, url, [*variant, *kind], content)
    for value in LAST_EVENT_IDS if op.stream else LAST_EVENT_IDS[:3]:
        with_cursor = [*headers, (b"last-event-id", value)]
        yield Request(f"Last-Event-Id {value!r}", op.method, url, with_cursor, content)
    if content is None:
        return
    json_headers = [*auth, (b"content-type", b"application/json")]
    yield Request("oversized body", op.method, url, json_headers, b'"' + b"x" * 200_000 + b'"')
    yield Request("endless body", op.method, url, json_headers, None, endless=True)
    if uploads:
        for label, content_type, raw in multipart_cases(op.path, world):
            yield Request(label, op.method, url, [*auth, (b"content-type", content_type)], raw)
        return
    for raw in RAW_JSON_BODIES:
        yield Request(f"raw body {raw[:30]!r}", op.method, url, json_headers, raw)
    for content_type in WRONG_CONTENT_TYPES:
        typed = [*auth, *([(b"content-type", content_type)] if content_type else [])]
        yield Request(f"content type {content_type!r}", op.method, url, typed, content)
    for label, mutated in leaf_mutations(body, BAD_LEAVES):
        yield Request(f"body {label}", op.method, url, json_headers, encode_json(mutated))


def problem_with(status: int, content_type: str, text: str, stream: bool) -> str | None:
    """What is wrong with an answer, or None."""
    if status >= 500:
        return f"answered {status}: {text[:200]}"
    if status < 400:
        if stream and status == 200 and not content_type.startswith("text/event-stream"):
            return f"a stream answered 200 with {content_type}"
        return None
    try:
        error = json.loads(text)
    except ValueError:
        return f"answered {status} without JSON: {text[:200]!r}"
    if not isinstance(error, dict) or not CODE.fullmatch(str(error.get("code"))):
        return f"answered {status} without a stable code: {text[:200]}"
    if not isinstance(error.get("message"), str) or not error["message"]:
        return f"answered {status} without a message: {text[:200]}"
    return None


async def endless() -> AsyncIterator[bytes]:
    for _ in range(ENDLESS_LIMIT):
        yield ENDLESS_CHUNK


async def send(http: httpx.AsyncClient, request: Request, stream: bool) -> str | None:
    content: Any = endless() if request.endless else request.content
    if not stream:
        r = await http.request(
            request.method, request.url, headers=request.headers, content=content
        )
        return problem_with(r.status_code, r.headers.get("content-type", ""), r.text, False)
    async with asyncio.timeout(10), contextlib.AsyncExitStack() as stack:
        # A stream answers its headers at once, or refuses; what HTTP itself forbids (such as
        # a header value ending in a space) never leaves the client.
        stream_of = http.stream(
            request.method, request.url, headers=request.headers, content=content
        )
        try:
            r = await stack.enter_async_context(stream_of)
        except httpx.LocalProtocolError:
            return None
        text = "" if r.status_code == 200 else (await r.aread()).decode(errors="replace")
        return problem_with(r.status_code, r.headers.get("content-type", ""), text, True)


async def caller_for(
    http: httpx.AsyncClient, op: Operation, world: World, spec: dict[str, Any]
) -> Headers:
    """Who gets furthest with a good request (the first to succeed; else the first whose
    refusal is not about who is calling): the corpus is sent as them."""
    best: tuple[int, Headers] | None = None
    for auth in world.callers():
        request = next(requests_for(op, world, spec, auth))
        async with (
            asyncio.timeout(10),
            http.stream(
                request.method, request.url, headers=request.headers, content=request.content
            ) as r,
        ):
            rank = {401: 3, 403: 2}.get(r.status_code, 0 if r.status_code < 300 else 1)
        if rank == 0:
            return auth
        if best is None or rank < best[0]:
            best = (rank, auth)
    assert best is not None
    return best[1]


@pytest.fixture
async def world(api: Api, app: FastAPI) -> World:
    return await World.make(api)


async def test_every_endpoint_answers_bad_input_with_a_4xx_and_a_code(
    app: FastAPI, world: World, live_url: str
) -> None:
    spec = app.openapi()
    ops = operations(app)
    assert len(ops) >= 40 and any(o.stream for o in ops), "the route table was not read"
    failures: list[str] = []
    sent = 0
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    timeout = httpx.Timeout(10, read=5)
    # A connection per request: an open stream is closed by leaving it, and on a reused
    # connection a small answer waits ~40 ms for a delayed ACK.
    fresh = httpx.Limits(max_keepalive_connections=0)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
        httpx.AsyncClient(base_url=live_url, timeout=timeout, limits=fresh) as live,
    ):
        for op in ops:
            client = live if op.stream else http
            auth = await caller_for(client, op, world, spec)
            for request in requests_for(op, world, spec, auth):
                problem = await send(client, request, op.stream)
                sent += 1
                if problem is not None:
                    failures.append(f"{op.method} {op.path} [{request.label}]: {problem}")
    assert not failures, f"{len(failures)} of {sent} requests:\n" + "\n".join(failures[:60])


async def test_random_requests_never_get_a_5xx(app: FastAPI, world: World) -> None:
    """Random mixes of the corpus's pieces (the earlier `test_no_5xx` fuzzer, now over the
    whole route table)."""
    rng = random.Random(20261122)
    ops = [o for o in operations(app) if not o.stream]
    spec = app.openapi()
    failures: list[str] = []
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for _ in range(300):
            op = rng.choice(ops)
            pieces = list(requests_for(op, world, spec, rng.choice(world.callers())))
            first, second = rng.choice(pieces), rng.choice(pieces)
            mixed = Request("mixed", op.method, first.url, second.headers, first.content)
            problem = await send(http, mixed, False)
            if problem is not None:
                failures.append(
                    f"{op.method} {op.path} [{first.label}] with the headers of [{second.label}]: {problem}"
                )
    assert not failures, "\n".join(failures[:40])


async def test_unknown_routes_and_methods(api: Api) -> None:
    customer = await api.customer()
    r = await api.http.get("/no/such/thing")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = await api.http.patch(f"{MIAW}/conversation", headers=customer.headers)
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


async def test_health_and_docs(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    ready = (await api.http.get("/readyz")).json()
    assert ready["status"] == "ready" and ready["database"] == "up"
    assert (await api.http.get("/docs")).status_code == 200
    spec = (await api.http.get("/openapi.json")).json()
    assert "/iamessage/api/v2/conversation/{conversation_id}/message" in spec["paths"]
