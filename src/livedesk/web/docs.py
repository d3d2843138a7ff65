"""The API's documentation pages, Swagger UI at `/docs` and ReDoc at `/redoc`, served with
everything they load by LiveDesk itself: they work without internet and name no other host.

The Swagger UI and ReDoc bundles and FastAPI's favicon come from the `fastapi-standalone-docs`
package (a dependency), served from its folder under `/docs/assets/`; only its files are used,
not its code (which patches FastAPI). Swagger UI is started by `static/docs-init.js`, LiveDesk's
own, instead of the inline script of FastAPI's page, so both pages run scripts from 'self' only.
Each page has a Content-Security-Policy of its own that allows 'self' and what its bundle needs
besides: inline styles and a search worker from a `blob:` URL for ReDoc, `data:` images for both.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, swagger_ui_default_parameters
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
ASSETS_URL = "/docs/assets"  # the package's folder: swagger/, redoc/ and fastapi/ (the favicon)
INIT_URL = "/docs/init.js"
ASSETS_PACKAGE = ("fastapi_standalone_docs", "static")
_INIT_JS = resources.files("livedesk.web") / "static" / "docs-init.js"


def policy(**directives: str) -> str:
    """A Content-Security-Policy: nothing unless allowed, and the page framed by its own site
    only (`script_src="'self'"` is `script-src 'self'`)."""
    rules = {
        "default_src": "'none'",
        "base_uri": "'none'",
        "form_action": "'self'",
        "frame_ancestors": "'self'",
        **directives,
    }
    return "; ".join(f"{name.replace('_', '-')} {value}" for name, value in rules.items())


SWAGGER_POLICY = policy(
    script_src="'self'",
    style_src="'self'",
    img_src="'self' data:",
    connect_src="'self'",  # the document, and the calls "Try it out" makes
)
REDOC_POLICY = policy(
    script_src="'self'",
    style_src="'self' 'unsafe-inline'",  # ReDoc styles itself with <style> elements it writes
    img_src="'self' data:",
    connect_src="'self'",
    worker_src="blob:",  # its search index runs in a worker made from a blob
)


def install_docs(app: FastAPI) -> None:
    """Serve `/docs`, `/redoc` and their assets (the app is made with `docs_url=None,
    redoc_url=None`, FastAPI's own pages loading them from a CDN)."""
    if app.openapi_url is not None:
        app.include_router(_router(app, app.openapi_url))


def _router(app: FastAPI, openapi_url: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    # Refuses to start without the package's folder; served through routes, not mounted, so
    # that the request metrics (ops.requests) name the route.
    assets = StaticFiles(packages=[ASSETS_PACKAGE])

    @router.get(DOCS_URL)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        config = {
            "url": root + openapi_url,
            **swagger_ui_default_parameters,
            **(app.swagger_ui_parameters or {}),
            "validatorUrl": None,  # no badge from the online validator
        }
        page = _swagger_page(f"{app.title} - Swagger UI", root, config)
        return HTMLResponse(page, headers={"Content-Security-Policy": SWAGGER_POLICY})

    @router.get(INIT_URL)
    async def swagger_ui_init() -> Response:
        return Response(
            _INIT_JS.read_bytes(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )

    @router.get(REDOC_URL)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/fastapi/favicon.png",
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = REDOC_POLICY
        return page

    @router.get(f"{ASSETS_URL}/{{folder}}/{{name}}")
    async def asset(folder: str, name: str, request: Request) -> Response:
        """A file of the package's folder (404 for any other path, `..` included)."""
        return await assets.get_response(f"{folder}/{name}", request.scope)

    @router.get(f"{REDOC_URL}/logo-mini.svg")
    async def redoc_logo(request: Request) -> Response:
        """ReDoc's footer shows it from beside the page (`location.pathname + "/logo-mini.svg"`)."""
        return await assets.get_response("redoc/logo-mini.svg", request.scope)

    return router


def _swagger_page(title: str, root: str, config: dict[str, Any]) -> str:
    """FastAPI's Swagger UI page, its inline script replaced by `docs-init.js` reading
    `data-config`."""
    assets = html.escape(root + ASSETS_URL)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="stylesheet" href="{assets}/swagger/swagger-ui.css">
<link rel="icon" href="{assets}/fastapi/favicon.png">
</head>
<body>
<div id="swagger-ui" data-config="{html.escape(json.dumps(config))}"></div>
<script src="{assets}/swagger/swagger-ui-bundle.js"></script>
<script src="{html.escape(root + INIT_URL)}"></script>
</body>
</html>
"""
