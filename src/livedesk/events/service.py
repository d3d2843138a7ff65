"""Publishing platform events and reading them back: each event type of an org is a durable
stream (`e:<org>:<type>`), so replay ids are stream positions and subscriptions resume exactly."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.auth import access as access_rules
from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.errors import bad_request, not_found
from livedesk.events import filters
from livedesk.events.publishing import publish_in_unit
from livedesk.kit import jsonutil
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.orgs import repository as org_repository
from livedesk.records import objects
from livedesk.streams import repository as stream_repository
from livedesk.streams.service import event_recipient

Principal = AgentPrincipal | EndUserPrincipal


class EventService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def publish(
        self, p: Principal, event_type: str, fields: dict[str, Any]
    ) -> dict[str, Any]:
        now = self._clock.now_ms()

        def work(conn: Connection) -> int:
            schema = self._allowed(conn, p, event_type, "create")
            values = objects.checked(schema, event_type, fields, partial=False)
            publisher = _publisher(p)
            return publish_in_unit(conn, p.org_id, event_type, values, publisher, now)

        replay_id = await self._db.transaction(work)
        return {
            "eventType": event_type,
            "replayId": replay_id,
            "fields": fields,
            "publishedAt": now,
        }

    async def read(
        self, p: Principal, event_type: str, filter_text: str | None, after: int, limit: int
    ) -> list[dict[str, Any]]:
        """Retained events after a replay id that match the filter, oldest first."""
        if not 1 <= limit <= 500:
            raise bad_request("invalid_limit", "`limit` must be between 1 and 500.")

        def work(conn: Connection) -> list[dict[str, Any]]:
            schema = self._allowed(conn, p, event_type, "read")
            wanted = filters.parse(filter_text, set(schema))
            found: list[dict[str, Any]] = []
            cursor = after
            while len(found) < limit:
                rows = stream_repository.events_after(
                    conn, event_recipient(p.org_id, event_type), cursor, 500
                )
                for seq, _, data in rows:
                    event = jsonutil.loads(data)
                    if wanted.matches(event["fields"]):
                        found.append({"replayId": seq, **event})
                cursor = rows[-1][0] if rows else cursor
                if len(rows) < 500:
                    break
            return found[:limit]

        return await self._db.read(work)

    async def subscription(
        self, p: Principal, event_type: str, filter_text: str | None
    ) -> filters.Filter:
        def work(conn: Connection) -> filters.Filter:
            schema = self._allowed(conn, p, event_type, "read")
            return filters.parse(filter_text, set(schema))

        return await self._db.read(work)

    def _allowed(
        self, conn: Connection, p: Principal, event_type: str, access: str
    ) -> objects.Schema:
        config = org_repository.org_config(conn, p.org_id)
        schema = objects.event_fields(config, event_type)
        if schema is None:
            raise not_found("unknown_event_type", f"There is no event type {event_type[:80]!r}.")
        access_rules.require(conn, config, p, "event", event_type, access)
        return schema


def _publisher(p: Principal) -> dict[str, str]:
    if isinstance(p, AgentPrincipal):
        return {"role": "Agent", "subject": p.agent_id}
    return {"role": "EndUser", "subject": p.end_user_id}


def frame_filter(wanted: filters.Filter) -> Any:
    """A frame filter for SseResponse: decode the event's data line and match its fields."""
    if not wanted.terms:
        return None

    def accept(frame: bytes) -> bool:
        for line in frame.split(b"\n"):
            if line.startswith(b"data: "):
                return wanted.matches(jsonutil.loads(line[6:]).get("fields", {}))
        return False

    return accept
