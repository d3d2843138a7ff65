"""The authorization matrix: every endpoint × every caller who must not get in, with the answer each
one gets, GENERATED FROM THE ROUTE TABLE: an endpoint without an entry in `MATRIX` fails the test
by name, so a new endpoint cannot ship without saying who may call it.

The callers: the owner (a positive control: her call must work, so a refusal below proves
something), anonymous, another end user, another agent, a supervisor of another queue, the admin
of another org, the user of an integration client without the permission, a revoked token and an
expired token (both the owner's). No answer to a caller other than the owner may contain the
owner's conversation, session, file or words.

Also here: streams stop when access ends (a revoked token closes its open streams; after a
transfer away, the old agent's stream carries nothing more of that session but stays open).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from livedesk.kit.clock import FakeClock
from livedesk.setup.schemas import OrgFile
from tests.attachments.test_attachments import PNG
from tests.auth.matrix_world import GUEST, World, build_world
from tests.helpers import DEPLOYMENT, MIAW, ORG, Api, agent_stream, customer_stream, uid

Actor = str  # one of ACTORS
ACTORS: tuple[Actor, ...] = (
    "owner",
    "anonymous",
    "other_user",
    "other_agent",
    "other_supervisor",
    "other_org_admin",
    "client_user",
    "revoked",
    "expired",
)
Expect = tuple[int, str | None]  # the status, and the error's `code` (None for a success)
Ids = dict[str, str]
Body = Callable[[Ids], Any]

ANONYMOUS: Expect = (401, "missing_token")
WRONG_KIND: Expect = (401, "invalid_token")  # a customer's token on the agent API, or the reverse
REVOKED: Expect = (401, "token_revoked")
EXPIRED: Expect = (401, "token_expired")


def customer_call(ok: int, hidden: str = "conversation_not_found") -> dict[Actor, Expect]:
    """A call on the owner customer's conversation."""
    return {
        "owner": (ok, None),
        "anonymous": ANONYMOUS,
        "other_user": (404, hidden),
        "other_agent": WRONG_KIND,
        "other_supervisor": WRONG_KIND,
        "other_org_admin": WRONG_KIND,
        "client_user": (404, hidden),
        "revoked": REVOKED,
        "expired": EXPIRED,
    }


def customer_self(ok: int) -> dict[Actor, Expect]:
    """A call on the caller's own things (her tokens, her conversations, her stream)."""
    return {**customer_call(ok), "other_user": (ok, None), "client_user": (ok, None)}


def agent_call(ok: int, hidden: str, **others: Expect) -> dict[Actor, Expect]:
    """A call on the owner agent's session (or work, interview...): hidden from the others."""
    expect: dict[Actor, Expect] = {
        "owner": (ok, None),
        "anonymous": ANONYMOUS,
        "other_user": WRONG_KIND,
        "other_agent": (404, hidden),
        "other_supervisor": (404, hidden),
        "other_org_admin": (404, hidden),
        "client_user": WRONG_KIND,
        "revoked": REVOKED,
        "expired": EXPIRED,
    }
    expect.update(others)
    return expect


def agent_self(ok: int) -> dict[Actor, Expect]:
    """A call on the calling agent's own things (or her org's shared ones)."""
    ok_: Expect = (ok, None)
    return agent_call(ok, "", other_agent=ok_, other_supervisor=ok_, other_org_admin=ok_)


def supervisor_call(ok: int, hidden: str | None = None) -> dict[Actor, Expect]:
    """A call of the supervisor API, its owner a supervisor of the owner session's queue: an
    agent who supervises nothing is refused; other supervisors and admins see their own queues
    (with `hidden`: the owner's session is not found there)."""
    theirs: Expect = (404, hidden) if hidden else (ok, None)
    return {
        **agent_call(ok, hidden or "", other_supervisor=theirs, other_org_admin=theirs),
        "other_agent": (403, "supervisors_only"),
    }


def public(ok: int) -> dict[Actor, Expect]:
    """No token needed; a token sent along is ignored."""
    return dict.fromkeys(ACTORS, (ok, None))


