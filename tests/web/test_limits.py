"""Rate limits: new tokens per address, messages per end user, streams per token; 429 with
Retry-After, and the limit lifts as time passes."""

from __future__ import annotations

import asyncio
import os

import pytest
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from livedesk.config import RateLimitSettings
from livedesk.errors import AppError
from livedesk.kit.clock import FakeClock
from livedesk.kit.ratelimit import RateLimiter
from livedesk.kit.shared_buckets import SharedBuckets
from livedesk.streams.hub import StreamHub
from livedesk.web.limits import RateLimits
from tests.e2e.server import free_port
from tests.helpers import DEPLOYMENT, MIAW, Api, customer_stream, uid
from tests.per_run import REDIS_CHANNEL

REDIS_URL = os.environ.get("LIVEDESK_TEST_REDIS_URL")


def _limit(app: FastAPI, clock: FakeClock, **settings: float) -> None:
    c = app.state.container
    c.limits = RateLimits(RateLimitSettings(**settings), clock, c.hub)  # type: ignore[arg-type]


async def test_new_tokens_are_limited_per_address(api: Api, app: FastAPI, clock: FakeClock) -> None:
    _limit(app, clock, tokens_per_minute=3)
    for _ in range(3):
        await api.customer()
    r = await api.http.post(
        "/iamessage/api/v2/authorization/unauthenticated/access-token",
        json={"orgId": "00DLD0000000001", "esDeveloperName": "Web_Chat"},
    )
    assert r.status_code == 429 and r.json()["code"] == "too_many_tokens"
    assert r.headers["Retry-After"] == "20" and r.json()["retryAfterSeconds"] == 20
    login = await api.http.post("/api/v1/auth/login", json={"username": "ada", "password": "x"})
    assert login.status_code == 429  # password guessing counts too
    clock.advance(20)
    await api.customer()  # one more token has come back


async def test_messages_are_limited_per_end_user(api: Api, app: FastAPI, clock: FakeClock) -> None:
    _limit(app, clock, messages_per_second=1, message_burst=3)
    lin = await api.waiting_customer()  # creating the conversation took one
    bo = await api.waiting_customer()
    assert (await lin.send("one")).status_code == 202
    assert (await lin.send("two")).status_code == 202
    r = await lin.send("three")
    assert r.status_code == 429 and r.json()["code"] == "too_many_messages"
    assert r.headers["Retry-After"] == "1"
    assert (await bo.send("someone else")).status_code == 202  # per end user
    clock.advance(1)
    assert (await lin.send("three, again")).status_code == 202
    history = (await lin.history()).json()["conversationEntries"]
    texts = [
        e["entryPayload"]["abstractMessage"]["staticContent"]["text"]
        for e in history
        if e["entryType"] == "Message"
    ]
    assert "three" not in texts  # a refused message is not recorded


async def test_streams_are_limited_per_token(live: Api, app: FastAPI, clock: FakeClock) -> None:
    _limit(app, clock, streams_per_token=1)
    customer = await live.customer()
    async with customer_stream(customer):
        r = await live.http.get("/eventrouter/v1/sse", headers=customer.headers)
        assert r.status_code == 429 and r.json()["code"] == "too_many_streams"
    hub = app.state.container.hub
    async with asyncio.timeout(5):  # the server notices the disconnect
        while hub.open_streams:  # noqa: ASYNC110 (nothing signals a closed stream)
            await asyncio.sleep(0.01)
    async with customer_stream(customer):
        pass  # the first one closed: room again


@given(
    rate=st.floats(0.1, 100),
    burst=st.integers(1, 50),
    gaps=st.lists(st.floats(0, 5), min_size=1, max_size=200),
)
def test_a_bucket_never_allows_more_than_burst_plus_rate_times_time(
    rate: float, burst: int, gaps: list[float]
) -> None:
    limiter = RateLimiter(rate, burst)
    now = allowed = 0.0
    for gap in gaps:
        now += gap
        wait = limiter.wait("k", now)
        assert wait >= 0
        if wait == 0:
            allowed += 1
        else:
            assert limiter.wait("k", now + wait + 1e-9) == 0  # waiting as told is enough
            now += wait + 1e-9
            allowed += 1
        assert allowed <= burst + rate * now + 1e-6


def test_idle_keys_are_forgotten_when_there_are_too_many() -> None:
    limiter = RateLimiter(1.0, 2, max_keys=3)
    for key in "abc":
        limiter.wait(key, 0.0)
    limiter.wait("d", 10.0)  # a, b, c have refilled by then
    assert len(limiter) == 1
    with pytest.raises(ValueError):
        RateLimiter(0, 1)


