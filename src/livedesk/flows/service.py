"""Starting and advancing flow interviews; waking the ones that wait for a platform event."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection

from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.conversations.access import access_session
from livedesk.conversations.entries import Entry, NewEntry, Sender
from livedesk.conversations.recorder import Thread
from livedesk.conversations.service import ConversationService, NewSessionFields, NoSessionFields
from livedesk.errors import bad_request, not_found
from livedesk.flows import customer as customer_flows
from livedesk.flows import interpreter, repository
from livedesk.flows.definition import Flow
from livedesk.flows.runtime import DbRuntime
from livedesk.flows.schemas import (
    FlowList,
    FlowOut,
    InterviewList,
    InterviewOut,
    interview_out,
)
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.kit.ids import canonical_uuid, new_id
from livedesk.toolkit.actions import Toolkit

log = logging.getLogger(__name__)
SESSION_INTERVIEWS = 20  # the newest of a session's interviews that are listed


class FlowService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        toolkit: Toolkit,
        conversations: ConversationService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._toolkit = toolkit
        self._conversations = conversations

    async def list_flows(self, p: AgentPrincipal) -> FlowList:
        """The org's flows, for an agent to pick one (agent flows she starts, customer flows she
        launches in the chat)."""

        def work(conn: Connection) -> list[Flow]:
            return repository.all_flows(conn, p.org_id)

        return FlowList(
            flows=[
                FlowOut(
                    name=f.name,
                    label=f.label or f.name,
                    audience=f.audience,
                    inputs=[n for n, v in f.variables.items() if v.input],
                )
                for f in await self._db.read(work)
            ]
        )

    async def start(self, p: AgentPrincipal, name: str, inputs: dict[str, Any]) -> InterviewOut:
        now = self._clock.now_ms()

        def work(conn: Connection) -> InterviewOut:
            flow = repository.load_flow(conn, p.org_id, name)
            if flow.audience == "customer":
                raise bad_request(
                    "customer_flow",
                    f"{name} runs in the customer's chat: launch it with the `launchFlow` action.",
                )
            runtime = DbRuntime(conn, p.org_id, p, now, self._toolkit)
            try:
                interview = interpreter.start(flow, inputs, runtime, now)
            except interpreter.InputError as exc:
                raise bad_request("invalid_flow_input", str(exc)) from None
            interview_id = new_id()
            repository.insert_interview(
                conn, interview_id, p.org_id, name, ("Agent", p.agent_id), interview, now
            )
            return interview_out(interview_id, interview)

        return await self._db.transaction(work)

    async def next(
        self, p: AgentPrincipal, interview_id: str, values: dict[str, Any]
    ) -> InterviewOut:
        now = self._clock.now_ms()

        def work(conn: Connection) -> InterviewOut:
            row = _interview(conn, interview_id, lock=True)
            if row is None or row.org_id != p.org_id or row.owner_id != p.agent_id:
                raise not_found("interview_not_found", "There is no such interview of yours.")
            flow = repository.load_flow(conn, p.org_id, row.flow)
            interview = interpreter.Interview.from_json(row.state)
            runtime = DbRuntime(conn, p.org_id, p, now, self._toolkit)
            try:
                interview = interpreter.resume(flow, interview, runtime, values)
            except interpreter.InputError as exc:
                raise bad_request("invalid_screen_values", str(exc)) from None
            repository.save(conn, row.id, interview, now)
            return interview_out(row.id, interview)

        return await self._db.transaction(work)

    async def customer_answer(
        self,
        p: EndUserPrincipal,
        conversation_id: str,
        interview_id: str,
        values: dict[str, Any],
        message_id: str | None = None,
        body: NewSessionFields | None = None,
    ) -> Entry:
        """The customer submits a flow screen shown in the chat: customer input like a text
        message (timers, an Inactive session back to its queue), except that it never opens a
        new session; idempotent on `message_id`."""
        response_id = message_id or new_id()
        interview = canonical_uuid(interview_id)

        def compose(conn: Connection, thread: Thread, customer: Sender, now: int) -> list[NewEntry]:
            if interview is None:
                raise not_found("interview_not_found", "There is no such form for you.")
            try:
                return customer_flows.answer(
                    conn, p.org_id, customer, interview, values, now, response_id
                )
            except interpreter.InputError as exc:
                raise bad_request("invalid_screen_values", str(exc)) from None

        return await self._conversations.post_message(
            p,
            conversation_id,
            response_id,
            compose,
            body or NoSessionFields(),
            opens_session=False,
        )

    async def get(self, p: AgentPrincipal, interview_id: str) -> InterviewOut:
        def work(conn: Connection) -> InterviewOut:
            row = _interview(conn, interview_id)
            if row is None or row.org_id != p.org_id or row.owner_id != p.agent_id:
                raise not_found("interview_not_found", "There is no such interview of yours.")
            return interview_out(row.id, interpreter.Interview.from_json(row.state))

        return await self._db.read(work)

    async def of_session(self, p: AgentPrincipal, session_id: str) -> InterviewList:
        """Her interviews about a session she may read: those whose `recordId` input is the
        session's Case (as flows launched from the Case take it) or the session itself, newest
        first, each with its current screen (a console reloaded shows the flow again)."""

        def work(conn: Connection) -> InterviewList:
            session, _ = access_session(conn, p, session_id, act=False)
            about = [i for i in (session.case_id, session.id) if i]
            rows = repository.interviews_about(
                conn, p.org_id, p.agent_id, about, SESSION_INTERVIEWS
            )
            return InterviewList(
                interviews=[
                    interview_out(r.id, interpreter.Interview.from_json(r.state)) for r in rows
                ]
            )

        return await self._db.read(work)


def _interview(conn: Connection, interview_id: str, *, lock: bool = False) -> Any | None:
    """The interview named by a client (its id in any case), or None."""
    canonical = canonical_uuid(interview_id)
    return repository.get_interview(conn, canonical, lock=lock) if canonical else None
