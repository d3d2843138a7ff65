"""Bodies of the agent calls."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Presence = Literal["Online", "Busy", "Away", "Offline"]

# The Conversation Toolkit's action types (DESIGN 5.3); the ones this build performs are below.
ActionType = Literal[
    "sendMessage",
    "setAgentInput",
    "endChat",
    "initFileTransfer",
    "launchFlow",
    "sendComponent",
    "transfer",
    "markInactive",
]
ACTION_TYPES: tuple[str, ...] = get_args(ActionType)
SUPPORTED_ACTIONS = (
    "sendMessage",
    "setAgentInput",
    "endChat",
    "initFileTransfer",
    "launchFlow",
    "transfer",
    "markInactive",
)


class PresenceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Presence


class SessionAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actionType: str = Field(max_length=40, json_schema_extra={"enum": list(SUPPORTED_ACTIONS)})
    message: str | None = Field(
        None,
        description="sendMessage, setAgentInput: the text",
        json_schema_extra={"x-max-length": "limits.max_text_chars"},
    )
    recordId: str | None = Field(None, max_length=64)
    flowName: str | None = Field(None, max_length=80)
    queue: str | None = Field(None, max_length=80, description="transfer: the target queue")
    agentId: str | None = Field(None, max_length=64, description="transfer: the target agent")
    component: str | None = Field(None, max_length=80)
    setAtCursor: bool | None = None
    id: str | None = Field(None, max_length=64, description="idempotency key for sendMessage")


class CaseLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    caseId: str | None = Field(None, max_length=64, json_schema_extra={"format": "uuid"})


class SessionOut(BaseModel):
    id: str
    conversationId: str
    status: str
    agentId: str | None
    queue: str | None
    routingAttributes: dict[str, Any]
    prechat: dict[str, Any]
    startTime: int
    acceptTime: int | None
    endTime: int | None
    endedByRole: str | None
    endReason: str | None = None
    reasonForNotRouting: str | None = None
    caseId: str | None = None


class SessionDetail(SessionOut):
    transcript: list[dict[str, Any]]


class SessionList(BaseModel):
    sessions: list[SessionOut]


class ActionResult(BaseModel):
    actionType: str
    sessionId: str
    entryId: str | None = None
    status: str
