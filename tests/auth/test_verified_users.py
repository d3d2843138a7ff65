"""Verified users: identity tokens signed by the customer's system (RS256/ES256), and every way a
token can be wrong — each a 401 with its own code."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import sys
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import MIAW, ORG, Api, uid

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def pem(key: Any) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


ISSUER, AUDIENCE = "https://bot.example", "livedesk"


@pytest.fixture
async def verified_org(app: FastAPI, demo_org: OrgFile) -> None:
    web = demo_org.deployments[0].model_dump(mode="json")
    web["user_verification"] = {
        "keysets": [
            {"kid": "rsa1", "issuer": ISSUER, "audience": AUDIENCE, "public_key": pem(RSA_KEY)},
            {
                "kid": "ec1",
                "issuer": ISSUER,
                "audience": AUDIENCE,
                "algorithm": "ES256",
                "public_key": pem(EC_KEY),
            },
        ]
    }
    org = OrgFile.model_validate({**demo_org.model_dump(mode="json"), "deployments": [web]})
    c = app.state.container
    await apply_org(c.db, c.clock, org)


def claims(clock: FakeClock, **changes: Any) -> dict[str, Any]:
    now = clock.now_ms() // 1000
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-42",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "name": "Moe",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(
    payload: dict[str, Any], kid: str = "rsa1", key: Any = RSA_KEY, alg: str = "RS256"
) -> str:
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


async def token_call(api: Api, identity: str) -> Any:
    return await api.http.post(
        f"{MIAW}/authorization/authenticated/access-token",
        json={
            "orgId": ORG,
            "esDeveloperName": "Web_Chat",
            "capabilitiesVersion": "1",
            "platform": "Web",
            "authorizationType": "JWT",
            "customerIdentityToken": identity,
        },
    )


async def test_a_verified_user_is_the_same_person_on_every_device(
    api: Api, verified_org: None, clock: FakeClock
) -> None:
    phone = await token_call(api, signed(claims(clock)))
    assert phone.status_code == 200, phone.text
    subject = phone.json()["context"]["endUser"]["subject"]
    assert phone.json()["context"]["endUser"]["displayName"] == "Moe"
    headers = {"Authorization": f"Bearer {phone.json()['accessToken']}"}
    conversation = uid()
    r = await api.http.post(
        f"{MIAW}/conversation",
        headers=headers,
        json={"conversationId": conversation, "esDeveloperName": "Web_Chat"},
    )
    assert r.status_code == 201
    laptop = await token_call(api, signed(claims(clock), kid="ec1", key=EC_KEY, alg="ES256"))
    assert laptop.status_code == 200, laptop.text
    assert laptop.json()["context"]["endUser"]["subject"] == subject
    listed = await api.http.get(
        f"{MIAW}/conversation/list",
        headers={"Authorization": f"Bearer {laptop.json()['accessToken']}"},
    )
    assert [c["conversationId"] for c in listed.json()["conversations"]] == [conversation]
    other = await token_call(api, signed(claims(clock, sub="someone-else")))
    assert other.json()["context"]["endUser"]["subject"] != subject


async def test_bad_identity_tokens_are_refused_with_distinct_codes(
    api: Api, verified_org: None, clock: FakeClock
) -> None:
    good = signed(claims(clock))
    header, payload, signature = good.split(".")
    none_header = b64(json.dumps({"alg": "none", "kid": "rsa1", "typ": "JWT"}).encode())
    hs_header = b64(json.dumps({"alg": "HS256", "kid": "rsa1", "typ": "JWT"}).encode())
    hs_signature = b64(
        hmac.new(pem(RSA_KEY).encode(), f"{hs_header}.{payload}".encode(), hashlib.sha256).digest()
    )
    tampered = b64(json.dumps(claims(clock, sub="admin")).encode())
    now = clock.now_ms() // 1000
    cases = {
        "identity_token_algorithm": [
            f"{none_header}.{payload}.",
            f"{hs_header}.{payload}.{hs_signature}",
        ],
        "identity_token_unknown_key": [signed(claims(clock), kid="nope")],
        "identity_token_signature": [f"{header}.{tampered}.{signature}"],
        "identity_token_expired": [
            signed(claims(clock, iat=now - 4000, nbf=now - 4000, exp=now - 600))
        ],
        "identity_token_not_yet_valid": [signed(claims(clock, nbf=now + 600, exp=now + 1200))],
        "identity_token_audience": [signed(claims(clock, aud="someone-else"))],
        "identity_token_issuer": [signed(claims(clock, iss="https://evil.example"))],
        "identity_token_subject": [signed(claims(clock, sub=None))],
        "identity_token_lifetime": [signed(claims(clock, exp=now + 86400))],
        "identity_token_too_large": [signed(claims(clock, padding="x" * 9000))],
        "identity_token_malformed": ["not-a-jwt", "a.b.c"],
        "identity_token_claims": [signed(claims(clock, iat=None))],
    }
    for code, tokens in cases.items():
        for token in tokens:
            r = await token_call(api, token)
            assert (r.status_code, r.json()["code"]) == (401, code), (code, r.text)


async def test_deployments_without_keys_refuse_clearly(api: Api, clock: FakeClock) -> None:
    r = await token_call(api, signed(claims(clock)))
    assert r.status_code == 403 and r.json()["code"] == "user_verification_not_enabled"


async def test_an_integration_client_vouches_for_its_users(
    api: Api, app: FastAPI, demo_org: OrgFile, clock: FakeClock, tmp_path: Path
) -> None:
    """`livedesk client add` registers the bot platform; its users get the permission sets
    granted to the client."""
    org = OrgFile.model_validate(
        {
            **demo_org.model_dump(mode="json"),
            "event_types": [
                *demo_org.model_dump(mode="json")["event_types"],
                {"name": "Bot_Note__e", "fields": {"text": {"required": True}}},
            ],
            "permission_sets": [
                *demo_org.model_dump(mode="json")["permission_sets"],
                {
                    "name": "Bot_Users",
                    "events": {"Bot_Note__e": ["create"]},
                    "assigned_to": {"clients": ["moveworks"]},
                },
            ],
        }
    )
    c = app.state.container
    await apply_org(c.db, c.clock, org)
    key_file = tmp_path / "bot.pem"
    key_file.write_text(pem(RSA_KEY))
    settings = c.settings
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livedesk",
        "client",
        "add",
        "moveworks",
        "--org",
        ORG,
        "--public-key",
        str(key_file),
        env={
            **os.environ,
            "LIVEDESK_DATA_DIR": str(settings.data_dir),
            **({"LIVEDESK_DATABASE_URL": settings.database_url} if settings.database_url else {}),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert "kid=moveworks iss=moveworks aud=00DLD0000000001" in out.decode()
    identity = signed(claims(clock, iss="moveworks", aud=ORG, sub="mw-user-7"), kid="moveworks")
    r = await token_call(api, identity)
    assert r.status_code == 200, r.text
    bot_user = {"Authorization": f"Bearer {r.json()['accessToken']}"}
    note = await api.http.post("/api/v1/events/Bot_Note__e", json={"text": "hi"}, headers=bot_user)
    assert note.status_code == 201, note.text
    guest = await api.customer()
    refused = await api.http.post(
        "/api/v1/events/Bot_Note__e", json={"text": "hi"}, headers=guest.headers
    )
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    again = await api.http.get(f"{MIAW}/authorization/continuation-access-token", headers=bot_user)
    continued = {"Authorization": f"Bearer {again.json()['accessToken']}"}
    still = await api.http.post("/api/v1/events/Bot_Note__e", json={"text": "x"}, headers=continued)
    assert still.status_code == 201
