"""What agents do: presence, listing and reading sessions, accepting, acting on a session, telling
the customer she is typing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.agents import quick_texts
from livedesk.agents.schemas import (
    ComponentList,
    ComponentOut,
    QuickTextList,
    QuickTextOut,
    SessionAnswerOut,
    SessionDetail,
    SessionList,
    SessionOut,
)
from livedesk.agents.work import accept_offer, pull_session
from livedesk.auth.principals import AgentPrincipal
from livedesk.auth.schemas import AgentOut
from livedesk.auth.service import agent_out
from livedesk.conversations import components, entries, repository, sessions
from livedesk.conversations.access import access_session
from livedesk.conversations.entries import EntryType, Sender, entry_from_row
from livedesk.conversations.messages import agent_sender, check_agent_can_send
from livedesk.conversations.reading import may_supervise, readable_sessions
from livedesk.conversations.recorder import Thread, thread_of
from livedesk.conversations.typing import TypingRelay, agent_indicator
from livedesk.errors import bad_request, conflict, not_found
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.kit.effects import tell
from livedesk.kit.ids import canonical_uuid
from livedesk.models import SessionStatus
from livedesk.orgs import repository as org_repository
from livedesk.records import repository as records
from livedesk.routing import oversight
from livedesk.routing import repository as routing_repository
from livedesk.routing import work as routing_work
from livedesk.routing.needed import RoutingNeeded
from livedesk.streams.service import StreamService, end_user_recipient
from livedesk.toolkit.actions import Toolkit
from livedesk.toolkit.schemas import ActionResult, SessionAction

SESSION_STATUSES = tuple(SessionStatus)


class AgentService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        toolkit: Toolkit,
        streams: StreamService,
        typing: TypingRelay,
    ) -> None:
        self._db = db
        self._clock = clock
        self._toolkit = toolkit
        self._streams = streams
        self._typing = typing

    async def me(self, p: AgentPrincipal) -> AgentOut:
        row = await self._db.read(lambda conn: org_repository.get_agent(conn, p.agent_id))
        if row is None:
            raise not_found("agent_not_found", "This agent no longer exists.")
        return agent_out(row)

    async def set_presence(self, p: AgentPrincipal, status: str) -> AgentOut:
        """Online agents get offers; any other status takes back the offers not yet answered
        (they go to someone else). Sessions already accepted stay with the agent."""
        now = self._clock.now_ms()

        def work(conn: Connection) -> Any:
            routing_repository.lock_org_routing(conn, p.org_id)
            before = org_repository.get_agent(conn, p.agent_id)
            if before is None:
                raise not_found("agent_not_found", "This agent no longer exists.")
            change_presence(conn, before, status, now)
            return org_repository.get_agent(conn, p.agent_id)

        return agent_out(await self._db.transaction(work))

    async def list_sessions(
        self, p: AgentPrincipal, status: list[str] | None, mine: bool, limit: int
    ) -> SessionList:
        for s in status or []:
            if s not in SESSION_STATUSES:
                raise bad_request(
                    "invalid_status",
                    f"{s[:20]!r} is not a session status; use one of {', '.join(SESSION_STATUSES)}.",
                )
        if not 1 <= limit <= 500:
            raise bad_request("invalid_limit", "`limit` must be between 1 and 500.")
        rows = await self._db.read(
            lambda conn: repository.list_sessions(
                conn, p.org_id, status, p.agent_id if mine else None, limit, readable_sessions(p)
            )
        )
        return SessionList(sessions=[_session_out(r) for r in rows])

    async def get_session(
        self, p: AgentPrincipal, session_id: str, *, supervising: bool = False
    ) -> SessionDetail:
        """A session and its conversation's transcript; `supervising`: only one of the queues
        she supervises (`reading.may_supervise`; any other is not found)."""

        def work(conn: Connection) -> tuple[Any, list[Any], list[Any]]:
            session, conversation = access_session(conn, p, session_id, act=False)
            if supervising and not may_supervise(p, session):
                raise not_found("session_not_found", "There is no such session.")
            rows = repository.session_entries(conn, conversation.id, 1000)
            return session, rows, repository.session_answers(conn, session.id)

        session, rows, answers = await self._db.read(work)
        base = _session_out(session)
        transcript = [
            {
                "sessionId": r.session_id,
                **entries.miaw_entry(entry_from_row(r), payload_as_string=False),
            }
            for r in rows
        ]
        return SessionDetail(
            **base.model_dump(), transcript=transcript, answers=[_answer_out(a) for a in answers]
        )

    async def quick_texts(self, p: AgentPrincipal, session_id: str) -> QuickTextList:
        """The org's quick texts offered in the session's queue, filled for its customer."""

        def work(conn: Connection) -> QuickTextList:
            session, _ = access_session(conn, p, session_id, act=False)
            texts = org_repository.org_config(conn, p.org_id).quick_texts
            found = quick_texts.for_session(
                texts, session.routing_attributes or {}, session.queue_name
            )
            return QuickTextList(
                quickTexts=[
                    QuickTextOut(name=t.name, label=t.label or t.name, text=text)
                    for t, text in found
                ]
            )

        return await self._db.read(work)

    async def components(self, p: AgentPrincipal, session_id: str) -> ComponentList:
        """The org's messaging components, as this session's customer would be asked them (the
        `sendComponent` action sends one)."""

        def work(conn: Connection) -> ComponentList:
            session, _ = access_session(conn, p, session_id, act=False)
            attributes, queue = session.routing_attributes or {}, session.queue_name
            return ComponentList(
                components=[
                    ComponentOut(
                        name=c.name,
                        type=c.type,
                        text=components.plain_question(components.offered(c, attributes, queue)),
                    )
                    for c in org_repository.org_config(conn, p.org_id).components
                ]
            )

        return await self._db.read(work)

    async def link_case(
        self, p: AgentPrincipal, session_id: str, case_id: str | None
    ) -> SessionOut:
        now = self._clock.now_ms()

        def work(conn: Connection) -> SessionOut:
            session, conversation = access_session(conn, p, session_id, act=True)
            if case_id is None:
                fields = sessions.case_from_prechat(session.routing_attributes, "")
                fields.pop("ReasonForNotRouting")
                fields.update(ConversationId=conversation.id, SessionId=session.id)
                linked = records.create(conn, p.org_id, "Case", fields, now)
            else:
                case = canonical_uuid(case_id)
                row = records.get(conn, case) if case is not None else None
                if row is None or row.org_id != p.org_id or row.object != "Case":
                    raise not_found("record_not_found", "There is no such Case.")
                linked = row.id
            repository.update_session(conn, session.id, case_id=linked)
            return _session_out(repository.get_session(conn, session.id))

        return await self._db.transaction(work)

    async def accept(self, p: AgentPrincipal, session_id: str) -> SessionOut:
        """Take a waiting session: the one offered to this agent, or one of her queues nobody
        was offered (within the agent's capacity)."""
        now = self._clock.now_ms()

        def work(conn: Connection) -> SessionOut:
            routing_repository.lock_org_routing(conn, p.org_id)
            session, _ = access_session(conn, p, session_id, act=False, take=True)
            if session.status != SessionStatus.WAITING:
                raise conflict(
                    "session_not_waiting", "This session is not waiting for an agent any more."
                )
            offer = routing_repository.live_work_of_session(conn, session.id)
            if offer is None:
                pull_session(conn, p, session, now)
            elif offer.agent_id == p.agent_id:
                accept_offer(conn, p, offer, now)
            else:
                raise conflict(
                    "session_offered_to_another", "This session is being offered to another agent."
                )
            return _session_out(repository.get_session(conn, session.id))

        return await self._db.transaction(work)

    async def typing(self, p: AgentPrincipal, session_id: str, typing: bool) -> None:
        """Tell the customer the agent is typing (or stopped): only in a session she has and may
        write in (the refusals of a message); through the typing relay (at most one indicator a
        second per session, the latest state always); never stored."""

        def check(conn: Connection) -> tuple[Thread, Sender]:
            session, conversation = access_session(conn, p, session_id, act=True)
            check_agent_can_send(session, conversation)
            return thread_of(conversation, session), agent_sender(conn, p.agent_id)

        thread, _ = await self._db.read(check)  # refused every time, dropped or not

        async def forward(kind: str) -> None:
            # Read again: a state held for the end of its second goes only if she still may.
            thread, sender = await self._db.read(check)
            name, data = agent_indicator(thread, sender, kind, self._clock.now_ms())
            await self._streams.send_ephemeral(end_user_recipient(thread.end_user_id), name, data)

        kind = EntryType.TYPING_STARTED if typing else EntryType.TYPING_STOPPED
        await self._typing.offer(f"agent {p.agent_id} {thread.session_id}", kind, forward)

    async def act(self, p: AgentPrincipal, session_id: str, action: SessionAction) -> ActionResult:
        """A Conversation Toolkit action (the same one flows run)."""
        now = self._clock.now_ms()
        return await self._db.transaction(
            lambda conn: self._toolkit.perform(conn, p, session_id, action, now)
        )


def change_presence(conn: Connection, before: Any, status: str, now: int) -> None:
    """The one way an agent's presence changes (her own choice, `set_presence`, or her console
    gone, `agents.liveness`), inside a unit of work that took the org's routing lock and then
    read `before`, her row: the presence is written, and when it changed, recorded in her presence
    history (which reports read) and told to supervisors; any
    status but Online takes back the offers she has not answered (`routing.work.cancel_offer`,
    the push timeout's path: each goes back to its queue, for someone else); routing is told."""
    values: dict[str, Any] = {"presence": status, "presence_changed_at": now}
    if status == "Online" and before.presence != "Online":
        values["idle_since"] = now
    org_repository.update_agent(conn, before.id, **values)
    if status != before.presence:
        org_repository.insert_presence_history(conn, before.org_id, before.id, status, now)
        oversight.presence_changed(conn, before.org_id, before.id, list(before.queues), status, now)
    if status != "Online":
        for item in routing_repository.assigned_work_of_agent(conn, before.id):
            routing_work.cancel_offer(conn, item, "Cancelled", "presence", now)
    tell(conn, RoutingNeeded(before.org_id))  # capacity came or went; offers went back


def _answer_out(row: Any) -> SessionAnswerOut:
    return SessionAnswerOut(
        questionId=row.question_id,
        component=row.component,
        type=row.kind,
        sentBy=row.sent_by_role,
        sentTime=row.sent_at,
        answerId=row.answer_id,
        answerTime=row.answered_at,
        values=row.answer,
        selection=row.selection,
        rating=row.rating,
        caseId=row.case_id,
    )


def _session_out(row: Any) -> SessionOut:
    """A session as agents see it; its pre-chat is its own (with the conversation's first one
    when the deployment persists pre-chat across sessions)."""
    return SessionOut(
        id=row.id,
        conversationId=row.conversation_id,
        status=row.status,
        agentId=row.agent_id,
        queue=row.queue_name,
        routingAttributes=row.routing_attributes,
        prechat=row.routing_attributes,
        startTime=row.started_at,
        acceptTime=row.accepted_at,
        endTime=row.ended_at,
        endedByRole=row.ended_by_role,
        endReason=row.end_reason,
        reasonForNotRouting=row.reason_for_not_routing,
        caseId=row.case_id,
    )
