"""Attachment calls: MIAW's file upload, the agent's upload, downloads, a record's files."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from livedesk.attachments.schemas import AttachmentList, UploadResult
from livedesk.attachments.service import AttachmentService
from livedesk.conversations.schemas import EntryRef, SendResponse
from livedesk.deps import ContainerDep, CurrentAgent, CurrentEndUser, CurrentPrincipal

miaw_router = APIRouter(prefix="/iamessage/api/v2/conversation", tags=["customer: conversations"])
router = APIRouter(prefix="/api/v1", tags=["attachments"])

UPLOAD_DOC = {
    "requestBody": {
        "content": {"multipart/form-data": {"schema": {"type": "object"}}},
        "required": True,
    }
}


@miaw_router.post(
    "/{conversation_id}/file",
    status_code=202,
    response_model=SendResponse,
    openapi_extra=UPLOAD_DOC,
)
async def send_file(
    conversation_id: str, request: Request, p: CurrentEndUser, c: ContainerDep
) -> SendResponse:
    """MIAW's file message: multipart `messageEntry` (JSON) + `fileData`."""
    c.limits.customer_write(p.end_user_id)
    entry = await AttachmentService(c).customer_upload(p, conversation_id, request)
    return SendResponse(
        conversationEntries=[EntryRef(id=entry.identifier, clientTimestamp=entry.transcripted_at)]
    )


@router.post(
    "/sessions/{session_id}/files",
    status_code=202,
    response_model=UploadResult,
    openapi_extra=UPLOAD_DOC,
)
async def agent_send_file(
    session_id: str, request: Request, p: CurrentAgent, c: ContainerDep
) -> UploadResult:
    """The agent sends a file (multipart `file`, optional `text`)."""
    return await AttachmentService(c).agent_upload(p, session_id, request)


@router.get("/attachments/{attachment_id}", response_class=Response)
async def download(attachment_id: str, p: CurrentPrincipal, c: ContainerDep) -> Response:
    path, row = await AttachmentService(c).download(p, attachment_id)
    return FileResponse(
        path,
        media_type=row.content_type,
        filename=row.name,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )


@router.get("/records/{object_name}/{record_id}/attachments", response_model=AttachmentList)
async def record_attachments(
    object_name: str, record_id: str, p: CurrentAgent, c: ContainerDep
) -> AttachmentList:
    return await AttachmentService(c).of_record(p, object_name, record_id)
