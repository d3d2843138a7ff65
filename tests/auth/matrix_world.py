"""The world the authorization matrix runs in: the owner's conversation, session, file, Case,
work and interview, and a token for every kind of caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI

from livedesk.auth import clients
from livedesk.kit.clock import FakeClock
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.attachments.test_attachments import PNG, attachment_of, upload
from tests.auth.orgs import apply_acme, with_agents
from tests.helpers import DEPLOYMENT, MIAW, ORG, Api, Customer, uid

GUEST = {"orgId": ORG, "esDeveloperName": DEPLOYMENT, "capabilitiesVersion": "1", "platform": "Web"}


NOTE_FLOW = {
    "name": "Note",
    "audience": "agent",
    "start": "show",
    "elements": [
        {
            "name": "show",
            "type": "screen",
            "title": "A note",
            "fields": [{"name": "summary", "type": "display", "text": "Hello"}],
        }
    ],
}
CLIENT_KEY = ec.generate_private_key(ec.SECP256R1())


def matrix_org(demo_org: OrgFile) -> OrgFile:
    """The demo org with a supervisor of Loans only and one of General only (the owner's
    session's queue), an event type for agents and for another bot's users, and a one-screen
    agent flow."""
    data = with_agents(
        demo_org,
        sam={"roles": ["supervisor"], "queues": ["Loans"]},
        sue={"roles": ["supervisor"], "queues": ["General"], "capacity": 0},
    ).model_dump(mode="json")
    data["event_types"].append(
        {"name": "Bot_Note__e", "fields": {"text": {"type": "text", "required": True}}}
    )
    data["permission_sets"] += [
        {
            "name": "Agents_Note",
            "events": {"Bot_Note__e": ["create", "read"]},
            "assigned_to": {"roles": ["agent"]},
        },
        {
            "name": "Other_Bot_Note",
            "events": {"Bot_Note__e": ["create", "read"]},
            "assigned_to": {"clients": ["other-bot"]},
        },
    ]
    data["flows"].append(NOTE_FLOW)
    return OrgFile.model_validate(data)


@dataclass
class World:
    ids: dict[str, str]  # path parameters and the like
    headers: dict[str, dict[str, str]]  # "<actor>" or "<actor>:<customer|agent>" → headers
    secrets: list[str]  # what no one but the owner may see

    def headers_of(self, actor: str, owner: str) -> dict[str, str]:
        return self.headers.get(f"{actor}:{owner}", self.headers.get(actor, {}))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def client_user_token(api: Api, app: FastAPI, clock: FakeClock) -> str:
    """A user of the integration client `moveworks`, which no permission set names."""
    c = app.state.container
    public_pem = (
        CLIENT_KEY.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    await c.db.transaction(
        lambda conn: clients.add_or_update(conn, ORG, "moveworks", public_pem, "ES256", 0)
    )
    r = await api.http.post(
        f"{MIAW}/authorization/authenticated/access-token",
        json={**GUEST, "customerIdentityToken": identity(clock)},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["accessToken"])


def identity(clock: FakeClock) -> str:
    now = clock.now_ms() // 1000
    claims = {"iss": "moveworks", "aud": ORG, "sub": "mw-7", "iat": now, "nbf": now}
    return jwt.encode(
        {**claims, "exp": now + 600}, CLIENT_KEY, algorithm="ES256", headers={"kid": "moveworks"}
    )


async def build_world(api: Api, app: FastAPI, demo_org: OrgFile, clock: FakeClock) -> World:
    c = app.state.container
    await apply_org(c.db, c.clock, matrix_org(demo_org))
    await apply_acme(app)
    owner = await api.waiting_customer()
    secret = f"my secret {uid()}"
    entry = uid()
    assert (await owner.send(secret, message_id=entry)).status_code == 202
    ada = await api.agent("ada")
    assert (await ada.accept(owner.session_id or "")).status_code == 200
    case = await api.http.post(
        "/api/v1/records/Case", json={"Subject": "Loan"}, headers=ada.headers
    )
    record_id = case.json()["id"]
    asked = await ada.act(owner.session_id or "", actionType="initFileTransfer", recordId=record_id)
    assert asked.status_code == 200, asked.text
    assert (await upload(owner, PNG)).status_code == 202  # attached to the Case too
    attachment_id = (await attachment_of(owner))["id"]
    [work] = await ada.work("Opened")
    note = await api.http.post("/api/v1/flows/Note/interviews", json={}, headers=ada.headers)
    assert note.status_code == 201, note.text
    ids = {
        "conversation_id": owner.conversation_id or "",
        "session_id": owner.session_id or "",
        "work_id": work["workId"],
        "attachment_id": attachment_id,
        "object_name": "Case",
        "record_id": record_id,
        "event_type": "Bot_Note__e",
        "name": "Note",
        "interview_id": note.json()["id"],
        "entry": entry,
        "identity": identity(clock),
    }
    sue = await api.agent("sue")
    headers = {
        "owner:customer": owner.headers,
        "owner:agent": ada.headers,
        "owner:supervisor": sue.headers,
        "other_user": (await api.customer()).headers,
        "other_agent": await login(api, "grace", ORG),  # Acme has a grace too
        "other_supervisor": (await api.agent("sam")).headers,
        "other_org_admin": (await api.agent("root", "acme-root")).headers,
        "client_user": bearer(await client_user_token(api, app, clock)),
        "revoked:customer": await revoked_customer(api, owner),
        "revoked:agent": await revoked_agent(api),
        "revoked:supervisor": await revoked_agent(api, "sue"),
        "expired:customer": bearer(expired(app, owner.token, "enduser")),
        "expired:agent": bearer(expired(app, ada.token, "agent")),
        "expired:supervisor": bearer(expired(app, sue.token, "agent")),
    }
    secrets = [owner.conversation_id or "", owner.session_id or "", attachment_id, secret]
    return World(ids, headers, secrets)


async def login(api: Api, username: str, org_id: str) -> dict[str, str]:
    r = await api.http.post(
        "/api/v1/auth/login", json={"username": username, "password": "demo", "orgId": org_id}
    )
    assert r.status_code == 200, r.text
    return bearer(r.json()["accessToken"])


async def revoked_customer(api: Api, owner: Customer) -> dict[str, str]:
    r = await api.http.get(f"{MIAW}/authorization/continuation-access-token", headers=owner.headers)
    headers = bearer(r.json()["accessToken"])
    assert (
        await api.http.delete(f"{MIAW}/authorization/token", headers=headers)
    ).status_code == 204
    return headers


async def revoked_agent(api: Api, username: str = "ada") -> dict[str, str]:
    agent = await api.agent(username)
    assert (await api.http.post("/api/v1/auth/logout", headers=agent.headers)).status_code == 204
    return agent.headers


def expired(app: FastAPI, token: str, kind: Literal["enduser", "agent"]) -> str:
    """The same subject's token, correctly signed, that expired a second ago."""
    claims = jwt.decode(token, options={"verify_signature": False})
    extra = {"dep": claims["dep"]} if kind == "enduser" else {}
    made, _ = app.state.container.signer.issue(kind, claims["sub"], claims["org"], -1, **extra)
    return str(made)
