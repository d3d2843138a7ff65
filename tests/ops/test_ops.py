"""/metrics (route templates, statuses, sessions, agents, queues, streams, database counters,
the optional token) and the request log in both formats."""

from __future__ import annotations

import json
import logging
import sys

import pytest
from fastapi import FastAPI

from livedesk.ops import logs
from tests.helpers import MIAW, ORG, Api, customer_stream


def _samples(text: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


async def test_metrics_count_requests_by_route_and_read_the_state(api: Api) -> None:
    customer = await api.waiting_customer(routingAttributes={"Topic": "Loans"})
    await customer.send("hello")
    await customer.send("again")
    await api.http.get(f"{MIAW}/conversation/not-a-uuid", headers=customer.headers)
    await api.http.get("/no/such/page")
    ada = await api.agent("ada")
    await api.http.put("/api/v1/me/presence", json={"status": "Busy"}, headers=ada.headers)

    r = await api.http.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    s = _samples(r.text)
    route = "/iamessage/api/v2/conversation/{conversation_id}/message"
    assert s[f'livedesk_http_requests_total{{method="POST",route="{route}",status="202"}}'] == 2
    assert s[f'livedesk_http_request_duration_seconds_count{{method="POST",route="{route}"}}'] == 2
    status_route = "/iamessage/api/v2/conversation/{conversation_id}"
    assert (
        s[f'livedesk_http_requests_total{{method="GET",route="{status_route}",status="400"}}'] == 1
    )
    assert s['livedesk_http_requests_total{method="GET",route="unmatched",status="404"}'] == 1
    assert customer.conversation_id not in r.text  # ids never become labels
    assert s[f'livedesk_sessions{{org="{ORG}",status="Waiting"}}'] == 1
    assert s[f'livedesk_queue_waiting{{org="{ORG}",queue="Loans"}}'] == 1
    assert s[f'livedesk_agents{{org="{ORG}",presence="Busy"}}'] == 1
    assert s["livedesk_db_transactions_total"] >= 3
    assert 1 <= s["livedesk_db_commits_total"] <= s["livedesk_db_transactions_total"]


async def test_a_queue_that_empties_leaves_the_metrics(api: Api) -> None:
    customer = await api.waiting_customer(routingAttributes={"Topic": "Loans"})
    first = _samples((await api.http.get("/metrics")).text)
    assert first[f'livedesk_queue_waiting{{org="{ORG}",queue="Loans"}}'] == 1
    r = await api.http.delete(
        f"{MIAW}/conversation/{customer.conversation_id}/session", headers=customer.headers
    )
    assert r.status_code == 204
    text = (await api.http.get("/metrics")).text
    assert 'queue="Loans"' not in text and 'status="Waiting"' not in text


async def test_open_streams_are_counted_and_not_timed(live: Api) -> None:
    customer = await live.customer()
    async with customer_stream(customer):
        s = _samples((await live.http.get("/metrics")).text)
        assert s["livedesk_sse_streams_open"] == 1
    s = _samples((await live.http.get("/metrics")).text)
    assert 'route="/eventrouter/v1/sse"' not in "".join(
        k for k in s if k.startswith("livedesk_http_request_duration")
    )


@pytest.mark.parametrize("metrics_token", ["s3cret-metrics"])
async def test_a_metrics_token_guards_the_metrics(
    api: Api, app: FastAPI, metrics_token: str
) -> None:
    app.state.container.settings.metrics_token = metrics_token
    r = await api.http.get("/metrics")
    assert r.status_code == 401 and r.json()["code"] == "invalid_metrics_token"
    r = await api.http.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    r = await api.http.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"})
    assert r.status_code == 200


async def test_each_request_is_logged_with_its_route(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    customer = await api.waiting_customer()
    with caplog.at_level(logging.INFO, logger="livedesk.access"):
        await customer.send("hello")
    [record] = [r for r in caplog.records if r.name == "livedesk.access"]
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["level"] == "info" and line["logger"] == "livedesk.access"
    assert line["method"] == "POST" and line["status"] == 202
    assert line["route"] == "/iamessage/api/v2/conversation/{conversation_id}/message"
    assert line["path"] == f"{MIAW}/conversation/{customer.conversation_id}/message"
    assert line["duration_ms"] >= 0 and line["ts"].endswith("Z")
    text = logs.TextFormatter().format(record)
    assert "livedesk.access" in text and "status=202" in text


def test_log_lines_carry_exceptions_as_a_field() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("livedesk").makeRecord(
            "livedesk",
            logging.ERROR,
            __file__,
            1,
            "failed %s",
            ("x",),
            sys.exc_info(),
        )
    line = json.loads(logs.JsonFormatter().format(record))
    assert line["message"] == "failed x" and "ValueError: boom" in line["exception"]
