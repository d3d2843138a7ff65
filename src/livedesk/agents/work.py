"""What agents do with offers (accept, decline) and what they see of the queues."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.auth.principals import AgentPrincipal
from livedesk.conversations import repository as conversations
from livedesk.conversations import sessions
from livedesk.conversations.entries import Sender
from livedesk.conversations.recorder import thread_of
from livedesk.errors import conflict, not_found
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.kit.effects import tell
from livedesk.kit.ids import canonical_uuid, new_id
from livedesk.orgs import repository as org_repository
from livedesk.routing import repository, work
from livedesk.routing.needed import RoutingNeeded
from livedesk.routing.placement import queue_states
from livedesk.routing.schemas import (
    ColleagueList,
    ColleagueOut,
    QueueList,
    QueueOut,
    WorkList,
    WorkOut,
)
from livedesk.timers import repository as timers


class WorkService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def accept(self, p: AgentPrincipal, work_id: str) -> WorkOut:
        now = self._clock.now_ms()

        def unit(conn: Connection) -> WorkOut:
            item = _own_work(conn, p, work_id)
            _check_still_offered(item, now)
            accept_offer(conn, p, item, now)
            return _work_out(repository.get_work(conn, item.id))

        return await self._db.transaction(unit)

    async def decline(self, p: AgentPrincipal, work_id: str) -> WorkOut:
        now = self._clock.now_ms()

        def unit(conn: Connection) -> WorkOut:
            item = _own_work(conn, p, work_id)
            _check_still_offered(item, now)
            repository.set_work_status(
                conn, item.id, "Assigned", "Declined", answered_at=now, closed_at=now
            )
            timers.cancel(conn, work.PUSH_TIMEOUT, item.id)
            tell(conn, RoutingNeeded(p.org_id))  # offered to someone else
            return _work_out(repository.get_work(conn, item.id))

        return await self._db.transaction(unit)

    async def my_work(self, p: AgentPrincipal) -> WorkList:
        """This agent's open offers and accepted work."""
        now = self._clock.now_ms()
        rows = await self._db.read(
            lambda conn: repository.work_of_agent(conn, p.agent_id, repository.LIVE)
        )
        return WorkList(work=[_work_out(r) for r in rows], now=now)

    async def queues(self, p: AgentPrincipal) -> QueueList:
        now = self._clock.now_ms()

        def unit(conn: Connection) -> QueueList:
            states = queue_states(conn, p.org_id, now)
            agents = repository.agent_loads(conn, p.org_id)
            return QueueList(
                queues=[
                    QueueOut(
                        name=name,
                        routingModel=state.config.routing_model,
                        priority=state.config.priority,
                        waiting=state.waiting,
                        estimatedWaitTimeInSeconds=state.ewt_seconds,
                        agentsOnline=sum(1 for a in agents if name in a.queues),
                        freeCapacity=sum(max(0, a.free) for a in agents if name in a.queues),
                    )
                    for name, state in sorted(states.items())
                ]
            )

        return await self._db.read(unit)

    async def colleagues(self, p: AgentPrincipal) -> ColleagueList:
        """The org's agents who take chats, with presence and free capacity (to transfer to)."""

        def unit(conn: Connection) -> ColleagueList:
            loads = {
                a.agent_id: a for a in repository.agent_loads(conn, p.org_id, online_only=False)
            }
            return ColleagueList(
                agents=[
                    ColleagueOut(
                        id=a.id,
                        username=a.username,
                        displayName=a.display_name or a.username,
                        presence=a.presence,
                        queues=list(a.queues or ()),
                        freeCapacity=max(0, loads[a.id].free) if a.id in loads else 0,
                    )
                    for a in org_repository.org_agents(conn, p.org_id)
                    if a.capacity > 0
                ]
            )

        return await self._db.read(unit)


def accept_offer(conn: Connection, p: AgentPrincipal, item: Any, now: int) -> None:
    """The agent takes the session it was offered: work Opened, session Active."""
    # The compare-and-set comes first: it holds the work row, so a push timeout or a presence
    # change that took the offer back a moment ago wins cleanly.
    if not repository.set_work_status(conn, item.id, "Assigned", "Opened", answered_at=now):
        raise conflict("work_not_offered", "This offer is no longer open.")
    session = conversations.get_session(conn, item.session_id)
    conversation = (
        conversations.get_conversation(conn, session.conversation_id) if session else None
    )
    if session is None or conversation is None:  # work rows reference their session
        raise not_found("session_not_found", "There is no such session.")
    agent = org_repository.get_agent(conn, p.agent_id)
    if agent is None:
        raise not_found("agent_not_found", "This agent no longer exists.")
    sender = Sender("Agent", agent.id, agent.display_name)
    sessions.accept_session(conn, thread_of(conversation, session), session, sender, now)
    waited = now - (session.queued_at or session.started_at)
    repository.set_work_waited(conn, item.id, max(0, waited))
    timers.cancel(conn, work.PUSH_TIMEOUT, item.id)


def pull_session(conn: Connection, p: AgentPrincipal, session: Any, now: int) -> None:
    """An agent takes a waiting session nobody was offered, if it has the capacity."""
    load = repository.agent_load(conn, p.org_id, p.agent_id)
    weight = session.work_weight or 1
    if load is None or load.free < weight:
        raise conflict(
            "no_capacity",
            "You have no free capacity for this session; finish or end another one first.",
        )
    work_id = new_id()
    repository.insert_work(
        conn,
        id=work_id,
        org_id=p.org_id,
        session_id=session.id,
        agent_id=p.agent_id,
        queue_name=session.queue_name,
        status="Assigned",
        weight=weight,
        offered_at=now,
        expires_at=None,
    )
    accept_offer(conn, p, repository.get_work(conn, work_id), now)


def _own_work(conn: Connection, p: AgentPrincipal, work_id: str) -> Any:
    work = canonical_uuid(work_id)
    item = repository.get_work(conn, work) if work is not None else None
    if item is None or item.agent_id != p.agent_id:
        raise not_found("work_not_found", "There is no such offer for you.")
    return item


def _check_still_offered(item: Any, now: int) -> None:
    if item.status != "Assigned":
        raise conflict(
            "work_not_offered",
            f"This offer is no longer open (it was {item.status.lower()}).",
            workStatus=item.status,
        )
    if item.expires_at is not None and now >= item.expires_at:
        raise conflict("work_expired", "This offer has expired; the session goes to someone else.")


def _work_out(row: Any) -> WorkOut:
    return WorkOut(
        workId=row.id,
        sessionId=row.session_id,
        status=row.status,
        queue=row.queue_name,
        offeredAt=row.offered_at,
        expiresAt=row.expires_at,
    )
