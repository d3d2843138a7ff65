"""Platform events: schema, permission sets, replay ids, filters and subscriptions."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from tests.helpers import Api, open_stream

E = "/api/v1/events/Use_Of_Fund__e"


async def test_customers_publish_agents_read_with_a_filter(api: Api) -> None:
    customer = await api.customer()
    ada = await api.agent("ada")
    first = await api.http.post(
        E,
        json={"id": "case-1", "use_of_fund_reason": "🛠 Renovation Work"},
        headers=customer.headers,
    )
    assert first.status_code == 201, first.text
    await api.http.post(
        E, json={"id": "case-2", "use_of_fund_reason": "Car"}, headers=customer.headers
    )
    assert first.json()["replayId"] == 1
    r = await api.http.get(E, params={"filter": "id = case-1"}, headers=ada.headers)
    [event] = r.json()["events"]
    assert event["fields"] == {"id": "case-1", "use_of_fund_reason": "🛠 Renovation Work"}
    assert event["replayId"] == 1 and event["publisher"]["role"] == "EndUser"
    everything = await api.http.get(E, params={"after": 1}, headers=ada.headers)
    assert [e["fields"]["id"] for e in everything.json()["events"]] == ["case-2"]


async def test_permissions_and_schema_are_enforced(api: Api) -> None:
    customer = await api.customer()
    ada = await api.agent("ada")
    r = await api.http.post(E, json={"id": "x", "use_of_fund_reason": "y"}, headers=ada.headers)
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"
    assert r.json()["target"] == "Use_Of_Fund__e" and r.json()["permission"] == "create"
    r = await api.http.get(E, headers=customer.headers)
    assert r.status_code == 403 and r.json()["permission"] == "read"
    r = await api.http.post(E, json={"id": "x"}, headers=customer.headers)
    assert r.status_code == 400 and r.json()["code"] == "missing_field"
    r = await api.http.post("/api/v1/events/Nope__e", json={"id": "x"}, headers=customer.headers)
    assert r.status_code == 404 and r.json()["code"] == "unknown_event_type"
    for bad, column in (("id == x", 5), ("colour = red", 1), ("id = x OR id = y", 8)):
        r = await api.http.get(E, params={"filter": bad}, headers=ada.headers)
        assert r.status_code == 400 and r.json()["code"] == "invalid_filter", bad
        assert r.json()["column"] == column, (bad, r.json())


async def test_a_filtered_subscription_gets_only_its_events_and_replays(live: Api) -> None:
    customer = await live.customer()
    ada = await live.agent("ada")
    path = f"{E}/stream?filter=id%20%3D%20mine"
    publish = lambda key, reason: live.http.post(  # noqa: E731
        E, json={"id": key, "use_of_fund_reason": reason}, headers=customer.headers
    )
    async with open_stream(live.http, path, ada.headers) as stream:
        await publish("other", "no")
        await publish("mine", "yes")
        event = await stream.next()
        assert (
            event.event == "Use_Of_Fund__e" and event.data["fields"]["use_of_fund_reason"] == "yes"
        )
        replay_from = event.id
    await publish("mine", "later")
    await publish("other", "no")
    async with open_stream(live.http, path, ada.headers, last_event_id="0") as stream:
        got = [(await stream.next()).data["fields"]["use_of_fund_reason"] for _ in range(2)]
        assert got == ["yes", "later"]
    async with open_stream(live.http, path, ada.headers, last_event_id=replay_from) as stream:
        assert (await stream.next()).data["fields"]["use_of_fund_reason"] == "later"


async def test_events_are_kept_for_their_retention_then_deleted(
    api: Api, app: FastAPI, clock: FakeClock
) -> None:
    customer = await api.customer()
    ada = await api.agent("ada")

    async def publish(key: str) -> None:
        r = await api.http.post(
            E, json={"id": key, "use_of_fund_reason": "x"}, headers=customer.headers
        )
        assert r.status_code == 201

    await publish("old")
    clock.advance(2 * 3600)
    await publish("newer")
    clock.advance(71 * 3600)  # "old" is 73 h old, "newer" 71 h
    await app.state.container.scheduler.run_due()
    ada = await api.agent("ada")  # a fresh token: the fake clock moved past the old one
    r = await api.http.get(E, headers=ada.headers)
    assert [e["fields"]["id"] for e in r.json()["events"]] == ["newer"]


async def test_logging_out_closes_the_agents_event_subscriptions_too(live: Api) -> None:
    ada = await live.agent("ada")
    async with open_stream(live.http, f"{E}/stream", ada.headers) as stream:
        r = await live.http.post("/api/v1/auth/logout", headers=ada.headers)
        assert r.status_code == 204
        with contextlib.suppress(EOFError, httpx.RemoteProtocolError):
            async with asyncio.timeout(5):
                while True:
                    await stream.next()
    r = await live.http.get(f"{E}/stream", headers=ada.headers)
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
