"""/metrics (route templates, statuses, sessions, agents, queues, streams, database counters,
the optional token) and the request log in both formats."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from typing import Any

import pytest
from fastapi import FastAPI

from livedesk.kit.db import DbStats
from livedesk.ops import logs
from livedesk.ops.metrics import Metrics
from livedesk.ops.requests import RequestObserver
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


async def _observe(app: Any, method: str = "GET") -> dict[str, float]:
    metrics = Metrics(DbStats)
    observer = RequestObserver(app, metrics)
    scope = {"type": "http", "method": method, "path": "/x", "headers": []}

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(_: Any) -> None:
        return None

    with contextlib.suppress(RuntimeError):
        await observer(scope, receive, send)
    return _samples(metrics.render(0, [], [], []).decode())


async def test_unanswered_failed_and_odd_requests_are_counted_as_what_they_are() -> None:
    async def gone(scope: Any, receive: Any, send: Any) -> None:
        return None  # the client left before an answer

    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("bug")

    async def ok(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    assert _samples_of(await _observe(gone)) == {("GET", "499"): 1}
    assert _samples_of(await _observe(broken)) == {("GET", "500"): 1}
    assert _samples_of(await _observe(ok, method="FOO1")) == {("OTHER", "204"): 1}


async def test_a_finished_event_stream_is_counted_but_not_timed() -> None:
    async def stream(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/event-stream; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    samples = await _observe(stream)
    assert _samples_of(samples) == {("GET", "200"): 1}
    assert not any(k.startswith("livedesk_http_request_duration_seconds_count") for k in samples)


def _samples_of(samples: dict[str, float]) -> dict[tuple[str, str], float]:
    out = {}
    for name, value in samples.items():
        if name.startswith("livedesk_http_requests_total{"):
            labels = dict(part.split("=") for part in name[name.index("{") + 1 : -1].split(","))
            out[(labels["method"].strip('"'), labels["status"].strip('"'))] = value
    return out


def test_text_logs_keep_what_clients_send_on_one_line() -> None:
    record = logging.getLogger("livedesk.access").makeRecord(
        "livedesk.access",
        logging.INFO,
        __file__,
        1,
        "%s",
        ("GET /x\n2026-01-01 WARNING livedesk.auth: forged",),
        None,
        extra={"path": "/x\r\nforged"},
    )
    line = logs.TextFormatter().format(record)
    assert "\n" not in line and "\r" not in line
    assert "/x\\n2026-01-01 WARNING" in line and "path=/x\\r\\nforged" in line


def test_uvicorn_repeats_no_access_line_in_any_process() -> None:
    """Each request is logged once, by livedesk.access: a `--workers` process sets logging up
    after uvicorn did, and uvicorn's access logger stays silent there too (uvicorn logs an access
    line whenever that logger has a handler, its ancestors' included)."""
    access = logging.getLogger("uvicorn.access")
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, access.handlers[:], access.propagate)
    try:
        logs.configure("info", "text")
        assert not access.hasHandlers()
    finally:
        root.handlers[:], _, access.handlers[:], access.propagate = saved
        root.setLevel(saved[1])