async def test_every_customer_write_shares_the_budget_but_typing_and_receipts(
    api: Api, app: FastAPI, clock: FakeClock
) -> None:
    _limit(app, clock, messages_per_second=1, message_burst=3)
    lin = await api.customer()
    assert (await lin.create_conversation()).status_code == 201
    for kind in ("TypingStartedIndicator", "TypingStoppedIndicator") * 10:
        typing = await api.http.post(
            f"{MIAW}/conversation/{lin.conversation_id}/entry",
            json={"entryType": kind},
            headers=lin.headers,
        )
        assert typing.status_code == 202  # never refused, never counted
    sent = await lin.send("hello")
    assert sent.status_code == 202
    receipt = {
        "acks": [
            {
                "entryType": "Read",
                "conversationEntryId": sent.json()["conversationEntries"][0]["id"],
            }
        ]
    }
    for _ in range(5):  # receipts have their own budget (four times the messages')
        r = await api.http.post(
            f"{MIAW}/conversation/{lin.conversation_id}/acknowledge-entries",
            json=receipt,
            headers=lin.headers,
        )
        assert r.status_code == 202, r.text
    for n in range(5, 13):
        r = await api.http.post(
            f"{MIAW}/conversation/{lin.conversation_id}/acknowledge-entries",
            json=receipt,
            headers=lin.headers,
        )
        assert (r.status_code, r.json()["code"] if n == 12 else None) == (
            (429, "too_many_receipts") if n == 12 else (202, None)
        ), r.text
    event = {"id": "x", "use_of_fund_reason": "y"}
    r = await api.http.post("/api/v1/events/Use_Of_Fund__e", json=event, headers=lin.headers)
    assert r.status_code == 201, r.text  # the third write
    for r in (
        await api.http.post(
            f"{MIAW}/conversation",
            json={"conversationId": uid(), "esDeveloperName": DEPLOYMENT},
            headers=lin.headers,
        ),
        await api.http.post("/api/v1/events/Use_Of_Fund__e", json=event, headers=lin.headers),
        await lin.send("more"),
    ):
        assert r.status_code == 429 and r.json()["code"] == "too_many_messages", r.text


async def test_ipv6_clients_are_counted_by_their_64() -> None:
    def request(host: str) -> Request:
        return Request({"type": "http", "client": (host, 1), "headers": []})

    clock = FakeClock()
    limits = RateLimits(RateLimitSettings(tokens_per_minute=1), clock, StreamHub())
    await limits.new_token(request("2001:db8:1:2::1"))
    with pytest.raises(AppError) as refused:
        await limits.new_token(request("2001:db8:1:2:ffff::9"))  # same /64
    assert refused.value.status == 429
    await limits.new_token(request("2001:db8:1:3::1"))  # another /64
    await limits.new_token(request("192.0.2.1"))
    await limits.new_token(request("192.0.2.2"))  # IPv4: by address


async def test_processes_share_the_budget_through_redis_and_count_alone_without_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Two processes (two RateLimits) on one Redis draw from one budget; with Redis gone each
    counts by itself, and says so once."""
    if REDIS_URL is None:
        pytest.skip("Redis: set LIVEDESK_TEST_REDIS_URL to share limits through it")
    clock = FakeClock()
    settings = RateLimitSettings(messages_per_second=1, message_burst=2)
    prefix = f"{REDIS_CHANNEL}:{uid()}"
    one = RateLimits(settings, clock, StreamHub(), SharedBuckets(REDIS_URL, prefix))
    two = RateLimits(settings, clock, StreamHub(), SharedBuckets(REDIS_URL, prefix))
    try:
        await one.customer_write("lin")
        await two.customer_write("lin")
        with pytest.raises(AppError) as refused:
            await one.customer_write("lin")  # the third of a burst of 2, whichever process
        assert refused.value.code == "too_many_messages"
        await two.customer_write("bo")  # per end user still
        clock.advance(1)
        await two.customer_write("lin")
    finally:
        await one.close()
        await two.close()

    alone = RateLimits(
        settings, clock, StreamHub(), SharedBuckets(f"redis://127.0.0.1:{free_port()}/0", prefix)
    )
    try:
        with caplog.at_level("WARNING"):
            await alone.customer_write("lin")
            await alone.customer_write("lin")
            with pytest.raises(AppError):
                await alone.customer_write("lin")  # its own bucket: still limited
        said = [r.getMessage() for r in caplog.records if "rate limits" in r.getMessage()]
        assert len(said) == 1 and "each process counts by itself" in said[0]
    finally:
        await alone.close()
