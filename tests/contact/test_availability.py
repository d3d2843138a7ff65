"""Whether a deployment's chat would reach an agent now: the pure decision, and the public call the
widget makes before anyone clicks."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from livedesk.contact.availability import decide, reachable_queues
from livedesk.orgs.schemas import StoredDeployment, StoredQueue
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import DEPLOYMENT, ORG, Api

NOW = 1_767_225_600_000  # 2026-01-01T00:00Z, a Thursday
FRIDAYS = {"name": "Office", "time_zone": "UTC", "weekly": {"friday": ["09:00-17:00"]}}


def queues(**overrides: dict[str, Any]) -> dict[str, StoredQueue]:
    names = ("General", "Loans", "Night", "Elsewhere")
    return {n: StoredQueue.model_validate({"name": n, **overrides.get(n, {})}) for n in names}


WEB = StoredDeployment.model_validate(
    {
        "developer_name": "Web",
        "queue": "General",
        "routing": {"rules": [{"attribute": "Topic", "equals": "Loans", "queue": "Loans"}]},
    }
)


def test_reachable_queues_follow_rules_and_overflow() -> None:
    chained = queues(Loans={"overflow_queue": "Night"})
    assert reachable_queues(WEB, chained) == {"General", "Loans", "Night"}
    assert reachable_queues(WEB, queues()) == {"General", "Loans"}


def test_an_agent_online_in_a_reachable_queue_makes_it_available() -> None:
    assert decide(WEB, queues(), {"Loans"}, NOW).available
    elsewhere = decide(WEB, queues(), {"Elsewhere"}, NOW)  # online, but not for this chat
    assert (elsewhere.is_open, elsewhere.agents_online, elsewhere.available) == (True, False, False)
    night = decide(WEB, queues(General={"business_hours_spec": FRIDAYS}), {"General"}, NOW)
    assert not night.available  # her queue is closed by its own hours


def test_closed_hours_say_when_they_open() -> None:
    closed = StoredDeployment.model_validate(
        {"developer_name": "Web", "queue": "General", "business_hours_spec": FRIDAYS}
    )
    found = decide(closed, queues(), {"General"}, NOW)
    assert (found.is_open, found.available) == (False, False)
    assert found.next_opening == NOW + (24 + 9) * 3600 * 1000


async def availability(api: Api, org: str = ORG, name: str = DEPLOYMENT) -> Any:
    return await api.http.get(f"/api/v1/orgs/{org}/deployments/{name}/availability")


async def test_the_call_follows_agents_presence(api: Api) -> None:
    r = await availability(api)
    assert r.status_code == 200
    assert r.json() == {
        "available": False,
        "isOpen": True,
        "agentsOnline": False,
        "nextOpeningTime": None,
        "whenUnavailable": "chat",
    }
    assert "max-age" in r.headers["cache-control"]
    ada = await api.agent("ada")
    await ada.presence("Online")
    assert (await availability(api)).json()["available"] is True
    await ada.presence("Offline")
    assert (await availability(api)).json()["available"] is False


async def test_the_deployment_says_what_to_show_when_unavailable(
    api: Api, app: FastAPI, demo_org: OrgFile
) -> None:
    org = demo_org.model_copy(deep=True)
    org.deployments[0].when_unavailable = "hide"
    c = app.state.container
    await apply_org(c.db, c.clock, org)
    assert (await availability(api)).json()["whenUnavailable"] == "hide"


async def test_an_unknown_deployment_is_a_404_with_a_code(api: Api) -> None:
    r = await availability(api, name="Nope")
    assert r.status_code == 404 and r.json()["code"] == "unknown_deployment"
    for org, name in (("X" * 19, DEPLOYMENT), ("%00", DEPLOYMENT), (ORG, "Web%00"), (ORG, "a b")):
        r = await availability(api, org=org, name=name)
        assert (r.status_code, r.json()["code"]) == (400, "invalid_request"), (org, name)
