"""The MIAW v2 conversation calls, with MIAW's paths, bodies and status codes."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from livedesk.conversations import transcript
from livedesk.conversations.access import check_uuid
from livedesk.conversations.entries import ENTRY_TYPES
from livedesk.conversations.schemas import (
    Accepted,
    AcksSend,
    ConversationCreate,
    ConversationCreated,
    ConversationList,
    EntriesResponse,
    EntrySend,
    MessageSend,
    RoutingStatus,
    SendResponse,
)
from livedesk.conversations.service import HistoryQuery
from livedesk.deps import ContainerDep, CurrentEndUser, current_end_user, get_container
from livedesk.errors import bad_request
from livedesk.kit.jsonutil import MAX_INT
from livedesk.web.answers import accepted
from livedesk.web.bodies import documented, json_body
from livedesk.web.errors import JsonResponse
from livedesk.web.openapi import UuidPath, between, errors, one_of, token

router = APIRouter(prefix="/iamessage/api/v2/conversation", tags=["customer: conversations"])


@router.post("", status_code=201, response_model=ConversationCreated, responses=errors(409, 429))
async def create_conversation(
    body: ConversationCreate, p: CurrentEndUser, c: ContainerDep
) -> ConversationCreated:
    await c.limits.customer_write(p.end_user_id)
    return await c.conversations.create(p, body)


@router.get("/list", response_model=ConversationList)
async def list_conversations(
    p: CurrentEndUser,
    c: ContainerDep,
    inclClosedConvs: bool = False,
    limit: int = Query(20, json_schema_extra=between(1, 100)),
) -> ConversationList:
    return await c.conversations.list(p, inclClosedConvs, limit)


@router.post(
    "/{conversation_id}/message",
    status_code=202,
    response_model=SendResponse,
    responses=errors(404, 409, 417, 429),
    openapi_extra={**documented(MessageSend), **token(current_end_user)},
)
async def send_message(conversation_id: UuidPath, request: Request) -> Response:
    """Send a text message, or an answer: to a messaging component (`ChoicesResponseMessage`
    with `choicesResponse`, or `FormResponseMessage` with `formResponse`, and the question's id
    as `inReplyToMessageId`) or to a flow's form (`formResponse.interviewId`); a retry with the
    same `message.id` returns the original entry."""
    # The hottest call: it reads its token and body itself (see web.bodies).
    c = await get_container(request)
    p = await current_end_user(request, c)
    await c.limits.customer_write(p.end_user_id)
    body = await json_body(request, MessageSend)
    message = body.message
    form = message.formResponse
    if message.messageType == "FormResponseMessage" and form is None:
        raise bad_request("missing_form_response", "A FormResponseMessage needs `formResponse`.")
    if message.messageType == "FormResponseMessage" and form and form.interviewId is not None:
        entry = await c.flows.customer_answer(
            p,
            conversation_id,
            form.interviewId,
            form.values,
            message_id=check_uuid(message.id, "message"),
            body=body,
        )
    elif message.messageType != "StaticContentMessage":
        entry = await c.conversations.answer_component(p, conversation_id, body)
    else:
        entry = await c.conversations.send_message(p, conversation_id, body)
    return accepted(entry)


@router.post(
    "/{conversation_id}/entry", status_code=202, response_model=Accepted, responses=errors(404)
)
async def send_entry(
    conversation_id: UuidPath, body: EntrySend, p: CurrentEndUser, c: ContainerDep
) -> Response:
    """A typing indicator; it is passed on to the agent, not stored, so the answer is `{}`."""
    # never rate-limited: typing has its own allowance (conversations/typing.py)
    await c.conversations.typing(p, conversation_id, body)
    return JsonResponse({}, status_code=202)


@router.post(
    "/{conversation_id}/acknowledge-entries",
    status_code=202,
    response_model=Accepted,
    responses=errors(404, 429),
)
async def acknowledge_entries(
    conversation_id: UuidPath, body: AcksSend, p: CurrentEndUser, c: ContainerDep
) -> Response:
    """Delivery and read receipts; the answer is `{}` (a retried receipt is recorded once)."""
    await c.limits.customer_receipts(p.end_user_id)
    await c.conversations.acknowledge(p, conversation_id, body)
    return JsonResponse({}, status_code=202)


@router.get("/{conversation_id}/entries", response_model=EntriesResponse, responses=errors(404))
async def list_entries(
    conversation_id: UuidPath,
    p: CurrentEndUser,
    c: ContainerDep,
    limit: int = Query(50, json_schema_extra=between(1, 50)),
    startTimestamp: int | None = Query(None, ge=0, le=MAX_INT),
    endTimestamp: int | None = Query(None, ge=0, le=MAX_INT),
    direction: str = Query("FromEnd", json_schema_extra=one_of(("FromStart", "FromEnd"))),
    entryTypeFilter: list[str] = Query([], json_schema_extra=one_of(ENTRY_TYPES, items=True)),
) -> EntriesResponse:
    types = [t.strip() for item in entryTypeFilter or [] for t in item.split(",") if t.strip()]
    query = HistoryQuery(limit, startTimestamp, endTimestamp, direction, types or None)
    return await c.conversations.history(p, conversation_id, query)


@router.get("/{conversation_id}", response_model=RoutingStatus, responses=errors(400, 404))
async def routing_status(
    conversation_id: UuidPath, p: CurrentEndUser, c: ContainerDep
) -> RoutingStatus:
    return await c.conversations.routing_status(p, conversation_id)


@router.delete("/{conversation_id}/session", status_code=204, responses=errors(404))
async def end_session(
    conversation_id: UuidPath,
    p: CurrentEndUser,
    c: ContainerDep,
    esDeveloperName: str | None = None,
) -> Response:
    await c.conversations.end_session(p, conversation_id, esDeveloperName)
    return Response(status_code=204)


@router.delete("/{conversation_id}", status_code=204, responses=errors(404))
async def close_conversation(
    conversation_id: UuidPath,
    p: CurrentEndUser,
    c: ContainerDep,
    esDeveloperName: str | None = None,
) -> Response:
    await c.conversations.close(p, conversation_id, esDeveloperName)
    return Response(status_code=204)


@router.get(
    "/{conversation_id}/transcript",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "text/plain": {}}}, **errors(404)},
)
async def get_transcript(
    conversation_id: UuidPath,
    p: CurrentEndUser,
    c: ContainerDep,
    esDeveloperName: str | None = None,
    format: str = Query("pdf", pattern="^(pdf|text)$"),
) -> Response:
    """The whole conversation as a PDF (MIAW's format) or, with `format=text`, plain text."""
    cid, items = await c.conversations.transcript(p, conversation_id, esDeveloperName)
    if format == "text":
        return Response(transcript.as_text(cid, items), media_type="text/plain; charset=utf-8")
    return Response(
        transcript.as_pdf(cid, items),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="transcript-{cid}.pdf"'},
    )
