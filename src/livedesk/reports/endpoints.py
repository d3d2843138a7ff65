"""The reports API (supervisors and admins; a supervisor sees her queues only). Each answers
JSON, or CSV with `format=csv` or `Accept: text/csv`."""

from __future__ import annotations

from typing import Any, get_args

from fastapi import APIRouter, Query, Request, Response

from livedesk.agents.schemas import Presence
from livedesk.deps import ContainerDep, CurrentAgent
from livedesk.errors import bad_request
from livedesk.reports import export
from livedesk.reports.metrics import GROUP_BYS
from livedesk.reports.schemas import AgentReport, SessionReport, Summary
from livedesk.reports.service import MAX_LIMIT, STATUSES, Filters
from livedesk.web.openapi import between, errors, one_of

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
CSV_DOC: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}
PERIOD_DOC = (
    "`from` (included) and `to` (excluded; a date means the end of that day) are dates "
    "(2026-11-25) or ISO times, in the org's time zone or `tz`; without them, today."
)
From = Query(None, alias="from", description="a date or an ISO time; default: today")
To = Query(None, alias="to", description="a date (its end) or an ISO time")
Tz = Query(None, description="an IANA time zone; default: the org's")
Format = Query(None, json_schema_extra=one_of(("json", "csv")), description="or Accept: text/csv")


def _wants_csv(request: Request, format: str | None) -> bool:
    if format is not None:
        if format not in ("json", "csv"):
            raise bad_request("invalid_format", "`format` is json or csv.")
        return format == "csv"
    return "text/csv" in request.headers.get("accept", "")


def _csv(body: str, name: str) -> Response:
    return Response(
        body,
        media_type=export.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@router.get(
    "/sessions",
    response_model=SessionReport,
    responses={**CSV_DOC, **errors(400, 403)},
    description=PERIOD_DOC,
)
async def sessions(
    request: Request,
    p: CurrentAgent,
    c: ContainerDep,
    start: str | None = From,
    end: str | None = To,
    tz: str | None = Tz,
    queue: str | None = None,
    agent: str | None = Query(None, description="a username"),
    status: str | None = Query(None, json_schema_extra=one_of(STATUSES)),
    endReason: str | None = None,
    limit: int = Query(100, json_schema_extra=between(1, MAX_LIMIT)),
    pageToken: str | None = None,
    format: str | None = Format,
) -> Any:
    """One row per session counted in the period (it entered its first queue then), with its
    figures; paged (`nextPageToken`). The CSV holds every session of the period."""
    filters = Filters(start, end, tz, queue, agent, status, endReason)
    if _wants_csv(request, format):
        return _csv(
            export.sessions_csv(await c.reports.sessions(p, filters, None, None)), "sessions"
        )
    return await c.reports.sessions(p, filters, limit, pageToken)


@router.get(
    "/summary",
    response_model=Summary,
    responses={**CSV_DOC, **errors(400, 403)},
    description=PERIOD_DOC,
)
async def summary(
    request: Request,
    p: CurrentAgent,
    c: ContainerDep,
    start: str | None = From,
    end: str | None = To,
    tz: str | None = Tz,
    queue: str | None = None,
    groupBy: str = Query("queue", json_schema_extra=one_of(GROUP_BYS)),
    format: str | None = Format,
) -> Any:
    """Counts, averages, medians and p90s (nearest rank, seconds) and the service level per
    group (`day` and `hour` in the time zone), the period's total, and each queue's service
    level against its target."""
    result = await c.reports.summary(p, Filters(start, end, tz, queue), groupBy)
    if _wants_csv(request, format):
        return _csv(export.summary_csv(result), f"summary-by-{groupBy}")
    return result


@router.get(
    "/agents",
    response_model=AgentReport,
    responses={**CSV_DOC, **errors(400, 403)},
    description=PERIOD_DOC,
)
async def agents(
    request: Request,
    p: CurrentAgent,
    c: ContainerDep,
    start: str | None = From,
    end: str | None = To,
    tz: str | None = Tz,
    format: str | None = Format,
) -> Any:
    """Each agent of your queues: time in each presence, occupancy (time with a session Active
    while Online ÷ time Online) and the sessions she accepted."""
    result = await c.reports.agents(p, Filters(start, end, tz))
    if _wants_csv(request, format):
        return _csv(export.agents_csv(result, list(get_args(Presence))), "agents")
    return result
