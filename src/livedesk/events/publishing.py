"""Publishing a platform event inside a unit of work: each event type of an org is a durable stream
(`e:<org>:<type>`), so its replay id is its stream position. Whoever waits for it (flows) hears
of it after the commit, through the `EventPublished` domain event (kit.effects)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from livedesk.kit import jsonutil
from livedesk.kit.effects import tell
from livedesk.streams.service import append, event_recipient


@dataclass(frozen=True)
class EventPublished:
    """A domain event: a platform event was published (flows waiting for it wake up)."""

    org_id: str
    event_type: str


def publish_in_unit(
    conn: Connection,
    org_id: str,
    event_type: str,
    fields: dict[str, Any],
    publisher: dict[str, str],
    now: int,
) -> int:
    """Append an event (fields already checked) to its type's stream; returns its replay id."""
    data = {"eventType": event_type, "fields": fields, "publishedAt": now, "publisher": publisher}
    out = append(conn, event_recipient(org_id, event_type), event_type, jsonutil.dumps(data), now)
    tell(conn, EventPublished(org_id, event_type))
    return out.seq
