"""The org's flows as an agent sees them, to pick one (the console's "Launch a flow")."""

from __future__ import annotations

from tests.helpers import Api


async def test_an_agent_lists_the_orgs_flows_with_their_audience_and_inputs(api: Api) -> None:
    ada = await api.agent("ada")
    r = await api.http.get("/api/v1/flows", headers=ada.headers)
    assert r.status_code == 200, r.text
    assert r.json()["flows"] == [
        {
            "name": "Use_of_Funds_Agent",
            "label": "Use of funds (agent)",
            "audience": "agent",
            "inputs": ["recordId"],
        },
        {
            "name": "Use_of_Funds_Customer",
            "label": "Use of funds (customer)",
            "audience": "customer",
            "inputs": ["recordId"],
        },
    ]
    assert (await api.http.get("/api/v1/flows")).status_code == 401
