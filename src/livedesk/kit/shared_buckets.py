"""Token buckets kept in Redis, so every process of a deployment draws from the same budget (the
same rule as `kit.ratelimit.RateLimiter`, run atomically by Redis as one script).

`wait` answers None when Redis does not answer within `TIMEOUT`: the caller falls back to its own
per-process buckets. After a failure Redis is left alone for `RETRY_SECONDS` (no request waits on
it meanwhile); the change is logged once each way.
"""

from __future__ import annotations

import asyncio
import logging
import time

import redis.asyncio as aioredis

log = logging.getLogger(__name__)
TIMEOUT = 0.5
RETRY_SECONDS = 5.0

# KEYS[1]: the bucket; ARGV: rate (per second), burst, now (seconds). Returns the wait in seconds
# (0: a token was taken), as text (Lua numbers would be cut to integers).
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local held = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(held[1]) or burst
local updated = tonumber(held[2]) or now
local elapsed = math.max(0, now - updated)
tokens = math.min(burst, tokens + elapsed * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(math.max(now, updated)))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class SharedBuckets:
    def __init__(self, url: str, prefix: str) -> None:
        self._redis = aioredis.Redis.from_url(url, socket_connect_timeout=TIMEOUT)
        self._script = self._redis.register_script(_TAKE)
        self._prefix = prefix
        self._down_until = 0.0

    async def wait(self, name: str, rate: float, burst: int, key: str, now: float) -> float | None:
        """Take a token from bucket `name`/`key`: 0, or the seconds until one is there; None
        when Redis cannot say (the caller counts by itself)."""
        if time.monotonic() < self._down_until:
            return None
        try:
            async with asyncio.timeout(TIMEOUT):
                answer = await self._script(
                    keys=[f"{self._prefix}:limits:{name}:{key}"], args=[rate, burst, now]
                )
        except Exception as exc:
            if self._down_until == 0.0:
                log.warning(
                    "rate limits: redis does not answer (%s: %s); each process counts by itself "
                    "until it does",
                    exc.__class__.__name__,
                    exc,
                )
            self._down_until = time.monotonic() + RETRY_SECONDS
            return None
        if self._down_until:
            log.warning("rate limits: redis answers again; shared by every process")
            self._down_until = 0.0
        return float(answer)

    async def close(self) -> None:
        await self._redis.aclose()
