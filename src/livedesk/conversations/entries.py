"""Conversation entries: their payloads and the shapes clients see. Pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from livedesk.kit import jsonutil


class EntryType(StrEnum):
    """MIAW's conversation entry types (the `entryType` of an entry)."""

    MESSAGE = "Message"
    PARTICIPANT_CHANGED = "ParticipantChanged"
    ROUTING_RESULT = "RoutingResult"
    ROUTING_WORK_RESULT = "RoutingWorkResult"
    TYPING_STARTED = "TypingStartedIndicator"
    TYPING_STOPPED = "TypingStoppedIndicator"
    DELIVERY_ACKNOWLEDGEMENT = "DeliveryAcknowledgement"
    READ_ACKNOWLEDGEMENT = "ReadAcknowledgement"
    SESSION_STATUS_CHANGED = "SessionStatusChanged"
    CLOSE_CONVERSATION = "CloseConversation"


# The customer stream's event name of each entry type (MIAW's SSE events).
EVENT_NAMES: dict[str, str] = {
    EntryType.MESSAGE: "CONVERSATION_MESSAGE",
    EntryType.PARTICIPANT_CHANGED: "CONVERSATION_PARTICIPANT_CHANGED",
    EntryType.ROUTING_RESULT: "CONVERSATION_ROUTING_RESULT",
    EntryType.ROUTING_WORK_RESULT: "CONVERSATION_ROUTING_WORK_RESULT",
    EntryType.TYPING_STARTED: "CONVERSATION_TYPING_STARTED_INDICATOR",
    EntryType.TYPING_STOPPED: "CONVERSATION_TYPING_STOPPED_INDICATOR",
    EntryType.DELIVERY_ACKNOWLEDGEMENT: "CONVERSATION_DELIVERY_ACKNOWLEDGEMENT",
    EntryType.READ_ACKNOWLEDGEMENT: "CONVERSATION_READ_ACKNOWLEDGEMENT",
    EntryType.SESSION_STATUS_CHANGED: "CONVERSATION_SESSION_STATUS_CHANGED",
    EntryType.CLOSE_CONVERSATION: "CONVERSATION_CLOSE_CONVERSATION",
}
ENTRY_TYPES = frozenset(EntryType)
ACK_TYPES = frozenset({EntryType.DELIVERY_ACKNOWLEDGEMENT, EntryType.READ_ACKNOWLEDGEMENT})
_APP_TYPES = {"EndUser": "iamessage", "Agent": "agent", "Chatbot": "chatbot"}


@dataclass(frozen=True)
class Sender:
    role: str
    subject: str
    display_name: str


SYSTEM = Sender("System", "system", "System")


@dataclass(frozen=True)
class NewEntry:
    identifier: str
    entry_type: str
    sender: Sender
    payload: dict[str, Any]
    client_timestamp: int | None = None
    automated_by: str | None = None  # `flow`: sent by a flow as the agent (stored, not shown)


@dataclass(frozen=True)
class Entry:
    identifier: str
    conversation_id: str
    session_id: str | None
    entry_type: str
    sender: Sender
    payload: dict[str, Any]
    client_timestamp: int | None
    transcripted_at: int


def entry_from_row(row: Any) -> Entry:
    return Entry(
        identifier=row.identifier,
        conversation_id=row.conversation_id,
        session_id=row.session_id,
        entry_type=row.entry_type,
        sender=Sender(row.sender_role, row.sender_subject, row.sender_display_name),
        payload=row.payload,
        client_timestamp=row.client_timestamp,
        transcripted_at=row.transcripted_at,
    )


def text_message(identifier: str, text: str, in_reply_to: str | None = None) -> dict[str, Any]:
    return {
        "entryType": "Message",
        "id": identifier,
        "abstractMessage": {
            "messageType": "StaticContentMessage",
            "id": identifier,
            "staticContent": {"formatType": "Text", "text": text},
            "inReplyToMessageId": in_reply_to,
        },
        "messageReason": None,
    }


def attachments_message(
    identifier: str, text: str | None, attachments: list[dict[str, Any]]
) -> dict[str, Any]:
    """MIAW's file message: `formatType: Attachments`, each with its download `url`."""
    return {
        "entryType": "Message",
        "id": identifier,
        "abstractMessage": {
            "messageType": "StaticContentMessage",
            "id": identifier,
            "staticContent": {
                "formatType": "Attachments",
                "text": text or "",
                "attachments": attachments,
            },
            "inReplyToMessageId": None,
        },
        "messageReason": None,
    }


