"""Availability of a deployment's chat, and messages left through the email-us form."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.auth.principals import EndUserPrincipal
from livedesk.contact import availability
from livedesk.contact.schemas import AvailabilityOut, ContactCreated, ContactRequest
from livedesk.errors import bad_request, not_found
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.orgs import repository as org_repository
from livedesk.records import repository as records
from livedesk.routing.repository import agent_loads


class ContactService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def availability(self, org_id: str, developer_name: str) -> AvailabilityOut:
        now = self._clock.now_ms()

        def work(conn: Connection) -> AvailabilityOut:
            row = org_repository.find_deployment(conn, org_id, developer_name)
            if row is None:
                raise not_found(
                    "unknown_deployment",
                    f"There is no deployment {developer_name[:80]!r} in org {org_id[:18]!r}.",
                )
            queues = org_repository.queue_configs(conn, org_id)
            # Queues with an agent Online who takes work (routing's own reading of "Online").
            staffed = {q for a in agent_loads(conn, org_id) if a.capacity > 0 for q in a.queues}
            found = availability.decide(row.config, queues, staffed, now)
            return AvailabilityOut(
                available=found.available,
                isOpen=found.is_open,
                agentsOnline=found.agents_online,
                nextOpeningTime=found.next_opening,
                whenUnavailable=row.config.when_unavailable,
            )

        return await self._db.read(work)

    async def leave_message(self, p: EndUserPrincipal, body: ContactRequest) -> ContactCreated:
        """The customer's message becomes a new Case of the org (Origin Web, Status New), for
        agents to answer by email."""
        now = self._clock.now_ms()
        if not body.message.strip():
            raise bad_request("empty_message", "Write a message before sending it.")
        first_line = body.message.strip().splitlines()[0]
        fields: dict[str, Any] = {
            "Subject": f"Message from the website: {first_line[:120]}",
            "Description": body.message,
            "Status": "New",
            "Origin": "Web",
            "SuppliedName": (body.name or "").strip() or None,
            "SuppliedEmail": body.email,
        }

        def work(conn: Connection) -> str:
            return records.create(conn, p.org_id, "Case", fields, now)

        return ContactCreated(caseId=await self._db.transaction(work))
