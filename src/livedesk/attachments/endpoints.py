"""Attachment calls: MIAW's file upload, the agent's upload, downloads, a record's files."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse

from livedesk.attachments.schemas import AttachmentList, FileMessageEntry, UploadResult
from livedesk.conversations.schemas import EntryRef, SendResponse
from livedesk.deps import ContainerDep, CurrentAgent, CurrentEndUser, CurrentPrincipal
from livedesk.web.bodies import documented
from livedesk.web.openapi import UuidPath, errors, multipart

miaw_router = APIRouter(prefix="/iamessage/api/v2/conversation", tags=["customer: conversations"])
router = APIRouter(prefix="/api/v1", tags=["attachments"])

# The multipart bodies the upload calls read themselves (attachments.upload), part by field name.
MESSAGE_ENTRY = documented(FileMessageEntry)["requestBody"]["content"]["application/json"]
MIAW_UPLOAD = multipart(
    {"messageEntry": MESSAGE_ENTRY["schema"]},
    file="fileData",
    required=("messageEntry",),
    encoding={"messageEntry": {"contentType": "application/json"}},
)
AGENT_UPLOAD = multipart(
    {"text": {"type": "string", "x-max-length": "limits.max_text_chars"}}, file="file"
)


@miaw_router.post(
    "/{conversation_id}/file",
    status_code=202,
    response_model=SendResponse,
    responses=errors(404, 409, 415, 417, 429),
    openapi_extra=MIAW_UPLOAD,
)
async def send_file(
    conversation_id: UuidPath, request: Request, p: CurrentEndUser, c: ContainerDep
) -> SendResponse:
    """MIAW's file message: multipart `messageEntry` (JSON) + `fileData`."""
    await c.limits.customer_write(p.end_user_id)
    entry = await c.attachments.customer_upload(p, conversation_id, request)
    return SendResponse(
        conversationEntries=[EntryRef(id=entry.identifier, clientTimestamp=entry.transcripted_at)]
    )


@router.post(
    "/sessions/{session_id}/files",
    status_code=202,
    response_model=UploadResult,
    responses=errors(403, 404, 409, 415),
    openapi_extra=AGENT_UPLOAD,
)
async def agent_send_file(
    session_id: UuidPath, request: Request, p: CurrentAgent, c: ContainerDep
) -> UploadResult:
    """The agent sends a file (multipart `file`, optional `text`)."""
    return await c.attachments.agent_upload(p, session_id, request)


@router.get(
    "/attachments/{attachment_id}",
    response_class=Response,
    responses={
        200: {"description": "The file, with the type it was stored with", "content": {"*/*": {}}},
        **errors(404),
    },
)
async def download(attachment_id: UuidPath, p: CurrentPrincipal, c: ContainerDep) -> Response:
    path, row = await c.attachments.download(p, attachment_id)
    return FileResponse(
        path,
        media_type=row.content_type,
        filename=row.name,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"},
    )


@router.get(
    "/records/{object_name}/{record_id}/attachments",
    response_model=AttachmentList,
    responses=errors(404),
)
async def record_attachments(
    object_name: str, record_id: UuidPath, p: CurrentAgent, c: ContainerDep
) -> AttachmentList:
    return await c.attachments.of_record(p, object_name, record_id)
