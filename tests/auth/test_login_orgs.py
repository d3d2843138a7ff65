"""Agent login scoped to an org: usernames are unique per org, not across orgs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from livedesk.auth import service as auth_service
from tests.auth.orgs import ORG2, apply_acme
from tests.helpers import ORG, Api


async def login(api: Api, username: str, password: str, org_id: str | None = None) -> Any:
    body = {"username": username, "password": password}
    if org_id is not None:
        body["orgId"] = org_id
    return await api.http.post("/api/v1/auth/login", json=body)


async def me(api: Api, token: str) -> dict[str, Any]:
    r = await api.http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def test_each_org_s_ada_logs_in_with_her_own_password(api: Api, app: FastAPI) -> None:
    await apply_acme(app)
    demo = await login(api, "ada", "demo")
    acme = await login(api, "ada", "acme-ada")
    assert demo.status_code == 200 and acme.status_code == 200, (demo.text, acme.text)
    assert demo.json()["agent"]["displayName"] == "Ada Lovelace"
    assert acme.json()["agent"]["displayName"] == "Ada of Acme"
    assert (await me(api, acme.json()["accessToken"]))["queues"] == ["Front"]
    queues = await api.http.get(
        "/api/v1/queues", headers={"Authorization": f"Bearer {acme.json()['accessToken']}"}
    )
    assert [q["name"] for q in queues.json()["queues"]] == ["Front"]


async def test_org_id_picks_the_org(api: Api, app: FastAPI) -> None:
    await apply_acme(app)
    demo_grace = await login(api, "grace", "demo", ORG)
    acme_grace = await login(api, "grace", "demo", ORG2)
    assert demo_grace.status_code == 200 and acme_grace.status_code == 200
    assert demo_grace.json()["agent"]["id"] != acme_grace.json()["agent"]["id"]
    assert (await me(api, acme_grace.json()["accessToken"]))["displayName"] == "Grace of Acme"
    assert (await login(api, "ada", "acme-ada", ORG2)).json()["agent"]["displayName"] == (
        "Ada of Acme"
    )
    # The other org's password, an unknown org, a username the org does not have: all alike.
    for username, password, org_id in [
        ("ada", "demo", ORG2),
        ("ada", "acme-ada", ORG),
        ("ada", "demo", "00DLD0000000009"),
        ("root", "acme-root", ORG),
    ]:
        r = await login(api, username, password, org_id)
        assert r.status_code == 401 and r.json()["code"] == "invalid_credentials", r.text


async def test_the_same_username_and_password_in_two_orgs_needs_the_org(
    api: Api, app: FastAPI
) -> None:
    await apply_acme(app)
    r = await login(api, "grace", "demo")
    assert r.status_code == 400 and r.json()["code"] == "org_required", r.text
    assert "orgId" in r.json()["message"]
    wrong = await login(api, "grace", "nope")
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    ("username", "password", "checks"),
    [
        ("ada", "demo", 2),  # the first candidate matches: the second is checked all the same
        ("ada", "acme-ada", 2),
        ("ada", "wrong", 2),
        ("nobody", "demo", 1),  # no candidate: a dummy hash, as long as a wrong password
    ],
)
async def test_every_candidate_s_password_is_checked(
    api: Api,
    app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    password: str,
    checks: int,
) -> None:
    """The time a login takes does not tell which usernames exist or which candidate matched."""
    await apply_acme(app)
    calls: list[str | None] = []
    real = auth_service.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(auth_service, "verify_password", counting)
    await login(api, username, password)
    assert len(calls) == checks
