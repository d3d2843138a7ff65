"""Guest tokens, continuation, revocation, agent login: success and every refusal."""

from __future__ import annotations

import jwt
import pytest

from livedesk.kit.clock import FakeClock
from tests.conftest import TOKEN_KEY
from tests.helpers import DEPLOYMENT, MIAW, ORG, Api

TOKEN_URL = f"{MIAW}/authorization/unauthenticated/access-token"


async def test_guest_token_has_the_miaw_shape(api: Api) -> None:
    r = await api.http.post(
        TOKEN_URL,
        json={
            "orgId": ORG,
            "esDeveloperName": DEPLOYMENT,
            "capabilitiesVersion": "1",
            "platform": "Web",
            "deviceId": "device-1",
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert body["accessToken"] and body["lastEventId"] == "0"
    context = body["context"]
    assert context["deviceId"] == "device-1"
    assert context["endUser"]["role"] == "EndUser" and context["endUser"]["subject"]
    config = context["configuration"]["embeddedServiceConfig"]
    assert config["name"] == DEPLOYMENT and config["deploymentType"] == "api"
    prechat = config["forms"][0]
    assert [f["name"] for f in prechat["formFields"]] == [
        "_firstName",
        "_lastName",
        "_email",
        "Topic",
    ]
    topics = config["choiceListConfig"]["choiceList"][0]["choiceListValues"]
    assert [v["choiceListValueName"] for v in topics] == ["General", "Billing", "Loans"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"orgId": "00DXX0000000009", "esDeveloperName": DEPLOYMENT}, "unknown_deployment"),
        ({"orgId": ORG, "esDeveloperName": "Nope"}, "unknown_deployment"),
        ({"esDeveloperName": DEPLOYMENT}, "invalid_request"),
        ({"orgId": 5, "esDeveloperName": DEPLOYMENT}, "invalid_request"),
        ([1, 2], "invalid_request"),
    ],
)
async def test_guest_token_refusals(api: Api, body: object, code: str) -> None:
    r = await api.http.post(TOKEN_URL, json=body)
    assert r.status_code == 400
    assert r.json()["code"] == code and r.json()["message"]


async def test_malformed_json_is_a_400(api: Api) -> None:
    r = await api.http.post(
        TOKEN_URL, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"


async def test_continuation_gives_a_working_token_for_the_same_subject(api: Api) -> None:
    customer = await api.customer()
    await customer.create_conversation()
    r = await api.http.get(
        f"{MIAW}/authorization/continuation-access-token", headers=customer.headers
    )
    assert r.status_code == 200
    body = r.json()
    assert body["lastEventId"] != "" and int(body["lastEventId"]) >= 1
    claims = jwt.decode(body["accessToken"], options={"verify_signature": False})
    assert claims["sub"] == customer.subject
    customer.token = body["accessToken"]
    assert (await customer.history()).status_code == 200


async def test_revoked_token_stops_working(api: Api) -> None:
    customer = await api.customer()
    r = await api.http.delete(f"{MIAW}/authorization/token", headers=customer.headers)
    assert r.status_code == 204
    r = await api.http.get(f"{MIAW}/conversation/list", headers=customer.headers)
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
    r = await api.http.get(
        f"{MIAW}/authorization/continuation-access-token", headers=customer.headers
    )
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "missing_token"),
        ("Basic abc", "invalid_token"),
        ("Bearer not-a-jwt", "invalid_token"),
        ("Bearer " + "x" * 5000, "invalid_token"),
    ],
)
async def test_missing_or_malformed_tokens(api: Api, header: str | None, code: str) -> None:
    headers = {"Authorization": header} if header else {}
    r = await api.http.get(f"{MIAW}/conversation/list", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == code


async def test_forged_and_tampered_tokens_are_refused(api: Api) -> None:
    customer = await api.customer()
    claims = jwt.decode(customer.token, options={"verify_signature": False})
    forged = jwt.encode(claims, "another-key-entirely-another-key-entirely", algorithm="HS256")
    unsigned = jwt.encode(claims, None, algorithm="none")
    header, _payload, sig = customer.token.split(".")
    other = jwt.encode({**claims, "sub": "someone-else"}, "k" * 40, algorithm="HS256").split(".")[1]
    for token in (forged, unsigned, f"{header}.{other}.{sig}"):
        r = await api.http.get(
            f"{MIAW}/conversation/list", headers={"Authorization": f"Bearer {token}"}
        )
        assert r.status_code == 401, token
        assert r.json()["code"] == "invalid_token"


async def test_expired_token(api: Api, clock: FakeClock) -> None:
    """Also once the server has seen the token valid (checked signatures are remembered)."""
    customer = await api.customer()
    r = await api.http.get(f"{MIAW}/conversation/list", headers=customer.headers)
    assert r.status_code == 200
    clock.advance(7 * 3600)
    r = await api.http.get(f"{MIAW}/conversation/list", headers=customer.headers)
    assert r.status_code == 401 and r.json()["code"] == "token_expired"


async def test_agent_token_is_not_a_customer_token(api: Api) -> None:
    agent = await api.agent()
    r = await api.http.get(f"{MIAW}/conversation/list", headers=agent.headers)
    assert r.status_code == 401
    customer = await api.customer()
    r = await api.http.get("/api/v1/me", headers={"Authorization": f"Bearer {customer.token}"})
    assert r.status_code == 401


async def test_token_with_right_key_but_wrong_audience(api: Api, clock: FakeClock) -> None:
    now = clock.now_ms() // 1000
    token = jwt.encode(
        {
            "iss": "livedesk",
            "aud": "elsewhere",
            "typ": "enduser",
            "sub": "x",
            "org": ORG,
            "jti": "j",
            "iat": now,
            "exp": now + 60,
            "dep": "d",
        },
        TOKEN_KEY,
        algorithm="HS256",
    )
    r = await api.http.get(
        f"{MIAW}/conversation/list", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401 and r.json()["code"] == "invalid_token"


async def test_org_header_must_match_the_token(api: Api) -> None:
    customer = await api.customer()
    headers = {**customer.headers, "X-Org-Id": "00DXX0000000009"}
    r = await api.http.get(f"{MIAW}/conversation/list", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "org_mismatch"


async def test_agent_login_me_and_presence(api: Api) -> None:
    agent = await api.agent("ada")
    assert agent.agent["username"] == "ada" and agent.agent["capacity"] == 3
    r = await api.http.get("/api/v1/me", headers=agent.headers)
    assert r.status_code == 200 and r.json()["presence"] == "Offline"
    r = await api.http.put("/api/v1/me/presence", json={"status": "Online"}, headers=agent.headers)
    assert r.status_code == 200 and r.json()["presence"] == "Online"
    r = await api.http.put(
        "/api/v1/me/presence", json={"status": "Sleeping"}, headers=agent.headers
    )
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"


@pytest.mark.parametrize(("username", "password"), [("ada", "wrong"), ("nobody", "demo")])
async def test_agent_login_refusals(api: Api, username: str, password: str) -> None:
    r = await api.http.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 401 and r.json()["code"] == "invalid_credentials"


async def test_agent_logout_revokes(api: Api) -> None:
    agent = await api.agent()
    assert (await api.http.post("/api/v1/auth/logout", headers=agent.headers)).status_code == 204
    r = await api.http.get("/api/v1/me", headers=agent.headers)
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
