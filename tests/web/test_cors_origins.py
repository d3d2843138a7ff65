"""CORS with origin patterns, through the app: the demo allows a MIAW client served from any
loopback port; a deployment's `https://*.example.com` allows one label under example.com and none
of the look-alikes; an org file that would allow every origin is refused with its path."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi import FastAPI

from livedesk.setup.loader import OrgFileError, load_org_file, parse_org_text
from livedesk.setup.service import apply_org
from tests.helpers import DEPLOYMENT, MIAW, ORG, Api

TOKEN = f"{MIAW}/authorization/unauthenticated/access-token"

SHOP = """
org: {id: 00DLD0000000002, name: Example Shop}
deployments:
  - {developer_name: Shop, queue: Front, allowed_origins: ["https://*.example.com"]}
queues:
  - {name: Front}
"""

LOOK_ALIKES = [
    "https://example.com",
    "https://a.b.example.com",
    "https://evil-example.com",
    "https://shop.evil-example.com",
    "https://example.com.evil.com",
    "https://shop.example.com.evil.com",
    "https://shop.example.com.",
    "http://shop.example.com",
    "https://shop.example.com:8443",
    "https://x@shop.example.com",
    "https://shop.example.com/",
    "https://*.example.com",
    "null",
]


async def preflight(api: Api, origin: str, path: str = TOKEN) -> tuple[int, dict[str, str]]:
    r = await api.http.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    if r.status_code == 403:
        assert r.json()["code"] == "cors_origin_not_allowed"
    return r.status_code, dict(r.headers)


async def token(
    api: Api, origin: str, org: str = ORG, deployment: str = DEPLOYMENT
) -> dict[str, str]:
    r = await api.http.post(
        TOKEN,
        json={
            "orgId": org,
            "esDeveloperName": deployment,
            "capabilitiesVersion": "1",
            "platform": "Web",
        },
        headers={"Origin": origin},
    )
    assert r.status_code == 200, r.text
    return dict(r.headers)


async def apply_shop(app: FastAPI, text: str = SHOP) -> None:
    """Apply a second org file, and reread the allowed origins at once (the server rereads them
    every few seconds, as another process may apply an org file)."""
    c = app.state.container
    await apply_org(c.db, c.clock, parse_org_text(text, "shop.yaml"))
    await c.origins.reload()


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:5173",
        "http://localhost:3000",
        "http://[::1]:5173",
        "http://localhost",
        "http://127.0.0.1:8080",
    ],
)
async def test_a_local_client_on_any_port_passes_the_demo_preflight(api: Api, origin: str) -> None:
    status, headers = await preflight(api, origin)
    assert status == 204
    assert headers["access-control-allow-origin"] == origin
    assert "POST" in headers["access-control-allow-methods"]
    assert "Content-Type" in headers["access-control-allow-headers"]
    assert "Origin" in headers["vary"]


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.com",
        "https://127.0.0.1:5173",  # the demo allows loopback over http only
        "http://127.0.0.1.evil.com:5173",
        "http://localhost.evil.com:5173",
        "http://evil.localhost:5173",
        "http://x@localhost:5173",
        "http://localhost:5173/",
        "http://[::2]:5173",
        "null",
    ],
)
async def test_other_origins_are_refused_by_the_demo(api: Api, origin: str) -> None:
    status, headers = await preflight(api, origin)
    assert status == 403
    assert "access-control-allow-origin" not in headers


async def test_a_real_post_carries_the_header_for_allowed_origins_only(api: Api) -> None:
    allowed = await token(api, "http://127.0.0.1:5173")
    assert allowed["access-control-allow-origin"] == "http://127.0.0.1:5173"
    assert "Retry-After" in allowed["access-control-expose-headers"]
    refused = await token(api, "http://evil.com")  # served, but the browser will not show it
    assert "access-control-allow-origin" not in refused


async def test_the_servers_own_origin_is_allowed(api: Api) -> None:
    status, headers = await preflight(api, "http://testserver")
    assert status == 204 and headers["access-control-allow-origin"] == "http://testserver"


async def test_a_deployment_pattern_allows_one_label_under_its_domain(
    api: Api, app: FastAPI
) -> None:
    assert (await preflight(api, "https://shop.example.com"))[0] == 403  # not applied yet
    await apply_shop(app)
    for origin in ("https://shop.example.com", "https://a.example.com", "https://Shop.Example.com"):
        status, headers = await preflight(api, origin)
        assert status == 204, origin
        assert headers["access-control-allow-origin"] == origin
    posted = await token(api, "https://shop.example.com", org="00DLD0000000002", deployment="Shop")
    assert posted["access-control-allow-origin"] == "https://shop.example.com"
    for origin in LOOK_ALIKES:
        status, headers = await preflight(api, origin)
        assert status == 403, origin
        assert "access-control-allow-origin" not in headers
    # the allowed origins are the union over every deployment: the demo's loopback still passes
    assert (await preflight(api, "http://localhost:5173"))[0] == 204


async def test_patterns_are_stored_canonical(api: Api, app: FastAPI) -> None:
    await apply_shop(
        app, SHOP.replace('["https://*.example.com"]', '["HTTPS://*.Example.com:443"]')
    )
    assert (await preflight(api, "https://shop.example.com"))[0] == 204
    assert (await preflight(api, "https://shop.example.com:443"))[0] == 204
    assert (await preflight(api, "https://shop.example.com:8443"))[0] == 403


@pytest.mark.parametrize(
    ("origins", "problem"),
    [
        ('["*"]', "a bare * is not allowed"),
        ('["https://chat.example.com", "*"]', "a bare * is not allowed"),
        ('["https://chat.example.com/"]', "no path, query or fragment, not even a trailing /"),
        ('["chat.example.com"]', "it has no scheme"),
        ('["https://chat.example.com/widget?x=1"]', "no path, query or fragment"),
        ('["https://chat*.example.com"]', "* must be a whole host label"),
        ('["https://*"]', "* cannot be the last label"),
        ('["https://chat.example.com:*x"]', "the port must be a number from 1 to 65535"),
    ],
)
def test_an_org_file_with_what_is_not_an_origin_pattern_is_refused_with_its_path(
    tmp_path: Path, origins: str, problem: str
) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(SHOP.replace('["https://*.example.com"]', origins))
    with pytest.raises(OrgFileError) as info:
        load_org_file(path)
    message = str(info.value)
    assert f"{path}: deployments[0](Shop).allowed_origins: Value error, " in message
    assert problem in message
    assert "An origin pattern is scheme://host or scheme://host:port" in message


async def test_origins_stored_before_patterns_were_checked_allow_nothing(
    api: Api, app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    org = parse_org_text(SHOP, "shop.yaml")
    # as an older LiveDesk stored it: a bare * and an origin with a trailing slash
    legacy = org.deployments[0].model_copy(
        update={"allowed_origins": ["*", "https://old.example.com/", "https://ok.example.com"]}
    )
    c = app.state.container
    await apply_org(c.db, c.clock, org.model_copy(update={"deployments": [legacy]}))
    with caplog.at_level(logging.WARNING, logger="livedesk.orgs.caches"):
        await c.origins.reload()
    assert "ignoring an allowed origin" in caplog.text and "a bare *" in caplog.text
    assert (await preflight(api, "http://evil.com"))[0] == 403
    assert (await preflight(api, "https://old.example.com"))[0] == 403
    assert (await preflight(api, "https://ok.example.com"))[0] == 204
    assert (await preflight(api, "http://localhost:5173"))[0] == 204


async def test_the_allowed_origins_are_compiled_once_per_change(app: FastAPI) -> None:
    origins = app.state.container.origins
    first = await origins.get()
    assert first.allows("http://localhost:5173")
    await origins.reload()
    assert await origins.get() is first  # unchanged: not parsed again
    await apply_shop(app)
    second = await origins.get()
    assert second is not first and second.allows("https://a.example.com")
