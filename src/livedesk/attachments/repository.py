"""Queries on attachments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from livedesk.kit.db import DbRow
from livedesk.models import Attachment


def insert_attachment(conn: Connection, **values: Any) -> None:
    conn.execute(insert(Attachment).values(**values))


def get_attachment(conn: Connection, attachment_id: str) -> DbRow | None:
    return conn.execute(select(Attachment).where(Attachment.id == attachment_id)).first()


def of_record(conn: Connection, record_id: str) -> list[DbRow]:
    return list(
        conn.execute(
            select(Attachment)
            .where(Attachment.record_id == record_id)
            .order_by(Attachment.created_at)
        )
    )
