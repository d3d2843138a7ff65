"""Stream events that are not conversation entries, by name, with their payloads: what agents'
streams carry about their work and sessions, and the customer's queue position. Appended inside a
unit of work; announced after its commit (kit.effects)."""

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
