"""What the supervisor API does: her queues' figures, their agents and open sessions, and a
session's detail (the agents' own reading of it, narrowed to her queues)."""

from __future__ import annotations

from sqlalchemy import Connection

from livedesk.agents.schemas import SessionDetail
from livedesk.agents.service import AgentService
from livedesk.auth.principals import AgentPrincipal
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.orgs import repository as org_repository
from livedesk.routing import repository as routing_repository
from livedesk.routing.oversight import customer_name
from livedesk.routing.placement import ewt_seconds
from livedesk.streams import repository as stream_repository
from livedesk.streams.notices import supervision_recipient
from livedesk.supervision import repository
from livedesk.supervision.schemas import (
    QueueFigures,
    SupervisedAgent,
    SupervisedSession,
    SupervisorOverview,
)
from livedesk.supervision.scope import Scope, scope_of


class SupervisionService:
    def __init__(self, db: Database, clock: Clock, agents: AgentService) -> None:
        self._db = db
        self._clock = clock
        self._agents = agents

    def scope(self, p: AgentPrincipal) -> Scope:
        """Her queues (403 `supervisors_only` for an agent who supervises nothing)."""
        return scope_of(p)

    async def overview(self, p: AgentPrincipal) -> SupervisorOverview:
        scope = scope_of(p)
        now = self._clock.now_ms()

        def read(conn: Connection) -> SupervisorOverview:
            # The stream's position first: whatever changes after it, the stream carries (its
            # events are states, so one the figures below already show does no harm).
            head = stream_repository.head(conn, supervision_recipient(p.org_id))
            return _overview(conn, p.org_id, scope, now, head)

        return await self._db.read(read)

    async def session(self, p: AgentPrincipal, session_id: str) -> SessionDetail:
        """A session of her queues, read only, as `GET /api/v1/sessions/{id}` shows it."""
        scope_of(p)
        return await self._agents.get_session(p, session_id, supervising=True)


def _overview(
    conn: Connection, org_id: str, scope: Scope, now: int, head: int
) -> SupervisorOverview:
    queues = scope.visible(org_repository.queue_configs(conn, org_id))
    used = routing_repository.active_weights(conn, org_id)
    # An agent is shown when she serves one of those queues.
    agents = [a for a in repository.agents_of(conn, org_id) if set(a.queues) & set(queues)]
    sessions: dict[str, list[SupervisedSession]] = {}
    for s in repository.open_sessions(conn, org_id, queues):
        sessions.setdefault(s.agent_id, []).append(
            SupervisedSession(
                id=s.id,
                conversationId=s.conversation_id,
                status=s.status,
                queue=s.queue_name,
                customerName=customer_name(s.routing_attributes),
                startTime=s.started_at,
                acceptTime=s.accepted_at,
            )
        )
    figures = []
    for name in queues:
        waiting, oldest = routing_repository.waiting_line(conn, org_id, name)
        online = [a for a in agents if a.presence == "Online" and name in a.queues]
        figures.append(
            QueueFigures(
                name=name,
                waiting=waiting,
                longestWaitSeconds=0 if oldest is None else max(0, now - oldest) // 1000,
                oldestQueuedAt=oldest,
                estimatedWaitTimeInSeconds=ewt_seconds(conn, org_id, name, now),
                agentsOnline=len(online),
                freeCapacity=sum(max(0, a.capacity - used.get(a.id, 0)) for a in online),
            )
        )
    return SupervisorOverview(
        at=now,
        lastEventId=str(head),
        queues=figures,
        agents=[
            SupervisedAgent(
                id=a.id,
                username=a.username,
                displayName=a.display_name,
                presence=a.presence,
                queues=list(a.queues),
                used=used.get(a.id, 0),
                capacity=a.capacity,
                sessions=sessions.get(a.id, []),
            )
            for a in agents
        ],
    )
