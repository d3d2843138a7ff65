"""Stream events that are not conversation entries, by name, with their payloads: what agents'
streams carry about their work and sessions, the customer's queue position, and what supervisors
hear of an org's queues, agents and sessions. Appended inside a unit of work; announced after its
commit (kit.effects)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NotRequired, TypedDict

from sqlalchemy import Connection

from livedesk.kit import jsonutil
from livedesk.streams.service import agent_recipient, append, end_user_recipient


class AgentEvent(StrEnum):
    CONVERSATION_ENTRY = (
        "ConversationEntry"  # an entry of one of her sessions (entries.agent_event)
    )
    SESSION_STATUS_CHANGED = "SessionStatusChanged"
    WORK_OFFERED = "WorkOffered"
    WORK_CANCELLED = "WorkCancelled"
    WORK_ACCEPTED = "WorkAccepted"
    AGENT_INPUT_SET = "AgentInputSet"
    FLOW_SCREEN = "FlowScreen"
    FILE_RECEIVED = "FileReceived"


class CustomerEvent(StrEnum):
    QUEUE_POSITION = "CONVERSATION_QUEUE_POSITION"


class SupervisorEvent(StrEnum):
    """The org's supervision stream (`supervision_recipient`): every payload names the `queues`
    it concerns, and a supervisor's stream carries it when one of them is hers."""

    SESSION_CHANGED = "SessionChanged"  # a session moved (lifecycle.begin / move)
    QUEUE_CHANGED = "QueueChanged"  # a session entered or left a queue's waiting line
    AGENT_PRESENCE_CHANGED = "AgentPresenceChanged"
    AGENT_LOAD_CHANGED = "AgentLoadChanged"  # a session took or freed an agent's capacity


class SessionStatusChanged(TypedDict):
    sessionId: str
    conversationId: str
    status: str  # a session status, or "Transferred" (the session left her for a queue)
    endedByRole: NotRequired[str]
    reason: NotRequired[str | None]
    queue: NotRequired[str]
    toAgentId: NotRequired[str | None]


class WorkOffered(TypedDict):
    workId: str
    sessionId: str
    conversationId: str
    queue: str | None
    routingAttributes: dict[str, Any]
    offeredAt: int  # the server's time: a countdown is expiresAt - offeredAt from arrival
    expiresAt: int


class WorkCancelled(TypedDict):
    workId: str
    sessionId: str
    reason: str  # timeout, presence, session_left


class WorkAccepted(TypedDict):
    sessionId: str
    conversationId: str


class AgentInputSet(TypedDict):
    sessionId: str
    conversationId: str
    text: str
    setAtCursor: bool


class FileReceived(TypedDict):
    sessionId: str
    conversationId: str
    recordId: str
    attachments: list[dict[str, Any]]


class FlowScreen(TypedDict):
    """The interview as `GET /api/v1/interviews/{id}` shows it, and its id."""

    interviewId: str
    id: str
    flow: str
    status: str
    screen: dict[str, Any] | None
    waiting: dict[str, Any] | None
    variables: dict[str, Any]
    error: str | None


AgentPayload = (
    SessionStatusChanged
    | WorkOffered
    | WorkCancelled
    | WorkAccepted
    | AgentInputSet
    | FileReceived
    | FlowScreen
)


class EstimatedWait(TypedDict):
    isEWTRequested: bool
    estimatedWaitTimeInSeconds: int


class QueuePosition(TypedDict):
    conversationId: str
    sessionId: str
    queue: str
    queuePosition: int
    estimatedWaitTime: EstimatedWait


class SessionChanged(TypedDict):
    """A session's status changed: it entered or left a queue, was accepted, transferred, marked
    inactive or ended. The fields are the session after the change."""

    queues: list[str]  # its queue, and the one it left when a transfer moved it
    sessionId: str
    conversationId: str
    status: str
    previousStatus: str  # "New" for a session that just began
    event: str  # what moved it: route, not_routed, accept, transfer, end… (conversations.lifecycle)
    queue: str | None
    agentId: str | None
    customerName: str | None  # from the pre-chat, when it has one
    startTime: int
    queuedAt: int | None  # when it entered its queue (the oldest waits longest)
    acceptTime: int | None
    at: int


class QueueChanged(TypedDict):
    """A queue's waiting line after a session entered or left it."""

    queues: list[str]  # [queue]
    queue: str
    waiting: int
    oldestQueuedAt: int | None  # the longest current wait began then (None: nobody waits)
    estimatedWaitTimeInSeconds: int | None  # routing's estimate at that moment (routing.ewt)
    at: int


class AgentPresenceChanged(TypedDict):
    queues: list[str]  # the agent's
    agentId: str
    presence: str
    at: int


class AgentLoadChanged(TypedDict):
    queues: list[str]  # the agent's
    agentId: str
    used: int  # the capacity her Active sessions hold (their work weights)
    capacity: int
    at: int


SupervisorPayload = SessionChanged | QueueChanged | AgentPresenceChanged | AgentLoadChanged


def supervision_recipient(org_id: str) -> str:
    """The org's supervision stream: one stream per org, each supervisor's read of it filtered
    to her queues (supervisors are few; a change is written once, not once per supervisor)."""
    return f"s:{org_id}"


def notify_agent(
    conn: Connection, agent_id: str, event: AgentEvent, data: AgentPayload, now: int
) -> None:
    """An agent-only event (session status, work) on the agent's stream."""
    append(conn, agent_recipient(agent_id), event, jsonutil.dumps(data), now)


def customer_notice(
    conn: Connection, end_user_id: str, event: CustomerEvent, data: QueuePosition, now: int
) -> None:
    """A customer-only stream event that is not a conversation entry (queue position)."""
    append(conn, end_user_recipient(end_user_id), event, jsonutil.dumps(data), now)


def notify_supervisors(
    conn: Connection, org_id: str, event: SupervisorEvent, data: SupervisorPayload, now: int
) -> None:
    """An event on the org's supervision stream, in the unit of work of the change."""
    append(conn, supervision_recipient(org_id), event, jsonutil.dumps(data), now)
