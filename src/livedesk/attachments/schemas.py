"""Bodies of the attachment calls."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from livedesk.conversations.schemas import ClientId, RoutingAttributes


class FileMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: ClientId = Field(json_schema_extra={"format": "uuid"})
    fileId: str | None = Field(None, max_length=200)
    text: str | None = Field(None, max_length=10_000)


class FileMessageEntry(BaseModel):
    """MIAW's `messageEntry` part of a file upload."""

    model_config = ConfigDict(extra="ignore")
    message: FileMessage
    esDeveloperName: str | None = Field(None, max_length=80)
    isNewMessagingSession: bool | None = None
    routingAttributes: RoutingAttributes | None = None


class AttachmentOut(BaseModel):
    id: str
    name: str
    mimeType: str
    size: int
    url: str
    recordId: str | None = None


class AttachmentList(BaseModel):
    attachments: list[AttachmentOut]


class UploadResult(BaseModel):
    entryId: str
    attachments: list[AttachmentOut]
