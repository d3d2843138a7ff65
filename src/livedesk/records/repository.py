"""Queries on records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from livedesk.kit.db import DbRow
from livedesk.kit.ids import new_id
from livedesk.models import Record


def create(
    conn: Connection, org_id: str, object_name: str, fields: dict[str, Any], now: int
) -> str:
    record_id = new_id()
    conn.execute(
        insert(Record).values(
            id=record_id,
            org_id=org_id,
            object=object_name,
            fields=fields,
            created_at=now,
            updated_at=now,
        )
    )
    return record_id


def get(conn: Connection, record_id: str) -> DbRow | None:
    return conn.execute(select(Record).where(Record.id == record_id)).first()


def update_fields(conn: Connection, record_id: str, fields: dict[str, Any], now: int) -> None:
    conn.execute(update(Record).where(Record.id == record_id).values(fields=fields, updated_at=now))


def query(
    conn: Connection, org_id: str, object_name: str, where: dict[str, str], limit: int
) -> list[DbRow]:
    """Records of an object whose fields equal the given text values, newest first."""
    statement = select(Record).where(Record.org_id == org_id, Record.object == object_name)
    for name, value in where.items():
        statement = statement.where(Record.fields[name].as_string() == value)
    return list(conn.execute(statement.order_by(Record.created_at.desc()).limit(limit)))
