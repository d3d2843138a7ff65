"""Messaging session transitions inside a unit of work: open, accept, end (DESIGN section 3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeGuard

from sqlalchemy import Connection

from livedesk.conversations import answers, entries, inactivity, lifecycle, repository
from livedesk.conversations.auto_responses import auto_response
from livedesk.conversations.entries import SYSTEM, EntryType, NewEntry, Sender
from livedesk.conversations.recorder import Thread, record
from livedesk.errors import conflict
from livedesk.kit.ids import new_id
from livedesk.models import OPEN_SESSION_STATUSES, SessionStatus
from livedesk.models.rows import SessionRow
from livedesk.orgs import hours
from livedesk.orgs import repository as org_repository
from livedesk.orgs.schemas import NotRouted, StoredDeployment
from livedesk.records import repository as records
from livedesk.routing import placement
from livedesk.routing import work as routing_work
from livedesk.routing.rules import OUTSIDE_BUSINESS_HOURS, Decision
from livedesk.streams.notices import AgentEvent, notify_agent


def is_open(session: SessionRow | None) -> TypeGuard[SessionRow]:
    return session is not None and session.status in OPEN_SESSION_STATUSES


@dataclass(frozen=True)
class Opening:
    """Whether customer input that comes when no session is open opens a new one, and how: in
    `queue` (None: where the deployment's routing sends it) with `prechat` (None: the message's,
    by the deployment's pre-chat rules)."""

    opens: bool
    queue: str | None = None
    prechat: dict[str, Any] | None = None


def open_session(
    conn: Connection,
    thread: Thread,
    deployment: StoredDeployment,
    routing_attributes: dict[str, Any],
    now: int,
    *,
    acknowledge: bool = False,
    queue: str | None = None,
) -> Thread:
    """A new session in the conversation, placed by the deployment's routing (or waiting in
    `queue`, with its hours and overflow, when given): it waits in a queue (announced with a
    routing result and the EWT), or it is not routed (closed hours, full queues) and ends at
    once with the reason, a Case from the pre-chat and a message saying an expert will answer
    by email."""
    if queue is not None:
        routing = deployment.routing.model_copy(update={"rules": []})
        deployment = deployment.model_copy(update={"queue": queue, "routing": routing})
    decision, queues = placement.place(conn, thread.org_id, deployment, routing_attributes, now)
    session_id = new_id()
    number = repository.next_session_number(conn, thread.conversation_id)
    thread = thread.with_session(session_id, None)
    if decision.queue is not None:
        state = queues[decision.queue]
        lifecycle.begin(
            conn,
            thread.org_id,
            "route",
            id=session_id,
            conversation_id=thread.conversation_id,
            number=number,
            agent_id=None,
            queue_name=decision.queue,
            routing_attributes=routing_attributes,
            started_at=now,
            queued_at=now,
            priority=state.config.priority,
            work_weight=state.config.work_weight,
        )
        result = entries.routing_result(session_id, decision.queue, state.ewt_seconds)
        new = [NewEntry(new_id(), EntryType.ROUTING_RESULT, SYSTEM, result)]
        if acknowledge:
            ack = auto_response(
                "acknowledgment", deployment, routing_attributes, decision.queue, state.ewt_seconds
            )
            if ack is not None:
                new.append(ack)
        record(conn, thread, new, now)
        return thread
    _not_routed(conn, thread, deployment, routing_attributes, decision, number, now)
    return thread


def _not_routed(
    conn: Connection,
    thread: Thread,
    deployment: StoredDeployment,
    attributes: dict[str, Any],
    decision: Decision,
    number: int,
    now: int,
) -> None:
    session_id = thread.session_id
    assert session_id is not None and decision.reason is not None
    policy = deployment.routing.not_routed
    case_id = None
    if policy.create_case:
        case_id = records.create(
            conn, thread.org_id, "Case", case_from_prechat(attributes, decision.reason), now
        )
    lifecycle.begin(
        conn,
        thread.org_id,
        "not_routed",
        id=session_id,
        conversation_id=thread.conversation_id,
        number=number,
        agent_id=None,
        queue_name=decision.overflowed_from[-1] if decision.overflowed_from else None,
        routing_attributes=attributes,
        started_at=now,
        ended_at=now,
        ended_by_role="System",
        reason_for_not_routing=decision.reason,
        case_id=case_id,
    )
    text = not_routed_text(policy, decision, deployment)
    message_id = new_id()
    new = [
        NewEntry(
            new_id(),
            EntryType.ROUTING_RESULT,
            SYSTEM,
            entries.routing_result(session_id, None, None, reason_for_not_routing=decision.reason),
        ),
        NewEntry(message_id, EntryType.MESSAGE, SYSTEM, entries.text_message(message_id, text)),
        NewEntry(
            new_id(),
            EntryType.SESSION_STATUS_CHANGED,
            SYSTEM,
            entries.session_status_changed(SessionStatus.ENDED, "System"),
        ),
    ]
    record(conn, thread, new, now)


def case_from_prechat(attributes: dict[str, Any], reason: str) -> dict[str, Any]:
    first = str(attributes.get("_firstName") or attributes.get("firstName") or "").strip()
    last = str(attributes.get("_lastName") or attributes.get("lastName") or "").strip()
    topic = attributes.get("Topic") or attributes.get("topic")
    return {
        "Subject": f"Chat request: {topic}" if topic else "Chat request",
        "Status": "New",
        "Origin": "Chat",
        "SuppliedName": " ".join(p for p in (first, last) if p) or None,
        "SuppliedEmail": attributes.get("_email") or attributes.get("email"),
        "Topic": topic,
        "ReasonForNotRouting": reason,
    }


def not_routed_text(policy: NotRouted, decision: Decision, deployment: StoredDeployment) -> str:
    if decision.reason == OUTSIDE_BUSINESS_HOURS:
        spec = deployment.business_hours_spec
        opens = "soon"
        if decision.reopens_at is not None and spec is not None:
            opens = hours.describe_opening(spec.calendar(), decision.reopens_at)
        elif decision.reopens_at is not None:
            opens = f"at {decision.reopens_at}"
        return policy.closed_message.replace("{!opensAt}", opens)
    return policy.message


def accept_session(
    conn: Connection, thread: Thread, session: SessionRow, agent: Sender, now: int
) -> Thread:
    """The agent takes a Waiting session; the customer sees them join."""
    session_id = session.id
    try:
        lifecycle.move(
            conn, thread.org_id, session, "accept", agent_id=agent.subject, accepted_at=now
        )
    except lifecycle.InvalidTransition:
        raise conflict(
            "session_not_waiting", "This session is not waiting for an agent any more."
        ) from None
    thread = thread.with_session(session_id, agent.subject)
    record(
        conn,
        thread,
        [
            NewEntry(
                new_id(),
                EntryType.PARTICIPANT_CHANGED,
                SYSTEM,
                entries.participant_changed(agent, "add"),
            ),
            NewEntry(
                new_id(),
                EntryType.ROUTING_WORK_RESULT,
                SYSTEM,
                entries.routing_work_result(session_id, "Accepted"),
            ),
            NewEntry(
                new_id(),
                EntryType.SESSION_STATUS_CHANGED,
                SYSTEM,
                entries.session_status_changed(SessionStatus.ACTIVE, None),
            ),
        ],
        now,
    )
    # Lock order everywhere: conversation, end user's stream, agent's stream.
    notify_agent(
        conn,
        agent.subject,
        AgentEvent.WORK_ACCEPTED,
        {"sessionId": session_id, "conversationId": thread.conversation_id},
        now,
    )
    return thread


def end_session(
    conn: Connection,
    thread: Thread,
    session: SessionRow,
    ended_by_role: str,
    now: int,
    *,
    reason: str | None = None,
) -> None:
    """End an open session: status, who ended it (and why), the End Conversation auto-response
    (its text, then its component to a session an agent accepted), the agent leaves (its
    capacity is free again) and its stream is told."""
    lifecycle.move(
        conn,
        thread.org_id,
        session,
        "auto_end" if reason == "AutoEnded" else "end",
        ended_at=now,
        ended_by_role=ended_by_role,
        end_reason=reason,
    )
    inactivity.cancel_timers(conn, session.id)
    routing_work.release_session(conn, session.id, now)
    new: list[NewEntry] = []
    deployment = org_repository.deployment_config(conn, thread.deployment_id)
    goodbye = auto_response(
        "end_conversation", deployment, session.routing_attributes, session.queue_name
    )
    if goodbye is not None:
        new.append(goodbye)
    survey = answers.end_of_session(conn, thread, session, deployment, now)
    if survey is not None:
        new.append(survey)
    new.append(
        NewEntry(
            new_id(),
            EntryType.SESSION_STATUS_CHANGED,
            SYSTEM,
            entries.session_status_changed(SessionStatus.ENDED, ended_by_role),
        )
    )
    agent_id = thread.agent_id
    if agent_id is not None:
        leaving = Sender("Agent", agent_id, _agent_name(conn, agent_id))
        new.append(
            NewEntry(
                new_id(),
                EntryType.PARTICIPANT_CHANGED,
                SYSTEM,
                entries.participant_changed(leaving, "remove"),
            )
        )
    record(conn, thread, new, now)
    if agent_id is not None:
        notify_agent(
            conn,
            agent_id,
            AgentEvent.SESSION_STATUS_CHANGED,
            {
                "sessionId": session.id,
                "conversationId": thread.conversation_id,
                "status": SessionStatus.ENDED,
                "endedByRole": ended_by_role,
                "reason": reason,
            },
            now,
        )


def _agent_name(conn: Connection, agent_id: str) -> str:
    row = org_repository.get_agent(conn, agent_id)
    return row.display_name if row is not None else "Agent"
