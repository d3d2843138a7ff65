"""Health checks and Prometheus metrics."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from sqlalchemy import Connection, text

from livedesk.deps import ContainerDep
from livedesk.errors import unauthorized
from livedesk.ops import repository
from livedesk.ops.metrics import CONTENT_TYPE
from livedesk.web.errors import JsonResponse, database_unavailable_response
from livedesk.web.openapi import errors

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(c: ContainerDep) -> dict[str, str] | JsonResponse:
    """The process answers and its database does too (503 otherwise). Redis, when used, is
    only a wake-up: `redis: down` is reported, and the answer stays 200, so an outage of Redis
    never takes every process out of the load balancer."""
    try:
        await c.db.read(lambda conn: conn.execute(text("SELECT 1")).scalar_one())
    except Exception as exc:  # whatever the reason, not ready: the same 503 as every call's
        return database_unavailable_response(exc)
    body = {"status": "ready", "database": "up"}
    if c.settings.redis_url:
        body["redis"] = c.bus.status
    return body


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}}, **errors(401)},
)
async def metrics(request: Request, c: ContainerDep) -> Response:
    """Prometheus metrics. With `LIVEDESK_METRICS_TOKEN` set, only for `Bearer <that token>`."""
    expected = c.settings.metrics_token
    if expected:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise unauthorized("invalid_metrics_token", "Send the metrics token as a Bearer token.")

    def read(conn: Connection) -> tuple[repository.Counts, repository.Counts, repository.Counts]:
        return (
            repository.open_sessions(conn),
            repository.agents_by_presence(conn),
            repository.waiting_by_queue(conn),
        )

    sessions, agents, waiting = await c.db.read(read)
    body = c.metrics.render(c.hub.open_streams, sessions, agents, waiting)
    return Response(body, media_type=CONTENT_TYPE)
