"""Whatever a client sends, the answer is never a 5xx: random bodies, ids, query strings and
headers against every route, with valid and invalid tokens."""

from __future__ import annotations

import json
import random
from typing import Any

from tests.helpers import MIAW, Api, uid

ROUTES = [
    ("POST", f"{MIAW}/authorization/unauthenticated/access-token"),
    ("GET", f"{MIAW}/authorization/continuation-access-token"),
    ("POST", f"{MIAW}/conversation"),
    ("GET", f"{MIAW}/conversation/list"),
    ("POST", f"{MIAW}/conversation/{{cid}}/message"),
    ("POST", f"{MIAW}/conversation/{{cid}}/entry"),
    ("POST", f"{MIAW}/conversation/{{cid}}/acknowledge-entries"),
    ("GET", f"{MIAW}/conversation/{{cid}}/entries"),
    ("GET", f"{MIAW}/conversation/{{cid}}"),
    ("DELETE", f"{MIAW}/conversation/{{cid}}/session"),
    ("DELETE", f"{MIAW}/conversation/{{cid}}"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/me"),
    ("PUT", "/api/v1/me/presence"),
    ("GET", "/api/v1/sessions"),
    ("GET", "/api/v1/sessions/{sid}"),
    ("POST", "/api/v1/sessions/{sid}/accept"),
    ("POST", "/api/v1/sessions/{sid}/actions"),
]
KEYS = [
    "message",
    "id",
    "text",
    "conversationId",
    "esDeveloperName",
    "orgId",
    "acks",
    "entryType",
    "staticContent",
    "formatType",
    "messageType",
    "routingAttributes",
    "actionType",
    "status",
    "username",
    "password",
    "limit",
    "conversationEntryId",
]
STRINGS = [
    "",
    "x",
    "Text",
    "StaticContentMessage",
    "Web_Chat",
    "00DLD0000000001",
    "sendMessage",
    "endChat",
    "Online",
    "Read",
    "\u0000",
    "💥" * 3,
    "a" * 5000,
    "../../etc/passwd",
    "null",
    "TypingStartedIndicator",
    "-1",
    "1e309",
    "ada",
    "demo",
]


def value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 3 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False, 0, -1, 2**63, 1.5, float("1e308")])
    if kind in (2, 3, 4):
        return rng.choice(STRINGS + [uid()])
    if kind == 5:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(KEYS): value(rng, depth + 1) for _ in range(rng.randrange(5))}


async def test_random_requests_never_get_a_5xx(api: Api) -> None:
    customer, agent = await api.chatting()
    rng = random.Random(20261122)
    tokens = [customer.token, agent.token, "garbage", "", customer.token[:-3] + "abc"]
    ids = [customer.conversation_id, customer.session_id, uid(), "x", "%00", "a" * 300, "..%2F.."]
    for _ in range(600):
        method, template = rng.choice(ROUTES)
        path = template.format(cid=rng.choice(ids), sid=rng.choice(ids))
        headers = {"Authorization": f"Bearer {rng.choice(tokens)}"}
        if rng.random() < 0.3:
            headers["X-Org-Id"] = rng.choice(STRINGS[:8])
        params = {
            rng.choice(KEYS + ["direction", "startTimestamp", "inclClosedConvs"]): str(value(rng))
        }
        body: bytes | None = None
        if method in ("POST", "PUT"):
            shape = rng.random()
            if shape < 0.15:
                body = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
            else:
                body = json.dumps(
                    value(rng) if shape < 0.5 else {k: value(rng) for k in rng.sample(KEYS, 4)}
                ).encode()
            headers["Content-Type"] = rng.choice(
                ["application/json", "text/plain", "application/json"]
            )
        r = await api.http.request(method, path, headers=headers, params=params, content=body)
        assert r.status_code < 500, (method, path, params, body, r.text)
        if r.status_code >= 400:
            error = r.json()
            assert isinstance(error["code"], str) and isinstance(error["message"], str)


async def test_oversized_bodies_and_unknown_routes(api: Api) -> None:
    customer = await api.customer()
    r = await api.http.post(
        f"{MIAW}/conversation",
        content=b"{" + b" " * 70_000 + b"}",
        headers={**customer.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"
    r = await api.http.get("/no/such/thing")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = await api.http.patch(f"{MIAW}/conversation", headers=customer.headers)
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"


async def test_health_and_docs(api: Api) -> None:
    assert (await api.http.get("/healthz")).json() == {"status": "ok"}
    assert (await api.http.get("/readyz")).json() == {"status": "ready"}
    assert (await api.http.get("/docs")).status_code == 200
    spec = (await api.http.get("/openapi.json")).json()
    assert "/iamessage/api/v2/conversation/{conversation_id}/message" in spec["paths"]
