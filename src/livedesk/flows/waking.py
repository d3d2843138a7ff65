"""Waking flow interviews that wait for a platform event: after the commit of whatever published
it (a domain event, kit.effects), and once at start-up."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any, cast

from sqlalchemy import Connection

from livedesk.auth.principals import AgentPrincipal
from livedesk.events.publishing import EventPublished
from livedesk.flows import interpreter, repository
from livedesk.flows.runtime import DbRuntime
from livedesk.flows.schemas import interview_out
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.orgs import repository as org_repository
from livedesk.streams.notices import AgentEvent, FlowScreen, notify_agent
from livedesk.toolkit.actions import Toolkit

log = logging.getLogger(__name__)


class FlowWaker:
    def __init__(self, db: Database, clock: Clock, toolkit: Toolkit) -> None:
        self._db = db
        self._clock = clock
        self._toolkit = toolkit

    async def wake_all(self) -> None:
        """At start-up (in the background): resume every waiting interview once. An event
        published just before a process stopped may not have woken its interviews; a resumed
        interview looks at the events published since it began to wait, so it finds it now."""
        for org_id, event_type in await self._db.read(repository.waited_for):
            await self.wake(org_id, {event_type})

    async def on_published(self, events: list[EventPublished]) -> None:
        """After the commit of a unit that published platform events (kit.effects)."""
        by_org: dict[str, set[str]] = {}
        for e in events:
            by_org.setdefault(e.org_id, set()).add(e.event_type)
        for org_id, types in by_org.items():
            await self.wake(org_id, types)

    async def wake(self, org_id: str, event_types: set[str]) -> None:
        """Resume the interviews waiting for these event types (each in its own unit)."""
        for event_type in event_types:
            ids = await self._db.read(
                partial(repository.waiting_for, org_id=org_id, event_type=event_type)
            )
            for interview_id in ids:
                try:
                    await self._wake_one(interview_id)
                except Exception:  # one broken interview (its flow was removed…) stops no other
                    log.exception("could not resume interview %s", interview_id)

    async def _wake_one(self, interview_id: str) -> None:
        now = self._clock.now_ms()

        def work(conn: Connection) -> None:
            row = repository.get_interview(conn, interview_id, lock=True)
            if row is None or row.status != "waiting":
                return
            flow = repository.load_flow(conn, row.org_id, row.flow)
            owner = _owner(conn, row)
            runtime = DbRuntime(conn, row.org_id, owner, now, self._toolkit)
            interview = interpreter.resume(
                flow, interpreter.Interview.from_json(row.state), runtime
            )
            if interview.status == "waiting" and interview.to_json() == row.state:
                return  # still waiting for the same thing: nothing to save or tell
            repository.save(conn, row.id, interview, now)
            if owner is not None and interview.status != "waiting":
                # The interview as GET /api/v1/interviews/{id} shows it, and its id.
                shown = {"interviewId": row.id, **interview_out(row.id, interview).model_dump()}
                screen = cast(FlowScreen, shown)
                notify_agent(conn, owner.agent_id, AgentEvent.FLOW_SCREEN, screen, now)

        await self._db.transaction(work)


def _owner(conn: Connection, row: Any) -> AgentPrincipal | None:
    if row.owner_role != "Agent":
        return None
    agent = org_repository.get_agent(conn, row.owner_id)
    if agent is None:
        return None
    return AgentPrincipal(
        agent.id, agent.org_id, tuple(agent.roles), "flow", 2**62, tuple(agent.queues)
    )
