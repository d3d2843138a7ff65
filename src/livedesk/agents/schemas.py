"""Bodies of the agent calls."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Presence = Literal["Online", "Busy", "Away", "Offline"]


class PresenceUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Presence


class TypingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    typing: bool = Field(description="true: she is typing; false: she stopped")


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


class SessionAnswerOut(BaseModel):
    """A messaging component sent in the session, and the customer's answer once given."""

    questionId: str = Field(description="the question's entry id (`inReplyToMessageId`)")
    component: str
    type: Literal["choices", "form"]
    sentBy: str = Field(description="Agent, or System (the End Conversation auto-response)")
    sentTime: int
    answerId: str | None = None
    answerTime: int | None = None
    values: dict[str, Any] | None = Field(
        None,
        description="choices: `selection` (the chosen value) and, for the free-text choice, "
        "`text`; form: each field given",
    )
    selection: str | None = None
    rating: int | None = Field(None, description="a form's first rating (1–5)")
    caseId: str | None = Field(None, description="the Case the answer was stored on")


class SessionDetail(SessionOut):
    transcript: list[dict[str, Any]]
    answers: list[SessionAnswerOut] = Field(
        [], description="the messaging components sent in this session and their answers"
    )


class QuickTextOut(BaseModel):
    name: str
    label: str
    text: str = Field(description="with the session's merge fields filled")


class QuickTextList(BaseModel):
    quickTexts: list[QuickTextOut]


class ComponentOut(BaseModel):
    name: str
    type: str = Field(description="choices or form")
    text: str = Field(description="the question and what it offers, as the customer would read it")


class ComponentList(BaseModel):
    components: list[ComponentOut]


class SessionList(BaseModel):
    sessions: list[SessionOut]
