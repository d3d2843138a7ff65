"""Bodies of the MIAW customer calls. Unknown extra keys are tolerated, as MIAW clients send them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from livedesk.kit.ids import canonical_id
from livedesk.orgs.schemas import MAX_ATTRIBUTE_CHARS, MAX_ATTRIBUTES

Uuid = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{36}$")]
# An id a client sends (a conversation, message, receipt or interview id): accepted in any case
# and lowercased here, before any lookup or storage, so a retry in another case is the same one.
ClientId = Annotated[str, Field(max_length=64), AfterValidator(canonical_id)]
# The limits are checked by the service (`invalid_routing_attributes`); here they are documented.
RoutingAttributes = Annotated[
    dict[str, str | int | float | bool | None],
    Field(
        json_schema_extra={
            "maxProperties": MAX_ATTRIBUTES,
            "propertyNames": {"maxLength": 80},
            "additionalProperties": {
                "anyOf": [
                    {"type": "string", "maxLength": MAX_ATTRIBUTE_CHARS},
                    {"type": ["number", "boolean", "null"]},
                ]
            },
        }
    ),
]


class Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


class ConversationCreate(Lenient):
    conversationId: ClientId = Field(json_schema_extra={"format": "uuid"})
    esDeveloperName: str = Field(min_length=1, max_length=80)
    routingAttributes: RoutingAttributes | None = None
    language: str | None = Field(None, max_length=16)


class StaticContent(Lenient):
    formatType: Literal["Text"]
    text: str = Field(json_schema_extra={"minLength": 1, "x-max-length": "limits.max_text_chars"})


class FormResponse(Lenient):
    """A form's answer (MIAW's `Result`): to a flow screen shown in the chat (with its
    `interviewId`), or to a form component (without one; the message's `inReplyToMessageId`
    names the question)."""

    formatType: Literal["Result"] = "Result"
    interviewId: ClientId | None = None
    values: dict[str, Any] = {}


class SelectedOption(Lenient):
    optionIdentifier: str = Field(max_length=80)
    title: str | None = Field(None, max_length=1000)
    text: str | None = Field(
        None, max_length=1000, description="the words of the free-text (`other`) choice"
    )


class ChoicesResponse(Lenient):
    """The choice made in answer to a `ChoicesMessage` (MIAW's `Selections`)."""

    formatType: Literal["Selections"] = "Selections"
    selectedOptions: list[SelectedOption] = Field(min_length=1, max_length=10)


class MessageBody(Lenient):
    id: ClientId = Field(json_schema_extra={"format": "uuid"})
    messageType: Literal["StaticContentMessage", "FormResponseMessage", "ChoicesResponseMessage"]
    staticContent: StaticContent | None = None
    formResponse: FormResponse | None = None
    choicesResponse: ChoicesResponse | None = None
    inReplyToMessageId: ClientId | None = None


class MessageSend(Lenient):
    message: MessageBody
    esDeveloperName: str | None = Field(None, max_length=80)
    isNewMessagingSession: bool | None = None
    routingAttributes: RoutingAttributes | None = None
    language: str | None = Field(None, max_length=16)


class EntrySend(Lenient):
    entryType: Literal["TypingStartedIndicator", "TypingStoppedIndicator"]
    id: ClientId | None = None


class Ack(Lenient):
    id: ClientId | None = Field(
        None,
        description="the receipt's id; when missing, derived from the end user, the entry and "
        "the receipt's type, so that a retry is still recorded once",
    )
    entryType: Literal["Delivery", "Read"]
    conversationEntryId: ClientId


class AcksSend(Lenient):
    acks: list[Ack] = Field(min_length=1, max_length=100)


class EntryRef(BaseModel):
    id: str
    clientTimestamp: int


class SendResponse(BaseModel):
    conversationEntries: list[EntryRef]


class Accepted(BaseModel):
    """The answer to a typing indicator or receipts: `{}`."""

    model_config = ConfigDict(extra="forbid")


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
