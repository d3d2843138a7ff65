"""Every error a client can cause becomes JSON `{code, message, ...}` with the right 4xx."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from livedesk.errors import AppError, invalid_request
from livedesk.kit import jsonutil

log = logging.getLogger("livedesk")

_HTTP_CODES = {
    400: ("bad_request", "The request is not valid."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("body_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "The request body has a type this call does not accept."),
}


class JsonResponse(Response):
    """JSON rendered with orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return jsonutil.dumps(content)


def error_response(status: int, code: str, message: str, **data: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **data}, status_code=status)


def allowed_methods(request: Request) -> str:
    """The `Allow` header of a 405: every method some route of this path takes. (Starlette's
    router names only those of the first route whose path matched, and a path such as a
    conversation's has one route per method.)"""
    path = request.scope["path"]
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        pattern = getattr(route, "path_regex", None)
        if pattern is not None and route.methods and pattern.match(path):
            methods |= route.methods
    return ", ".join(sorted(methods))


def _body_not_json(errors: Sequence[Any]) -> bool:
    """FastAPI validates a body sent with another `Content-Type` than JSON as bytes."""
    return any(e.get("loc") == ("body",) and isinstance(e.get("input"), bytes) for e in errors)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_: Request, exc: AppError) -> JsonResponse:
        response = JsonResponse(exc.body(), status_code=exc.status)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JsonResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "malformed_json", "The request body is not valid JSON.")
        if _body_not_json(errors):
            return error_response(
                400,
                "invalid_request",
                "The request body must be JSON, sent with `Content-Type: application/json`.",
                errors=[{"field": "", "problem": "the body is not JSON"}],
            )
        invalid = invalid_request(errors)
        return JsonResponse(invalid.body(), status_code=invalid.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JsonResponse:
        code, message = _HTTP_CODES.get(exc.status_code, ("http_error", str(exc.detail)))
        if exc.status_code == 400 and isinstance(exc.detail, str):
            message = exc.detail
        response = error_response(exc.status_code, code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JsonResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "Something went wrong on our side.")
