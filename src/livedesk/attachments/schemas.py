"""Bodies of the attachment calls."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from livedesk.conversations.schemas import ClientId, RoutingAttributes
from livedesk.orgs.schemas import AttachmentPolicy


def policy_of(deployment_config: dict[str, Any]) -> AttachmentPolicy:
    """A deployment's attachments policy as the org file's schema reads it: the defaults live
    there only (the upload check and the configuration clients are given both read this)."""
    return AttachmentPolicy.model_validate(deployment_config.get("attachments") or {})


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
