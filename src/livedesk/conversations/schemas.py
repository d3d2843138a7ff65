"""Bodies of the MIAW customer calls. Unknown extra keys are tolerated, as MIAW clients send them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{36}$")]
RoutingAttributes = dict[str, str | int | float | bool | None]
MAX_ATTRIBUTES = 50  # routing attributes (pre-chat answers) per call
MAX_ATTRIBUTE_CHARS = 1000  # characters of one attribute's value


class Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class ConversationCreate(Lenient):
    conversationId: str = Field(max_length=64)
    esDeveloperName: str = Field(min_length=1, max_length=80)
    routingAttributes: RoutingAttributes | None = None
    language: str | None = Field(None, max_length=16)


class StaticContent(Lenient):
    formatType: Literal["Text"]
    text: str


class FormResponse(Lenient):
    """The answer to a flow screen shown in the chat (LiveDesk's shape of MIAW's form response)."""

    formatType: Literal["Result"] = "Result"
    interviewId: str = Field(max_length=64)
    values: dict[str, Any] = {}


class MessageBody(Lenient):
    id: str = Field(max_length=64)
    messageType: Literal["StaticContentMessage", "FormResponseMessage"]
    staticContent: StaticContent | None = None
    formResponse: FormResponse | None = None
    inReplyToMessageId: str | None = Field(None, max_length=64)


class MessageSend(Lenient):
    message: MessageBody
    esDeveloperName: str | None = Field(None, max_length=80)
    isNewMessagingSession: bool | None = None
    routingAttributes: RoutingAttributes | None = None
    language: str | None = Field(None, max_length=16)


class EntrySend(Lenient):
    entryType: Literal["TypingStartedIndicator", "TypingStoppedIndicator"]
    id: str | None = Field(None, max_length=64)


class Ack(Lenient):
    id: str | None = Field(
        None,
        max_length=64,
        description="the receipt's id; when missing, derived from the end user, the entry and "
        "the receipt's type, so that a retry is still recorded once",
    )
    entryType: Literal["Delivery", "Read"]
    conversationEntryId: str = Field(max_length=64)


class AcksSend(Lenient):
    acks: list[Ack] = Field(min_length=1, max_length=100)


class EntryRef(BaseModel):
    id: str
    clientTimestamp: int


class SendResponse(BaseModel):
    conversationEntries: list[EntryRef]


class ConversationCreated(BaseModel):
    conversationId: str
    sessionId: str | None


class EntriesResponse(BaseModel):
    conversationEntries: list[dict[str, Any]]


class ConversationSummary(BaseModel):
    conversationId: str
    startTimestamp: int
    endTimestamp: int | None
    status: str


class ConversationList(BaseModel):
    openConversationsFound: int
    closedConversationsFound: int
    conversations: list[ConversationSummary]


class RoutingStatus(BaseModel):
    conversationId: str
    routingStatus: str
    conversationStatus: str
    sessionId: str | None
    sessionStatus: str | None
    queue: str | None
    queuePosition: int | None
    estimatedWaitTimeInSeconds: int | None
    reasonForNotRouting: str | None = None
