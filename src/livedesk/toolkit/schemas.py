"""An action on a session and its result, as the agent API takes them and flows build them."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

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
    "sendComponent",
    "transfer",
    "markInactive",
)


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
    component: str | None = Field(
        None, max_length=80, description="sendComponent: the name of a component of the org file"
    )
    setAtCursor: bool | None = None
    id: str | None = Field(None, max_length=64, description="idempotency key for sendMessage")


class ActionResult(BaseModel):
    actionType: str
    sessionId: str
    entryId: str | None = None
    status: str
