"""Pages and the widget script, served by `livedesk serve` itself (not in the OpenAPI document:
they are not API calls)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from livedesk.errors import not_found

router = APIRouter(include_in_schema=False)
_STATIC = resources.files("livedesk.widget") / "static"
DEMO_ORG = "00DLD0000000001"


def _static(name: str) -> bytes:
    return (_STATIC / name).read_bytes()


@router.get("/widget/embed.js")
async def embed_js() -> Response:
    return Response(
        _static("embed.js"),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/widget/i18n/{language}.json")
async def labels(language: str) -> Response:
    """The widget's words in one language (English is built into the script)."""
    if not language.isalpha() or len(language) > 8:
        raise not_found("language_not_found", "There are no labels for that language.")
    path = _STATIC / "i18n" / f"{language.lower()}.json"
    if not path.is_file():
        raise not_found("language_not_found", "There are no labels for that language.")
    return Response(
        path.read_bytes(),
        media_type="application/json",
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/demo")
async def demo_page() -> HTMLResponse:
    """An example company page that embeds the widget for the demo org."""
    return HTMLResponse(_static("demo.html").decode().replace("{{ORG}}", DEMO_ORG))


@router.get("/")
async def index() -> HTMLResponse:
    return HTMLResponse(_static("index.html").decode())
