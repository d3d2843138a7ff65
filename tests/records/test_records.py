"""Records API: Case and Contact built in, custom objects from the org file, schema and
permission checks."""

from __future__ import annotations

from fastapi import FastAPI

from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import Api

R = "/api/v1/records"


async def test_cases_can_be_created_read_queried_and_updated(api: Api) -> None:
    ada = await api.agent("ada")
    h = ada.headers
    r = await api.http.post(f"{R}/Case", json={"Subject": "Loan", "Status": "New"}, headers=h)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["object"] == "Case" and case["fields"]["Subject"] == "Loan"
    got = await api.http.get(f"{R}/Case/{case['id']}", headers=h)
    assert got.json() == case
    await api.http.post(f"{R}/Case", json={"Subject": "Other", "Status": "Closed"}, headers=h)
    found = await api.http.get(f"{R}/Case", params={"Status": "New"}, headers=h)
    assert [x["id"] for x in found.json()["records"]] == [case["id"]]
    r = await api.http.patch(f"{R}/Case/{case['id']}", json={"Status": "Working"}, headers=h)
    assert r.status_code == 200 and r.json()["fields"] == {"Subject": "Loan", "Status": "Working"}


async def test_schema_errors_are_clear(api: Api) -> None:
    h = (await api.agent("ada")).headers
    cases = [
        ("post", f"{R}/Case", {"Colour": "red"}, 400, "unknown_field"),
        ("post", f"{R}/Case", {"Subject": 42}, 400, "invalid_field"),
        ("post", f"{R}/Contact", {"Email": "not-an-email"}, 400, "invalid_field"),
        ("post", f"{R}/Spaceship__c", {}, 404, "unknown_object"),
        ("get", f"{R}/Case/nope", None, 404, "record_not_found"),
        ("get", f"{R}/Case", None, 200, None),
        ("get", f"{R}/Case?Colour=red", None, 400, "unknown_field"),
    ]
    for method, url, body, status, code in cases:
        r = await api.http.request(method, url, json=body, headers=h)
        assert r.status_code == status, (url, r.text)
        if code:
            assert r.json()["code"] == code
    r = await api.http.post(
        f"{R}/Case", content=b"[1,2]", headers={**h, "Content-Type": "application/json"}
    )
    assert r.status_code == 400


async def test_custom_objects_need_a_permission_set(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    org = OrgFile.model_validate(
        {
            **demo_org.model_dump(mode="json"),
            "objects": [
                {"name": "Loan__c", "fields": {"Amount": {"type": "number", "required": True}}}
            ],
            "permission_sets": [
                {
                    "name": "Loans",
                    "objects": {"Loan__c": ["read", "create"]},
                    "assigned_to": {"agents": ["grace"]},
                }
            ],
        }
    )
    c = app.state.container
    await apply_org(c.db, c.clock, org)
    grace, ada = await api.agent("grace"), await api.agent("ada")
    r = await api.http.post(f"{R}/Loan__c", json={"Amount": 1000}, headers=grace.headers)
    assert r.status_code == 201, r.text
    r = await api.http.post(f"{R}/Loan__c", json={}, headers=grace.headers)
    assert r.status_code == 400 and r.json()["code"] == "missing_field"
    r = await api.http.post(f"{R}/Loan__c", json={"Amount": 5}, headers=ada.headers)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert "`create` permission on Loan__c" in r.json()["message"]
    r = await api.http.patch(
        f"{R}/Loan__c/{(await api.http.get(f'{R}/Loan__c', headers=grace.headers)).json()['records'][0]['id']}",
        json={"Amount": 2},
        headers=grace.headers,
    )
    assert r.status_code == 403 and r.json()["permission"] == "edit"
    customer = await api.customer()
    r = await api.http.get(f"{R}/Case", headers=customer.headers)
    assert r.status_code == 401  # records are for agents
