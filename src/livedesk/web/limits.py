"""Rate limits (DESIGN 8): new tokens per client address, messages per end user, open streams per
token. Over a limit is a 429 with `Retry-After`; 0 turns one off. With Redis, the token and
message budgets are shared by every process (`kit.shared_buckets`), and each process counts by
itself while Redis does not answer; open streams are counted per process.

What a client sends by itself never costs the customer a message: receipts have their own bucket
(four times the messages'), and typing indicators are never refused (conversations/typing.py).

Behind a reverse proxy, `livedesk serve --forwarded-allow-ips` names the proxies whose
X-Forwarded-For gives the client's address; without it every client has the proxy's address.
"""

from __future__ import annotations

import ipaddress
import math

from starlette.requests import Request

from livedesk.config import RateLimitSettings
from livedesk.errors import AppError, too_many_requests
from livedesk.kit.clock import Clock
from livedesk.kit.ratelimit import RateLimiter
from livedesk.kit.shared_buckets import SharedBuckets
from livedesk.streams.hub import StreamHub


def _address_key(request: Request) -> str:
    """The client's address; for IPv6 its /64 (one subscriber's network, which it can rotate
    through freely)."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return host


def _limiter(per_second: float, burst: int) -> RateLimiter | None:
    return RateLimiter(per_second, max(1, burst)) if per_second > 0 else None


def _refusal(code: str, what: str, seconds: float) -> AppError:
    wait = max(1, math.ceil(seconds))
    return too_many_requests(code, f"Too many {what}: try again in {wait} s.", wait)


RECEIPTS_PER_MESSAGE = 4


class RateLimits:
    def __init__(
        self,
        settings: RateLimitSettings,
        clock: Clock,
        hub: StreamHub,
        shared: SharedBuckets | None = None,
    ) -> None:
        self._clock = clock
        self._hub = hub
        self._shared = shared
        self._tokens = _limiter(settings.tokens_per_minute / 60, settings.tokens_per_minute)
        self._messages = _limiter(settings.messages_per_second, settings.message_burst)
        self._receipts = _limiter(
            RECEIPTS_PER_MESSAGE * settings.messages_per_second,
            RECEIPTS_PER_MESSAGE * settings.message_burst,
        )
        self._streams_per_token = settings.streams_per_token

    async def _take(self, name: str, limiter: RateLimiter, key: str) -> float:
        now = self._clock.now_ms() / 1000
        if self._shared is not None:
            wait = await self._shared.wait(name, limiter.rate, limiter.burst, key, now)
            if wait is not None:
                return wait
        return limiter.wait(key, now)

    async def new_token(self, request: Request) -> None:
        """Before minting a token or checking a password: per client address."""
        if self._tokens is None:
            return
        seconds = await self._take("tokens", self._tokens, _address_key(request))
        if seconds:
            raise _refusal("too_many_tokens", "new tokens from this address", seconds)

    async def customer_write(self, end_user_id: str) -> None:
        """Before any customer call that writes, but receipts: a message or file, a new
        conversation, a form answer, a published event."""
        if self._messages is None:
            return
        seconds = await self._take("messages", self._messages, end_user_id)
        if seconds:
            raise _refusal("too_many_messages", "messages", seconds)

    async def customer_receipts(self, end_user_id: str) -> None:
        """Before recording delivery and read receipts (clients send them by themselves, two
        for each message they get: they must not use up the customer's messages)."""
        if self._receipts is None:
            return
        seconds = await self._take("receipts", self._receipts, end_user_id)
        if seconds:
            raise _refusal("too_many_receipts", "receipts", seconds)

    def stream(self, token_id: str) -> None:
        """Before opening a stream: how many this token has open in this process."""
        limit = self._streams_per_token
        if limit and self._hub.open_streams_of(token_id) >= limit:
            raise too_many_requests(
                "too_many_streams",
                f"This token has {limit} streams open already; close one first.",
                5,
            )

    async def close(self) -> None:
        if self._shared is not None:
            await self._shared.close()
