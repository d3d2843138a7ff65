"""Records: `GET/POST/PATCH /api/v1/records/{object}[/{id}]`, query by field."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Request

from livedesk.deps import ContainerDep, CurrentAgent
from livedesk.records.schemas import RecordList, RecordOut
from livedesk.web.openapi import UuidPath, between, errors

router = APIRouter(prefix="/api/v1/records", tags=["records"])


@router.get("/{object_name}", response_model=RecordList, responses=errors(403, 404))
async def query_records(
    object_name: str,
    request: Request,
    p: CurrentAgent,
    c: ContainerDep,
    limit: int = Query(50, json_schema_extra=between(1, 200)),
) -> RecordList:
    """Records whose fields equal the query parameters, e.g. `?Status=New` (newest first)."""
    where = {k: v for k, v in request.query_params.items() if k != "limit"}
    return await c.records.query(p, object_name, where, limit)


@router.get("/{object_name}/{record_id}", response_model=RecordOut, responses=errors(403, 404))
async def get_record(
    object_name: str, record_id: UuidPath, p: CurrentAgent, c: ContainerDep
) -> RecordOut:
    return await c.records.get(p, object_name, record_id)


@router.post(
    "/{object_name}", status_code=201, response_model=RecordOut, responses=errors(403, 404)
)
async def create_record(
    object_name: str, p: CurrentAgent, c: ContainerDep, fields: dict[str, Any] = Body(...)
) -> RecordOut:
    return await c.records.create(p, object_name, fields)


@router.patch("/{object_name}/{record_id}", response_model=RecordOut, responses=errors(403, 404))
async def update_record(
    object_name: str,
    record_id: UuidPath,
    p: CurrentAgent,
    c: ContainerDep,
    fields: dict[str, Any] = Body(...),
) -> RecordOut:
    return await c.records.update(p, object_name, record_id, fields)
