"""`/docs` and `/redoc` work without internet (issue 16): their Swagger UI and ReDoc come from a
package and are served by LiveDesk, each page names no other host in what it loads nor in its
Content-Security-Policy, and in a real browser every request stays on the server's origin, with
no CSP violation or console error, and the documentation renders."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.browser import NEEDS_CHROMIUM, launched

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
PAGES = ("/docs", "/redoc")
TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
# Source expressions that name no host: keywords, and schemes of what the page makes itself.
NO_HOST = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}


class Links(HTMLParser):
    """Every URL a page loads or links to (its `src` and `href` attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def links(page: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    return parser.urls


def policy(header: str) -> dict[str, list[str]]:
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("path", PAGES)
async def test_a_docs_page_loads_only_what_livedesk_serves(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    urls = links(r.text)
    assert urls, "the page loads its assets"
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url  # same origin, no host
        asset = await client.get(url)
        assert asset.status_code == 200, url
        expected = TYPES[Path(urlsplit(url).path).suffix]
        assert asset.headers["content-type"].split(";")[0] == expected, url
    assert "http://" not in r.text and "https://" not in r.text  # e.g. a font or a CDN

    csp = policy(r.headers["content-security-policy"])
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"]  # no inline script, no other host
    for name, sources in csp.items():
        assert set(sources) <= NO_HOST, (name, sources)


async def test_the_assets_are_the_installed_packages_own(client: httpx.AsyncClient) -> None:
    """Swagger UI and ReDoc come from a dependency, not from a copy in the repo."""
    package = resources.files("fastapi_standalone_docs") / "static"
    for name in ("swagger/swagger-ui-bundle.js", "redoc/redoc.standalone.js"):
        served = await client.get(f"/docs/assets/{name}")
        assert served.content == (package / name).read_bytes()
    # Only the package's folder: not the package's code beside it.
    assert (await client.get("/docs/assets/%2e%2e/standalone_docs.py")).status_code == 404


async def test_the_openapi_document_stays_where_it_was(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    assert r.json()["info"]["title"] == "LiveDesk"
    paths = r.json()["paths"]
    assert not [p for p in paths if p.startswith(("/docs", "/redoc"))]  # not API calls


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async for instance in launched():
        yield instance


# Records, before the page's own scripts run, what the browser reports as a CSP violation.
WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


@NEEDS_CHROMIUM
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # browser tests run once
async def test_the_docs_pages_render_offline_in_a_browser(browser: Any, live_url: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_init_script(WATCH_CSP)
    requests: list[str] = []
    problems: list[str] = []
    page = await context.new_page()

    def console(message: Any) -> None:
        if message.type == "error":  # CSP violations are reported here too
            problems.append(f"console: {message.text}")

    def answered(response: Any) -> None:
        if response.status >= 400:
            problems.append(f"{response.status}: {response.url}")

    page.on("request", lambda request: requests.append(request.url))
    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("response", answered)

    # Swagger UI: the API's title, its operations, and a call made from the page.
    await page.goto(f"{live_url}/docs")
    await page.get_by_role("heading", name=re.compile("LiveDesk"), level=1).wait_for()
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=str(SHOTS / "docs.png"))
    await page.get_by_role("button", name=re.compile(r"GET\s*\/healthz")).click()
    await page.get_by_role("button", name="Try it out").click()
    await page.get_by_role("button", name="Execute").click()
    await page.get_by_role("heading", name="Server response").wait_for()
    await page.get_by_text('"status": "ok"').wait_for()  # the call's own answer
    assert await page.evaluate("window.__violations") == []

    # ReDoc: the API's title, and a search, which runs in ReDoc's worker.
    await page.goto(f"{live_url}/redoc")
    await page.get_by_role("heading", name=re.compile("LiveDesk"), level=1).wait_for()
    await page.get_by_role("textbox", name="Search").fill("healthz")
    await page.get_by_role("menuitem", name=re.compile("healthz", re.I)).first.wait_for()
    await page.wait_for_load_state("networkidle")
    await page.screenshot(path=str(SHOTS / "redoc.png"))
    assert await page.evaluate("window.__violations") == []
    await context.close()

    assert problems == [], problems
    assert requests, "the pages were loaded"
    origin = urlsplit(live_url)
    for url in requests:
        parts = urlsplit(url.removeprefix("blob:"))  # a blob the page made: its own origin
        assert (parts.scheme, parts.netloc) == (origin.scheme, origin.netloc), url
    assert any("/docs/assets/swagger/" in url for url in requests)
    assert any("/docs/assets/redoc/" in url for url in requests)
