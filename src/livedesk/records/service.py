"""Records through the API: read, query by field, create, update — schema and permissions
checked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.auth import access as access_rules
from livedesk.auth.principals import AgentPrincipal
from livedesk.errors import bad_request, not_found
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.kit.ids import canonical_uuid
from livedesk.orgs import repository as org_repository
from livedesk.records import objects, repository
from livedesk.records.schemas import RecordList, RecordOut

MAX_FIELDS = 200


class RecordService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, p: AgentPrincipal, object_name: str, record_id: str) -> RecordOut:
        def work(conn: Connection) -> Any:
            self._allowed(conn, p, object_name, "read")
            return _existing(conn, p, object_name, record_id)

        return _out(await self._db.read(work))

    async def query(
        self, p: AgentPrincipal, object_name: str, where: dict[str, str], limit: int
    ) -> RecordList:
        if not 1 <= limit <= 200:
            raise bad_request("invalid_limit", "`limit` must be between 1 and 200.")

        def work(conn: Connection) -> list[Any]:
            schema = self._allowed(conn, p, object_name, "read")
            for name in where:
                if name not in schema:
                    raise bad_request(
                        "unknown_field", f"{object_name} has no field {name[:80]!r} to filter on."
                    )
            return repository.query(conn, p.org_id, object_name, where, limit)

        return RecordList(records=[_out(r) for r in await self._db.read(work)])

    async def create(
        self, p: AgentPrincipal, object_name: str, fields: dict[str, Any]
    ) -> RecordOut:
        now = self._clock.now_ms()

        def work(conn: Connection) -> Any:
            schema = self._allowed(conn, p, object_name, "create")
            values = objects.checked(schema, object_name, _limited(fields), partial=False)
            record_id = repository.create(conn, p.org_id, object_name, values, now)
            return repository.get(conn, record_id)

        return _out(await self._db.transaction(work))

    async def update(
        self, p: AgentPrincipal, object_name: str, record_id: str, fields: dict[str, Any]
    ) -> RecordOut:
        now = self._clock.now_ms()

        def work(conn: Connection) -> Any:
            schema = self._allowed(conn, p, object_name, "edit")
            row = _existing(conn, p, object_name, record_id)
            values = objects.checked(schema, object_name, _limited(fields), partial=True)
            repository.update_fields(conn, row.id, {**row.fields, **values}, now)
            return repository.get(conn, row.id)

        return _out(await self._db.transaction(work))

    def _allowed(
        self, conn: Connection, p: AgentPrincipal, object_name: str, access: str
    ) -> objects.Schema:
        config = org_repository.org_config(conn, p.org_id)
        schema = objects.object_fields(config, object_name)
        if schema is None:
            raise not_found("unknown_object", f"There is no object {object_name[:80]!r}.")
        access_rules.require(conn, config, p, "object", object_name, access)
        return schema


def _existing(conn: Connection, p: AgentPrincipal, object_name: str, record_id: str) -> Any:
    canonical = canonical_uuid(record_id)
    row = repository.get(conn, canonical) if canonical else None
    if row is None or row.org_id != p.org_id or row.object != object_name:
        raise not_found("record_not_found", f"There is no {object_name[:80]} {record_id[:64]!r}.")
    return row


def _limited(fields: dict[str, Any]) -> dict[str, Any]:
    if len(fields) > MAX_FIELDS:
        raise bad_request("too_many_fields", f"At most {MAX_FIELDS} fields at once.")
    return fields


def _out(row: Any) -> RecordOut:
    return RecordOut(
        id=row.id,
        object=row.object,
        fields=row.fields,
        createdAt=row.created_at,
        updatedAt=row.updated_at,
    )
