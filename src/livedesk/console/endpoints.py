"""The agent console's page and its files (not in the OpenAPI document: they are not API calls).

`GET /console` is the page; `GET /console/{name}` one of the files of `static/` (any other name
is a 404). Every answer carries a strict Content-Security-Policy: scripts, styles and connections
from this server only, no inline script or style, no eval, never framed."""

from __future__ import annotations

import hashlib
import html
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import Response

from livedesk.errors import not_found

router = APIRouter(include_in_schema=False)
_STATIC = resources.files("livedesk.console") / "static"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".svg": "image/svg+xml",
}
POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "connect-src 'self'",
        "img-src 'self' blob: data:",
        "media-src 'self' blob:",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # revalidated (ETag): an upgraded server's console at once
}


def _files() -> dict[str, tuple[bytes, str, str]]:
    """The files of `static/` by name: content, media type, ETag (read once, at import)."""
    found: dict[str, tuple[bytes, str, str]] = {}
    for item in _STATIC.iterdir():
        suffix = item.name[item.name.rfind(".") :]
        if item.is_file() and suffix in _TYPES:
            body = item.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
            found[item.name] = (body, _TYPES[suffix], etag)
    return found


FILES = _files()


def _answer(request: Request, body: bytes, media_type: str, etag: str) -> Response:
    headers = {**HEADERS, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


@router.get("/console")
async def console_page(request: Request) -> Response:
    """The console: one page; its modules come from `/console/{name}`."""
    root = html.escape(request.scope.get("root_path", ""))
    body, media_type, etag = FILES["index.html"]
    page = body.decode().replace("{{ROOT}}", root).encode()
    return _answer(request, page, media_type, etag)


@router.get("/console/{name}")
async def console_file(name: str, request: Request) -> Response:
    found = FILES.get(name)
    if found is None or name == "index.html":
        raise not_found("not_found", "There is nothing at this address.")
    return _answer(request, *found)
