"""Starting and advancing flow interviews; waking the ones that wait for a platform event."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection

from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.container import Container
from livedesk.conversations.entries import Entry, NewEntry, Sender
from livedesk.conversations.recorder import Thread
from livedesk.conversations.service import ConversationService, NewSessionFields, NoSessionFields
from livedesk.errors import bad_request, not_found
from livedesk.flows import customer as customer_flows
from livedesk.flows import interpreter, repository
from livedesk.flows.definition import Flow
from livedesk.flows.runtime import DbRuntime
from livedesk.kit.ids import canonical_uuid, new_id
from livedesk.orgs import repository as org_repository
from livedesk.streams.service import Outgoing

log = logging.getLogger(__name__)


class InterviewOut(BaseModel):
    id: str
    flow: str
    status: str
    screen: dict[str, Any] | None
    waiting: dict[str, Any] | None
    variables: dict[str, Any]
    error: str | None


def load_flow(conn: Connection, org_id: str, name: str) -> Flow:
    for data in org_repository.org_config(conn, org_id).get("flows", []):
        if data["name"] == name:
            return Flow.model_validate(data)
    raise not_found("flow_not_found", f"There is no flow {name[:80]!r}.")


class FlowService:
    def __init__(self, c: Container) -> None:
        self.c = c

    async def start(self, p: AgentPrincipal, name: str, inputs: dict[str, Any]) -> InterviewOut:
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> tuple[InterviewOut, list[Outgoing], set[str]]:
            flow = load_flow(conn, p.org_id, name)
            if flow.audience == "customer":
                raise bad_request(
                    "customer_flow",
                    f"{name} runs in the customer's chat: launch it with the `launchFlow` action.",
                )
            runtime = DbRuntime(conn, p.org_id, p, now)
            try:
                interview = interpreter.start(flow, inputs, runtime, now)
            except interpreter.InputError as exc:
                raise bad_request("invalid_flow_input", str(exc)) from None
            interview_id = new_id()
            repository.insert_interview(
                conn,
                id=interview_id,
                org_id=p.org_id,
                flow=name,
                owner_role="Agent",
                owner_id=p.agent_id,
                status=interview.status,
                waiting_event_type=_waiting(interview),
                state=interview.to_json(),
                created_at=now,
                updated_at=now,
            )
            return _out(interview_id, interview), runtime.out, runtime.published

        result, out, published = await self.c.db.transaction(work)
        await self._after(p.org_id, out, published)
        return result

    async def next(
        self, p: AgentPrincipal, interview_id: str, values: dict[str, Any]
    ) -> InterviewOut:
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> tuple[InterviewOut, list[Outgoing], set[str]]:
            row = _interview(conn, interview_id, lock=True)
            if row is None or row.org_id != p.org_id or row.owner_id != p.agent_id:
                raise not_found("interview_not_found", "There is no such interview of yours.")
            flow = load_flow(conn, p.org_id, row.flow)
            interview = interpreter.Interview.from_json(row.state)
            runtime = DbRuntime(conn, p.org_id, p, now)
            try:
                interview = interpreter.resume(flow, interview, runtime, values)
            except interpreter.InputError as exc:
                raise bad_request("invalid_screen_values", str(exc)) from None
            repository.save(
                conn, row.id, interview.status, _waiting(interview), interview.to_json(), now
            )
            return _out(row.id, interview), runtime.out, runtime.published

        result, out, published = await self.c.db.transaction(work)
        await self._after(p.org_id, out, published)
        return result

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
        published: set[str] = set()

        def compose(
            conn: Connection, thread: Thread, customer: Sender, now: int
        ) -> tuple[list[NewEntry], list[Outgoing]]:
            if interview is None:
                raise not_found("interview_not_found", "There is no such form for you.")
            try:
                new, runtime = customer_flows.answer(
                    conn, p.org_id, customer, interview, values, now, response_id
                )
            except interpreter.InputError as exc:
                raise bad_request("invalid_screen_values", str(exc)) from None
            published.clear()  # the unit may run again (a busy database)
            published.update(runtime.published)
            return new, runtime.out

        entry = await ConversationService(self.c).post_message(
            p,
            conversation_id,
            response_id,
            compose,
            body or NoSessionFields(),
            opens_session=False,
        )
        await self._after(p.org_id, [], published)
        return entry

    async def get(self, p: AgentPrincipal, interview_id: str) -> InterviewOut:
        def work(conn: Connection) -> InterviewOut:
            row = _interview(conn, interview_id)
            if row is None or row.org_id != p.org_id or row.owner_id != p.agent_id:
                raise not_found("interview_not_found", "There is no such interview of yours.")
            return _out(row.id, interpreter.Interview.from_json(row.state))

        return await self.c.db.read(work)

    async def _after(self, org_id: str, out: list[Outgoing], published: set[str]) -> None:
        """After a flow's unit of work: tell the streams, route (flow actions may free capacity
        or queue a session), wake the interviews waiting for what it published."""
        await self.c.streams.announce(out)
        await self.c.router.reroute([org_id])
        await self.wake(org_id, published)

    async def wake_all(self) -> None:
        """At start-up (in the background): resume every waiting interview once. An event
        published just before a process stopped may not have woken its interviews; a resumed
        interview looks at the events published since it began to wait, so it finds it now."""
        for org_id, event_type in await self.c.db.read(repository.waited_for):
            await self.wake(org_id, {event_type})

    async def wake(self, org_id: str, event_types: set[str]) -> None:
        """Resume the interviews waiting for these event types (each in its own unit)."""
        for event_type in event_types:
            ids = await self.c.db.read(
                partial(repository.waiting_for, org_id=org_id, event_type=event_type)
            )
            for interview_id in ids:
                try:
                    await self._wake_one(interview_id)
                except Exception:  # one broken interview (its flow was removed…) stops no other
                    log.exception("could not resume interview %s", interview_id)

    async def _wake_one(self, interview_id: str) -> None:
        now = self.c.clock.now_ms()

        def work(conn: Connection) -> tuple[list[Outgoing], set[str], str]:
            row = repository.get_interview(conn, interview_id, lock=True)
            if row is None or row.status != "waiting":
                return [], set(), ""
            flow = load_flow(conn, row.org_id, row.flow)
            owner = _owner(conn, row)
            runtime = DbRuntime(conn, row.org_id, owner, now)
            interview = interpreter.resume(
                flow, interpreter.Interview.from_json(row.state), runtime
            )
            if interview.status == "waiting" and interview.to_json() == row.state:
                return [], set(), ""  # still waiting for the same thing: nothing to save or tell
            repository.save(
                conn, row.id, interview.status, _waiting(interview), interview.to_json(), now
            )
            if owner is not None and interview.status != "waiting":
                from livedesk.conversations.recorder import notify_agent

                runtime.out.append(
                    notify_agent(
                        conn,
                        owner.agent_id,
                        "FlowScreen",
                        {"interviewId": row.id, **_out(row.id, interview).model_dump()},
                        now,
                    )
                )
            return runtime.out, runtime.published, row.org_id

        out, published, org_id = await self.c.db.transaction(work)
        if org_id:
            await self._after(org_id, out, published)


def _interview(conn: Connection, interview_id: str, *, lock: bool = False) -> Any | None:
    """The interview named by a client (its id in any case), or None."""
    canonical = canonical_uuid(interview_id)
    return repository.get_interview(conn, canonical, lock=lock) if canonical else None


def _owner(conn: Connection, row: Any) -> AgentPrincipal | None:
    if row.owner_role != "Agent":
        return None
    agent = org_repository.get_agent(conn, row.owner_id)
    if agent is None:
        return None
    return AgentPrincipal(
        agent.id, agent.org_id, tuple(agent.roles), "flow", 2**62, tuple(agent.queues)
    )


def _waiting(interview: interpreter.Interview) -> str | None:
    if interview.status == "waiting" and interview.waiting is not None:
        return str(interview.waiting["event_type"])
    return None


def _out(interview_id: str, interview: interpreter.Interview) -> InterviewOut:
    return InterviewOut(
        id=interview_id,
        flow=interview.flow,
        status=interview.status,
        screen=interview.screen,
        waiting=interview.waiting,
        variables=interview.variables,
        error=interview.error,
    )