@dataclass(frozen=True)
class Call:
    expect: dict[Actor, Expect]
    # whose owner, revoked and expired tokens (the supervisor: one of the owner session's queue)
    owner: Literal["customer", "agent", "supervisor"] = "agent"
    json: Body | None = None
    params: dict[str, str] | None = None
    upload: str | None = None  # the form field of a file upload
    ids: Ids = field(default_factory=dict)  # path parameters of this call only
    stream: bool = False
    shows: str | None = None  # the owner's answer contains this id (so the others' lack it)
    last: int = 0  # calls that end things run after all others, in this order


def message(ids: Ids) -> Any:
    return {
        "message": {
            "id": uid(),
            "messageType": "StaticContentMessage",
            "staticContent": {"formatType": "Text", "text": "hello"},
        },
        "esDeveloperName": DEPLOYMENT,
    }


MATRIX: dict[tuple[str, str], Call] = {
    # ---------------------------------------------------------------- documents and health
    ("GET", "/openapi.json"): Call(public(200)),
    ("GET", "/docs"): Call(public(200)),
    ("GET", "/docs/init.js"): Call(public(200)),  # starts Swagger UI (no inline script)
    ("GET", "/docs/assets/{folder}/{name}"): Call(
        public(200), ids={"folder": "swagger", "name": "swagger-ui.css"}
    ),
    ("GET", "/redoc/logo-mini.svg"): Call(public(200)),
    ("GET", "/redoc"): Call(public(200)),
    ("GET", "/healthz"): Call(public(200)),
    ("GET", "/readyz"): Call(public(200)),
    ("GET", "/"): Call(public(200)),  # the index of pages
    ("GET", "/demo"): Call(public(200)),  # the demo company page
    ("GET", "/widget/embed.js"): Call(public(200)),  # the chat widget
    ("GET", "/widget/i18n/{language}.json"): Call(public(200), ids={"language": "fr"}),
    ("GET", "/console"): Call(public(200)),  # the agent console
    ("GET", "/console/{name}"): Call(public(200), ids={"name": "main.js"}),  # its modules
    ("GET", "/metrics"): Call(public(200)),  # no metrics token configured here
    # ---------------------------------------------------------------- MIAW: tokens
    ("POST", f"{MIAW}/authorization/unauthenticated/access-token"): Call(
        public(200), json=lambda ids: GUEST
    ),
    ("POST", f"{MIAW}/authorization/authenticated/access-token"): Call(
        public(200), json=lambda ids: {**GUEST, "customerIdentityToken": ids["identity"]}
    ),
    ("GET", f"{MIAW}/authorization/continuation-access-token"): Call(
        customer_self(200), "customer"
    ),
    ("DELETE", f"{MIAW}/authorization/token"): Call(customer_self(204), "customer", last=3),
    # ---------------------------------------------------------------- MIAW: conversations
    ("POST", f"{MIAW}/conversation"): Call(
        customer_self(201),
        "customer",
        json=lambda ids: {"conversationId": uid(), "esDeveloperName": DEPLOYMENT},
    ),
    ("GET", f"{MIAW}/conversation/list"): Call(
        customer_self(200), "customer", shows="conversation_id"
    ),
    ("GET", f"{MIAW}/conversation/{{conversation_id}}"): Call(customer_call(200), "customer"),
    ("POST", f"{MIAW}/conversation/{{conversation_id}}/message"): Call(
        customer_call(202), "customer", json=message
    ),
    ("POST", f"{MIAW}/conversation/{{conversation_id}}/entry"): Call(
        customer_call(202),
        "customer",
        json=lambda ids: {"entryType": "TypingStartedIndicator", "id": uid()},
    ),
    ("POST", f"{MIAW}/conversation/{{conversation_id}}/acknowledge-entries"): Call(
        customer_call(202),
        "customer",
        json=lambda ids: {"acks": [{"entryType": "Read", "conversationEntryId": ids["entry"]}]},
    ),
    ("GET", f"{MIAW}/conversation/{{conversation_id}}/entries"): Call(
        customer_call(200), "customer", shows="entry"
    ),
    ("GET", f"{MIAW}/conversation/{{conversation_id}}/transcript"): Call(
        customer_call(200), "customer"
    ),
    ("POST", f"{MIAW}/conversation/{{conversation_id}}/file"): Call(
        customer_call(202), "customer", upload="fileData"
    ),
    # The owner's answer to a form that is not there: found the conversation, not the form.
    ("POST", f"{MIAW}/conversation/{{conversation_id}}/flow/{{interview_id}}"): Call(
        {**customer_call(404), "owner": (404, "interview_not_found")},
        "customer",
        json=lambda ids: {"values": {}},
        ids={"interview_id": "00000000-0000-4000-8000-000000000000"},
    ),
    ("DELETE", f"{MIAW}/conversation/{{conversation_id}}/session"): Call(
        customer_call(204), "customer", params={"esDeveloperName": DEPLOYMENT}, last=1
    ),
    ("DELETE", f"{MIAW}/conversation/{{conversation_id}}"): Call(
        customer_call(204), "customer", params={"esDeveloperName": DEPLOYMENT}, last=2
    ),
    ("GET", "/eventrouter/v1/sse"): Call(customer_self(200), "customer", stream=True),
    # ---------------------------------------------------------------- contact (the widget)
    ("GET", "/api/v1/orgs/{orgId}/deployments/{esDeveloperName}/availability"): Call(
        public(200), ids={"orgId": ORG, "esDeveloperName": DEPLOYMENT}
    ),
    ("POST", "/api/v1/contact-requests"): Call(
        customer_self(201),
        "customer",
        json=lambda ids: {"name": "Lin", "email": "lin@example.com", "message": "Call me"},
    ),
    # ---------------------------------------------------------------- agent: herself
    ("POST", "/api/v1/auth/login"): Call(
        public(200), json=lambda ids: {"username": "ada", "password": "demo", "orgId": ORG}
    ),
    ("POST", "/api/v1/auth/logout"): Call(agent_self(204), last=4),
    ("GET", "/api/v1/me"): Call(agent_self(200)),
    ("PUT", "/api/v1/me/presence"): Call(agent_self(200), json=lambda ids: {"status": "Offline"}),
    ("GET", "/api/v1/agent/stream"): Call(agent_self(200), stream=True),
    ("GET", "/api/v1/sessions"): Call(agent_self(200), shows="session_id"),  # what she may read
    ("GET", "/api/v1/work"): Call(agent_self(200)),
    ("GET", "/api/v1/queues"): Call(agent_self(200)),
    ("GET", "/api/v1/agents"): Call(agent_self(200)),
    # ---------------------------------------------------------------- agent: her session
    ("GET", "/api/v1/sessions/{session_id}"): Call(
        agent_call(200, "session_not_found"), shows="conversation_id"
    ),
    ("GET", "/api/v1/sessions/{session_id}/components"): Call(agent_call(200, "session_not_found")),
    ("GET", "/api/v1/sessions/{session_id}/quick-texts"): Call(
        agent_call(200, "session_not_found")
    ),
    ("POST", "/api/v1/sessions/{session_id}/case"): Call(
        agent_call(200, "session_not_found"), json=lambda ids: {"caseId": ids["record_id"]}
    ),
    # Hers already: found, and not waiting.
    ("POST", "/api/v1/sessions/{session_id}/accept"): Call(
        {**agent_call(409, "session_not_found"), "owner": (409, "session_not_waiting")}
    ),
    ("POST", "/api/v1/sessions/{session_id}/actions"): Call(
        agent_call(200, "session_not_found"),
        json=lambda ids: {"actionType": "sendMessage", "message": "how can I help?"},
    ),
    ("POST", "/api/v1/sessions/{session_id}/typing"): Call(
        agent_call(204, "session_not_found"), json=lambda ids: {"typing": True}
    ),
    ("POST", "/api/v1/sessions/{session_id}/files"): Call(
        agent_call(202, "session_not_found"), upload="file"
    ),
    ("POST", "/api/v1/work/{work_id}/accept"): Call(
        {**agent_call(409, "work_not_found"), "owner": (409, "work_not_offered")}
    ),
    ("POST", "/api/v1/work/{work_id}/decline"): Call(
        {**agent_call(409, "work_not_found"), "owner": (409, "work_not_offered")}
    ),
    # ---------------------------------------------------------------- supervisor
    ("GET", "/api/v1/supervisor/overview"): Call(
        supervisor_call(200), "supervisor", shows="session_id"
    ),
    ("GET", "/api/v1/supervisor/sessions/{session_id}"): Call(
        supervisor_call(200, "session_not_found"), "supervisor", shows="conversation_id"
    ),
    ("GET", "/api/v1/supervisor/stream"): Call(supervisor_call(200), "supervisor", stream=True),
    # ---------------------------------------------------------------- reports
    ("GET", "/api/v1/reports/sessions"): Call(
        supervisor_call(200), "supervisor", shows="session_id"
    ),
    ("GET", "/api/v1/reports/summary"): Call(supervisor_call(200), "supervisor"),
    ("GET", "/api/v1/reports/agents"): Call(supervisor_call(200), "supervisor"),
    # ---------------------------------------------------------------- files
    ("GET", "/api/v1/attachments/{attachment_id}"): Call(
        {
            **agent_call(200, "attachment_not_found"),
            "other_user": (404, "attachment_not_found"),
            "client_user": (404, "attachment_not_found"),
        },
        "customer",
    ),
    # Org A's agents read the Case (permission sets), not the file of a conversation they
    # may not read; the other org's admin finds no such Case.
    ("GET", "/api/v1/records/{object_name}/{record_id}/attachments"): Call(
        agent_call(200, "record_not_found", other_agent=(200, None), other_supervisor=(200, None)),
        shows="attachment_id",
    ),
    # ---------------------------------------------------------------- records (permission sets)
    ("GET", "/api/v1/records/{object_name}"): Call(agent_self(200)),
    ("POST", "/api/v1/records/{object_name}"): Call(
        agent_self(201), json=lambda ids: {"Subject": "Another"}
    ),
    ("GET", "/api/v1/records/{object_name}/{record_id}"): Call(
        agent_call(200, "record_not_found", other_agent=(200, None), other_supervisor=(200, None))
    ),
    ("PATCH", "/api/v1/records/{object_name}/{record_id}"): Call(
        agent_call(200, "record_not_found", other_agent=(200, None), other_supervisor=(200, None)),
        json=lambda ids: {"Subject": "Renamed"},
    ),
    # ---------------------------------------------------------------- platform events
    # Granted to agents (role `agent`) and to another client's users, not to `moveworks`'s.
    **{
        (method, path): Call(
            {
                **agent_call(ok, "unknown_event_type", other_agent=(ok, None)),
                "other_user": (403, "permission_denied"),
                "other_supervisor": (403, "permission_denied"),
                "client_user": (403, "permission_denied"),
            },
            json=(lambda ids: {"text": "a note"}) if method == "POST" else None,
            stream=path.endswith("/stream"),
        )
        for method, path, ok in [
            ("POST", "/api/v1/events/{event_type}", 201),
            ("GET", "/api/v1/events/{event_type}", 200),
            ("GET", "/api/v1/events/{event_type}/stream", 200),
        ]
    },
    # ---------------------------------------------------------------- flows
    ("GET", "/api/v1/flows"): Call(agent_self(200)),
    ("POST", "/api/v1/flows/{name}/interviews"): Call(
        agent_call(201, "flow_not_found", other_agent=(201, None), other_supervisor=(201, None)),
        json=lambda ids: {"inputs": {}},
    ),
    ("GET", "/api/v1/interviews/{interview_id}"): Call(agent_call(200, "interview_not_found")),
    # Her own interviews about a session she may read (the console's flow panel after a reload).
    ("GET", "/api/v1/sessions/{session_id}/interviews"): Call(agent_call(200, "session_not_found")),
    ("POST", "/api/v1/interviews/{interview_id}/next"): Call(
        agent_call(200, "interview_not_found"), json=lambda ids: {"values": {}}
    ),
}


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, HEAD aside (it answers like GET)."""
    found = []
    for route in iter_route_contexts(app.routes):
        for method in sorted(route.methods or ()):
            if method != "HEAD" and route.path is not None:
                found.append((method, route.path))
    return found


# ------------------------------------------------------------------------------ the test


async def answer(
    http: httpx.AsyncClient, method: str, path: str, call: Call, world: World, actor: Actor
) -> tuple[int, str]:
    ids = {**world.ids, **call.ids}
    url = path.format(**{k: v for k, v in ids.items()})
    headers = world.headers_of(actor, call.owner)
    kwargs: dict[str, Any] = {"headers": headers, "params": call.params}
    if call.json is not None:
        kwargs["json"] = call.json(ids)
    if call.upload == "fileData":
        entry = {"esDeveloperName": DEPLOYMENT, "message": {"id": uid(), "fileId": uid()}}
        kwargs["data"] = {"messageEntry": json.dumps(entry)}
        kwargs["files"] = {"fileData": ("photo.png", PNG, "image/png")}
    elif call.upload is not None:
        kwargs["files"] = {call.upload: ("photo.png", PNG, "image/png")}
    async with http.stream(method, url, **kwargs) as r:
        if call.stream and r.status_code == 200:
            return 200, ""  # an endless stream: that it opened is the answer
        return r.status_code, (await r.aread()).decode(errors="replace")


async def test_every_endpoint_answers_every_caller_as_the_matrix_says(
    api: Api, live: Api, app: FastAPI, demo_org: OrgFile, clock: FakeClock
) -> None:
    routes = route_table(app)
    missing = [f"{m} {p}" for m, p in routes if (m, p) not in MATRIX]
    assert not missing, (
        "endpoints without an entry in the authorization matrix (say who may call them in "
        f"tests/auth/test_authorization_matrix.py MATRIX): {', '.join(missing)}"
    )
    stale = [f"{m} {p}" for m, p in MATRIX if (m, p) not in routes]
    assert not stale, f"matrix entries for endpoints that no longer exist: {', '.join(stale)}"

    world = await build_world(api, app, demo_org, clock)
    wrong: list[str] = []
    for (method, path), call in sorted(MATRIX.items(), key=lambda item: item[1].last):
        for actor in (*ACTORS[1:], ACTORS[0]):  # the owner last: her call may change things
            # Streams need a real server; everything else is quicker in process.
            http = live.http if call.stream else api.http
            status, text = await answer(http, method, path, call, world, actor)
            expected = call.expect[actor]
            code = _code(text) if status >= 400 else None
            if (status, code) != expected:
                wrong.append(
                    f"{method} {path} as {actor}: expected {expected}, got {status} {text[:200]}"
                )
            if actor == "owner" and call.shows and world.ids[call.shows] not in text:
                wrong.append(f"{method} {path} as the owner: {call.shows} is not in the answer")
            if actor != "owner" and any(s in text for s in world.secrets):
                wrong.append(f"{method} {path} as {actor}: the answer shows the owner's data")
    assert not wrong, "\n".join(wrong)


def _code(text: str) -> str | None:
    try:
        body = json.loads(text)
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


# ------------------------------------------------------------------------------ streams


async def test_revoking_a_token_closes_its_open_streams(live: Api) -> None:
    customer, ada = await live.chatting()
    async with agent_stream(ada) as agent_side, customer_stream(customer) as customer_side:
        assert (await live.http.post("/api/v1/auth/logout", headers=ada.headers)).status_code == 204
        with pytest.raises(EOFError):
            await agent_side.next(timeout=5)
        revoke = await live.http.delete(f"{MIAW}/authorization/token", headers=customer.headers)
        assert revoke.status_code == 204
        with pytest.raises(EOFError):
            await customer_side.next(timeout=5)


async def test_after_a_transfer_away_her_stream_carries_nothing_more_of_that_session(
    live: Api,
) -> None:
    customer, ada = await live.chatting()
    grace = await live.agent("grace")
    await grace.presence("Online")
    sid = customer.session_id
    async with agent_stream(ada) as stream:
        r = await ada.act(sid or "", actionType="transfer", agentId=grace.agent["id"])
        assert r.status_code == 200, r.text
        [offer] = await grace.work("Assigned")
        assert (await grace.answer(offer["workId"])).status_code == 200
        await customer.send("are you still there?")
        await grace.act(sid or "", actionType="sendMessage", message="Grace here")
        await grace.act(sid or "", actionType="endChat")
        await grace.presence("Offline")
        # Something of hers after all that: the stream is open, and what came before it was
        # the transfer itself, nothing later of that session.
        other = await live.waiting_customer()
        assert (await ada.accept(other.session_id or "")).status_code == 200
        seen = []
        while True:
            event = await stream.next(timeout=5)
            seen.append(event)
            if event.data.get("sessionId") == other.session_id:
                break
    about_old = [e for e in seen if e.data.get("sessionId") == sid]
    assert [e.event for e in about_old][-1:] == ["SessionStatusChanged"]
    assert about_old[-1].data["status"] == "Transferred"
    assert all("are you still there?" not in json.dumps(e.data) for e in seen)
