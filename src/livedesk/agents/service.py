"""What agents do: presence, listing and reading sessions, accepting, acting on a session."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.agents.access import readable_sessions
from livedesk.agents.schemas import (
    ACTION_TYPES,
    SUPPORTED_ACTIONS,
    ActionResult,
    SessionAction,
    SessionDetail,
    SessionList,
    SessionOut,
)
from livedesk.attachments.service import request_file
from livedesk.auth.principals import AgentPrincipal
from livedesk.auth.schemas import AgentOut
from livedesk.auth.service import agent_out
from livedesk.container import Container
from livedesk.conversations import entries, inactivity, repository, sessions
from livedesk.conversations.access import access_session
from livedesk.conversations.entries import NewEntry, Sender, entry_from_row
from livedesk.conversations.recorder import notify_agent, record, thread_of
from livedesk.conversations.sessions import check_agent_can_send
from livedesk.errors import bad_request, conflict, not_found
from livedesk.flows.customer import customer_flow
from livedesk.flows.customer import launch as launch_customer_flow
from livedesk.kit.ids import canonical_uuid, new_id
from livedesk.orgs import repository as org_repository
from livedesk.records import repository as records
from livedesk.routing import repository as routing_repository
from livedesk.routing import work as routing_work
from livedesk.routing.service import accept_offer, pull_session
from livedesk.routing.transfer import transfer
from livedesk.streams.service import Outgoing

SESSION_STATUSES = ("New", "Waiting", "Active", "Inactive", "Ended", "Error")


class AgentService:
    def __init__(self, c: Container) -> None:
        self.c = c

    async def me(self, p: AgentPrincipal) -> AgentOut:
        row = await self.c.db.read(lambda conn: org_repository.get_agent(conn, p.agent_id))
        if row is None:
            raise not_found("agent_not_found", "This agent no longer exists.")
        return agent_out(row)

    async def set_presence(self, p: AgentPrincipal, status: str) -> AgentOut:
        """Online agents get offers; any other status takes back the offers not yet answered
        (they go to someone else). Sessions already accepted stay with the agent."""
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> tuple[Any, list[Outgoing]]:
            routing_repository.lock_org_routing(conn, p.org_id)
            before = org_repository.get_agent(conn, p.agent_id)
            if before is None:
                raise not_found("agent_not_found", "This agent no longer exists.")
            values: dict[str, Any] = {"presence": status, "presence_changed_at": now}
            if status == "Online" and before.presence != "Online":
                values["idle_since"] = now
            org_repository.update_agent(conn, p.agent_id, **values)
            out: list[Outgoing] = []
            if status != "Online":
                for item in routing_repository.assigned_work_of_agent(conn, p.agent_id):
                    cancelled = routing_work.cancel_offer(conn, item, "Cancelled", "presence", now)
                    if cancelled is not None:
                        out.append(cancelled)
            return org_repository.get_agent(conn, p.agent_id), out

        row, out = await self.c.db.transaction(work)
        await self.c.streams.announce(out)
        await self.c.router.reroute([p.org_id])
        return agent_out(row)

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
        rows = await self.c.db.read(
            lambda conn: repository.list_sessions(
                conn, p.org_id, status, p.agent_id if mine else None, limit, readable_sessions(p)
            )
        )
        return SessionList(sessions=[_session_out(r) for r in rows])

    async def get_session(self, p: AgentPrincipal, session_id: str) -> SessionDetail:
        def work(conn: Connection) -> tuple[Any, Any, list[Any]]:
            session, conversation = access_session(conn, p, session_id, act=False)
            return session, conversation, repository.session_entries(conn, conversation.id, 1000)

        session, _, rows = await self.c.db.read(work)
        base = _session_out(session)
        transcript = [
            {
                "sessionId": r.session_id,
                **entries.miaw_entry(entry_from_row(r), payload_as_string=False),
            }
            for r in rows
        ]
        return SessionDetail(**base.model_dump(), transcript=transcript)

    async def link_case(
        self, p: AgentPrincipal, session_id: str, case_id: str | None
    ) -> SessionOut:
        now = self.c.clock.now_ms()

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

        return await self.c.db.transaction(work)

    async def accept(self, p: AgentPrincipal, session_id: str) -> SessionOut:
        """Take a waiting session: the one offered to this agent, or one of her queues nobody
        was offered (within the agent's capacity)."""
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> tuple[SessionOut, list[Outgoing]]:
            routing_repository.lock_org_routing(conn, p.org_id)
            session, _ = access_session(conn, p, session_id, act=False, take=True)
            if session.status != "Waiting":
                raise conflict(
                    "session_not_waiting", "This session is not waiting for an agent any more."
                )
            offer = routing_repository.live_work_of_session(conn, session.id)
            if offer is None:
                out = pull_session(conn, p, session, now)
            elif offer.agent_id == p.agent_id:
                out = accept_offer(conn, p, offer, now)
            else:
                raise conflict(
                    "session_offered_to_another", "This session is being offered to another agent."
                )
            updated = repository.get_session(conn, session.id)
            return _session_out(updated), out

        result, out = await self.c.db.transaction(work)
        await self.c.streams.announce(out)
        await self.c.router.reroute([p.org_id])
        return SessionOut.model_validate(result)

    async def act(self, p: AgentPrincipal, session_id: str, action: SessionAction) -> ActionResult:
        if action.actionType not in ACTION_TYPES:
            raise bad_request(
                "unknown_action",
                f"{action.actionType!r} is not an action; use one of {', '.join(ACTION_TYPES)}.",
            )
        if action.actionType not in SUPPORTED_ACTIONS:
            raise bad_request(
                "unsupported_action",
                f"{action.actionType!r} is not available on this server yet; "
                f"available: {', '.join(SUPPORTED_ACTIONS)}.",
            )
        # The session may be named by its id, its conversation's id or a linked record's id.
        named = session_id
        session_id = await self.c.db.read(
            lambda conn: access_session(conn, p, named, act=False)[0].id
        )
        if action.actionType == "sendMessage":
            return await self._send_message(p, session_id, action)
        if action.actionType == "setAgentInput":
            return await self._set_agent_input(p, session_id, action)
        if action.actionType == "launchFlow":
            return await self._launch_flow(p, session_id, action)
        if action.actionType == "initFileTransfer":
            return await self._init_file_transfer(p, session_id, action)
        if action.actionType == "transfer":
            return await self._transfer(p, session_id, action)
        if action.actionType == "markInactive":
            return await self._mark_inactive(p, session_id)
        return await self._end_chat(p, session_id)

    async def _set_agent_input(
        self, p: AgentPrincipal, session_id: str, action: SessionAction
    ) -> ActionResult:
        """Put text into this agent's own input box (an `AgentInputSet` event on its stream);
        nothing reaches the customer."""
        text = self._checked_text(action.message)
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> list[Outgoing]:
            session, conversation = access_session(conn, p, session_id, act=True)
            check_agent_can_send(session, conversation)
            data = {
                "sessionId": session.id,
                "conversationId": conversation.id,
                "text": text,
                "setAtCursor": bool(action.setAtCursor),
            }
            return [notify_agent(conn, p.agent_id, "AgentInputSet", data, now)]

        await self.c.streams.announce(await self.c.db.transaction(work))
        return ActionResult(actionType="setAgentInput", sessionId=session_id, status="set")

    async def _launch_flow(
        self, p: AgentPrincipal, session_id: str, action: SessionAction
    ) -> ActionResult:
        """Start a customer flow in the chat window (the `lwc:flow:` convention)."""
        if not action.flowName:
            raise bad_request("missing_flow_name", "Name the flow to launch: `flowName`.")
        link = f"lwc:flow:{action.flowName}&recordId={action.recordId or ''}"
        identifier = new_id()
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> list[Outgoing]:
            if customer_flow(conn, p.org_id, action.flowName or "") is None:
                raise not_found("flow_not_found", f"There is no customer flow {action.flowName!r}.")
            return post_agent_message(conn, p, session_id, identifier, link, now)

        await self.c.streams.announce(await self.c.db.transaction(work))
        return ActionResult(
            actionType="launchFlow", sessionId=session_id, entryId=identifier, status="launched"
        )

    async def _init_file_transfer(
        self, p: AgentPrincipal, session_id: str, action: SessionAction
    ) -> ActionResult:
        if not action.recordId:
            raise bad_request("missing_record_id", "Name the record the file is for: `recordId`.")
        record_id = action.recordId
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> list[Outgoing]:
            session, conversation = access_session(conn, p, session_id, act=True)
            return request_file(conn, p, session, conversation, record_id, action.message, now)

        await self.c.streams.announce(await self.c.db.transaction(work))
        return ActionResult(actionType="initFileTransfer", sessionId=session_id, status="requested")

    def _checked_text(self, message: str | None) -> str:
        text = message or ""
        if not text.strip():
            raise bad_request("empty_message", "A message needs some text.")
        if len(text) > self.c.settings.limits.max_text_chars:
            raise bad_request(
                "message_too_long",
                f"A message may have at most {self.c.settings.limits.max_text_chars} characters.",
            )
        return text

    async def _mark_inactive(self, p: AgentPrincipal, session_id: str) -> ActionResult:
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> list[Outgoing]:
            session, conversation = access_session(conn, p, session_id, act=True)
            if session.status != "Active":
                raise conflict("session_not_active", "Only an active session can be made inactive.")
            thread = thread_of(conversation, session)
            return inactivity.make_inactive(conn, thread, session, "mark_inactive", now)

        await self.c.streams.announce(await self.c.db.transaction(work))
        await self.c.router.reroute([p.org_id])
        return ActionResult(actionType="markInactive", sessionId=session_id, status="Inactive")

    async def _transfer(
        self, p: AgentPrincipal, session_id: str, action: SessionAction
    ) -> ActionResult:
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> list[Outgoing]:
            session, conversation = access_session(conn, p, session_id, act=True)
            return transfer(conn, p, session, conversation, action.queue, action.agentId, now)

        await self.c.streams.announce(await self.c.db.transaction(work))
        await self.c.router.reroute([p.org_id])
        return ActionResult(actionType="transfer", sessionId=session_id, status="Waiting")

    async def _send_message(
        self, p: AgentPrincipal, session_id: str, action: SessionAction
    ) -> ActionResult:
        text = self._checked_text(action.message)
        identifier = canonical_uuid(action.id) if action.id is not None else new_id()
        if identifier is None:
            raise bad_request("invalid_message_id", "`id` must be a UUID.")
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> list[Outgoing]:
            return post_agent_message(conn, p, session_id, identifier, text, now)

        await self.c.streams.announce(await self.c.db.transaction(work))
        return ActionResult(
            actionType="sendMessage", sessionId=session_id, entryId=identifier, status="sent"
        )

    async def _end_chat(self, p: AgentPrincipal, session_id: str) -> ActionResult:
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> list[Outgoing]:
            session, conversation = access_session(conn, p, session_id, act=True)
            if not sessions.is_open(session):
                return []
            thread = thread_of(conversation, session)
            return sessions.end_session(conn, thread, session, "Agent", now)

        await self.c.streams.announce(await self.c.db.transaction(work))
        await self.c.router.reroute([p.org_id])
        return ActionResult(actionType="endChat", sessionId=session_id, status="Ended")


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


def post_agent_message(
    conn: Connection, p: AgentPrincipal, session_id: str, identifier: str, text: str, now: int
) -> list[Outgoing]:
    """The agent's message in its session (idempotent on `identifier`); starts the customer
    inactivity timer when it is the first reply after the customer's last message."""
    session, conversation = access_session(conn, p, session_id, act=True)
    if repository.find_entry(conn, conversation.id, identifier) is not None:
        return []
    check_agent_can_send(session, conversation)
    agent = org_repository.get_agent(conn, p.agent_id)
    name = agent.display_name if agent is not None else "Agent"
    # `lwc:flow:<Flow>&recordId=…` starts that flow for the customer (the seed convention).
    payload = launch_customer_flow(
        conn, p.org_id, conversation.end_user_id, text, identifier, now
    ) or entries.text_message(identifier, text)
    new = NewEntry(identifier, "Message", Sender("Agent", p.agent_id, name), payload)
    out = record(conn, thread_of(conversation, session), [new], now)[1]
    inactivity.on_agent_message(conn, session, conversation.deployment_id, now)
    return out
