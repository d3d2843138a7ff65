"""Retention: platform events older than their type's `retention_hours` are deleted, by a timer
that fires every hour and sets itself again."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from livedesk.models import Org, StreamEvent
from livedesk.orgs.schemas import OrgSettings
from livedesk.streams.service import event_recipient
from livedesk.timers import repository as timers

RETENTION = "event_retention"
EVERY_MS = 3_600_000


def ensure_scheduled(conn: Connection, now: int) -> None:
    if not timers.exists(conn, RETENTION, "all"):
        timers.add(conn, RETENTION, "all", now + EVERY_MS, now)


def on_retention(conn: Connection, _subject: str, now: int) -> None:
    for org_id, config in conn.execute(select(Org.id, Org.config)):
        for event_type in OrgSettings.model_validate(config or {}).event_types:
            cutoff = now - event_type.retention_hours * 3_600_000
            conn.execute(
                delete(StreamEvent).where(
                    StreamEvent.recipient == event_recipient(org_id, event_type.name),
                    StreamEvent.created_at < cutoff,
                )
            )
    timers.schedule(conn, RETENTION, "all", now + EVERY_MS, now)
