"""Behind a reverse proxy (issue 19): `serve --forwarded-allow-ips` takes the client's address
from the X-Forwarded-For of the proxies it names, so rate limits count per client; without it a
forwarded header changes nothing (anyone could claim any address)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.e2e.server import ServerProcess
from tests.helpers import DEPLOYMENT, MIAW, ORG

pytestmark = pytest.mark.e2e

TOKEN_BODY = {"orgId": ORG, "esDeveloperName": DEPLOYMENT, "capabilitiesVersion": "1"}
LIMIT = {"LIVEDESK_RATE_LIMITS__TOKENS_PER_MINUTE": "2"}


async def _token(http: httpx.AsyncClient, client: str) -> int:
    r = await http.post(
        f"{MIAW}/authorization/unauthenticated/access-token",
        json={**TOKEN_BODY, "platform": "Web"},
        headers={"X-Forwarded-For": client},
    )
    return r.status_code


async def test_rate_limits_count_per_forwarded_client_only_from_named_proxies(
    tmp_path: Path,
) -> None:
    trusting = ServerProcess(tmp_path / "a", f"sqlite:///{tmp_path}/a.db", env=LIMIT)
    plain = ServerProcess(tmp_path / "b", f"sqlite:///{tmp_path}/b.db", env=LIMIT)
    try:
        await asyncio.gather(trusting.start("--forwarded-allow-ips", "127.0.0.1"), plain.start())
        async with httpx.AsyncClient(base_url=trusting.url, timeout=10) as http:
            assert [await _token(http, "203.0.113.7") for _ in range(3)] == [200, 200, 429]
            assert await _token(http, "203.0.113.8") == 200  # another client: its own budget
        async with httpx.AsyncClient(base_url=plain.url, timeout=10) as http:
            # Not trusted: every request is 127.0.0.1's, whatever the header says.
            assert [await _token(http, f"203.0.113.{i}") for i in range(3)] == [200, 200, 429]
    finally:
        trusting.stop()
        plain.stop()