def file_request(identifier: str, text: str, record_id: str) -> dict[str, Any]:
    """The agent asks the customer for a file: a text message MIAW clients show as it is, with
    LiveDesk's `fileRequest` extension the widget turns into an upload prompt."""
    payload = text_message(identifier, text)
    payload["abstractMessage"]["fileRequest"] = {"recordId": record_id}
    payload["messageReason"] = "FileRequest"
    return payload


def message_text(payload: dict[str, Any]) -> str | None:
    content = payload.get("abstractMessage", {}).get("staticContent", {})
    text = content.get("text")
    return text if isinstance(text, str) else None


def participant_changed(sender: Sender, operation: str) -> dict[str, Any]:
    return {
        "entryType": "ParticipantChanged",
        "entries": [
            {
                "displayName": sender.display_name,
                "participant": _participant(sender),
                "operation": operation,
            }
        ],
    }


def routing_result(
    session_id: str,
    queue: str | None,
    ewt_seconds: int | None,
    *,
    routing_type: str = "Initial",
    reason_for_not_routing: str | None = None,
) -> dict[str, Any]:
    """MIAW's routing result; `failureType` is None when the session waits in `queue`."""
    payload: dict[str, Any] = {
        "entryType": "RoutingResult",
        "routingType": routing_type,
        "failureType": "None" if reason_for_not_routing is None else "NotRouted",
        "recordId": session_id,
        "queue": queue,
        "estimatedWaitTime": {
            "isEWTRequested": True,
            "estimatedWaitTimeInSeconds": -1 if ewt_seconds is None else ewt_seconds,
        },
    }
    if reason_for_not_routing is not None:
        payload["reasonForNotRouting"] = reason_for_not_routing
    return payload


def routing_work_result(session_id: str, work_type: str) -> dict[str, Any]:
    return {"entryType": "RoutingWorkResult", "workType": work_type, "recordId": session_id}


def session_status_changed(status: str, ended_by_role: str | None) -> dict[str, Any]:
    return {
        "entryType": "SessionStatusChanged",
        "sessionStatus": status,
        "sessionEndedByRole": ended_by_role,
    }


def acknowledgement(entry_type: str, identifier: str, acknowledged: str, at: int) -> dict[str, Any]:
    return {
        "entryType": entry_type,
        "id": identifier,
        "acknowledgedConversationEntryIdentifier": acknowledged,
        "acknowledgementTimestamp": at,
    }


def close_conversation() -> dict[str, Any]:
    return {"entryType": "CloseConversation"}


def _participant(sender: Sender) -> dict[str, Any]:
    return {
        "role": sender.role,
        "appType": _APP_TYPES.get(sender.role, "conversation"),
        "subject": sender.subject,
        "clientIdentifier": sender.subject,
    }


def miaw_entry(entry: Entry, *, payload_as_string: bool) -> dict[str, Any]:
    """An entry as MIAW clients see it; the SSE envelope carries the payload as a JSON string."""
    payload: Any = jsonutil.dumps_str(entry.payload) if payload_as_string else entry.payload
    return {
        "senderDisplayName": entry.sender.display_name,
        "identifier": entry.identifier,
        "entryType": entry.entry_type,
        "entryPayload": payload,
        "sender": _participant(entry.sender),
        "transcriptedTimestamp": entry.transcripted_at,
        "clientTimestamp": entry.client_timestamp or entry.transcripted_at,
        "relatedRecords": [entry.session_id] if entry.session_id else [],
    }


def customer_event(entry: Entry, org_id: str, deployment_name: str) -> tuple[str, bytes]:
    """The SSE event name and data an end user's stream carries for an entry."""
    data = {
        "channelPlatformKey": deployment_name,
        "channelType": "embedded_messaging",
        "channelAddressIdentifier": f"{org_id}:{deployment_name}",
        "conversationId": entry.conversation_id,
        "conversationEntry": miaw_entry(entry, payload_as_string=True),
    }
    return EVENT_NAMES[entry.entry_type], jsonutil.dumps(data)


def agent_event(entry: Entry) -> tuple[str, bytes]:
    """The `ConversationEntry` event an agent's stream carries for an entry."""
    data = {
        "sessionId": entry.session_id,
        "conversationId": entry.conversation_id,
        **miaw_entry(entry, payload_as_string=False),
    }
    return "ConversationEntry", jsonutil.dumps(data)


def audiences(entry_type: str, sender_role: str) -> tuple[bool, bool]:
    """(to the end user, to the agent): receipts go to the other side, everything else to both
    (the end user's own messages are echoed to their stream)."""
    if entry_type in ACK_TYPES:
        return sender_role != "EndUser", sender_role == "EndUser"
    return True, True
