"""Every error a client can cause becomes JSON `{code, message, ...}` with the right 4xx; a
database out of reach is a 503 `database_unavailable` with `Retry-After`, never a 500."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
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


# How long a client is told to wait while the database does not answer (a restart takes seconds).
DATABASE_RETRY_SECONDS = 5
# SQLSTATEs that say the database cannot be reached now, not that a statement is wrong: class 08
# (connection exceptions), the server shutting down or starting up (57P01–57P03), no connection
# slot left (53300).
UNREACHABLE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")
# Where a connection is made and used: an OSError raised in their code is the database's.
DRIVER_MODULES = ("asyncpg", "sqlalchemy", "sqlite3")
UNAVAILABLE_LOG_SECONDS = 10.0  # while it lasts, one log line per this long, with a count


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


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then what it was raised from (`raise … from`, a driver error's `orig`)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = current.orig if isinstance(current, DBAPIError) else None
        current = current.__cause__ or (orig if isinstance(orig, BaseException) else None)


def _raised_by_driver(exc: BaseException) -> bool:
    """Whether the innermost frame of ours or of a database driver that `exc` went through is
    the driver's: a refused or timed-out connection, not a file LiveDesk failed to write."""
    innermost = ""
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        module = str(frame.f_globals.get("__name__", ""))
        if module.startswith(("livedesk", *DRIVER_MODULES)):
            innermost = module
    return innermost.startswith(DRIVER_MODULES)


def database_unreachable(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached now (down, restarting, the connection
    lost or refused, no connection to be had in time), so the same request may work later,
    rather than that a statement or the code is wrong."""
    for cause in _causes(exc):
        if isinstance(cause, DBAPIError) and (
            cause.connection_invalidated or isinstance(cause, OperationalError | InterfaceError)
        ):
            return True
        if isinstance(cause, PoolTimeout):
            return True
        state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
        if isinstance(state, str) and state.startswith(UNREACHABLE_SQLSTATES):
            return True
        if isinstance(cause, OSError) and _raised_by_driver(cause):  # TimeoutError included
            return True
    return False


class _UnavailableLog:
    """One warning when the database stops answering requests, then at most one every
    `UNAVAILABLE_LOG_SECONDS` with how many were answered 503 meanwhile (not one per request)."""

    def __init__(self) -> None:
        self.logged_at: float | None = None
        self.since = 0

    def __call__(self, exc: BaseException) -> None:
        self.since += 1
        now = time.monotonic()
        if self.logged_at is not None and now - self.logged_at < UNAVAILABLE_LOG_SECONDS:
            return
        log.warning(
            "database unavailable: %d request(s) answered 503 database_unavailable since the "
            "last line (%s: %s)",
            self.since,
            exc.__class__.__name__,
            str(exc).splitlines()[0][:200] if str(exc) else "",
        )
        self.logged_at, self.since = now, 0


_unavailable_log = _UnavailableLog()


def database_unavailable_response(exc: BaseException) -> JsonResponse:
    """The answer to a request that met the database out of reach (`database_unreachable(exc)`
    is true; the handler below, or a middleware that reads the database); logged, though not
    once per request."""
    _unavailable_log(exc)
    response = error_response(
        503,
        "database_unavailable",
        f"The database does not answer right now: try again in {DATABASE_RETRY_SECONDS} seconds.",
        retryAfterSeconds=DATABASE_RETRY_SECONDS,
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_SECONDS)
    return response


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

    # The database out of reach: SQLAlchemy's errors, and what a driver raises bare (asyncpg's
    # refused connection is an OSError). Handled here rather than by `_unexpected`, which
    # Starlette calls outermost (no CORS headers, no request metrics) and then raises again.
    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(OSError)
    async def _database(request: Request, exc: Exception) -> JsonResponse:
        if not database_unreachable(exc):
            return await _unexpected(request, exc)
        return database_unavailable_response(exc)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JsonResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "Something went wrong on our side.")
