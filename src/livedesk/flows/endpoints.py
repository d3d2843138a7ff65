"""Flow interviews: start one, answer its screens, read it."""

from __future__ import annotations

from fastapi import APIRouter, Response

from livedesk.conversations.schemas import SendResponse
from livedesk.deps import ContainerDep, CurrentAgent, CurrentEndUser
from livedesk.flows.schemas import (
    FlowList,
    InterviewList,
    InterviewOut,
    InterviewStart,
    ScreenValues,
)
from livedesk.web.answers import accepted
from livedesk.web.openapi import UuidPath, errors

router = APIRouter(prefix="/api/v1", tags=["flows"])
customer_router = APIRouter(
    prefix="/iamessage/api/v2/conversation", tags=["customer: conversations"]
)


@customer_router.post(
    "/{conversation_id}/flow/{interview_id}",
    status_code=202,
    response_model=SendResponse,
    responses=errors(404, 409, 429),
)
async def answer_flow(
    conversation_id: UuidPath,
    interview_id: UuidPath,
    p: CurrentEndUser,
    c: ContainerDep,
    body: ScreenValues | None = None,
) -> Response:
    """The customer submits the screen of a flow shown in the chat (`{"values": {...}}`); MIAW
    clients can send a `FormResponseMessage` to the message call instead."""
    await c.limits.customer_write(p.end_user_id)
    values = body.values if body is not None else {}
    entry = await c.flows.customer_answer(p, conversation_id, interview_id, values)
    return accepted(entry)


@router.get("/flows", response_model=FlowList)
async def list_flows(p: CurrentAgent, c: ContainerDep) -> FlowList:
    """The org's flows: `audience` agent (start one here) or customer (it runs in the chat:
    the `launchFlow` action), with the inputs each takes."""
    return await c.flows.list_flows(p)


@router.post(
    "/flows/{name}/interviews", status_code=201, response_model=InterviewOut, responses=errors(404)
)
async def start_interview(
    name: str, p: CurrentAgent, c: ContainerDep, body: InterviewStart | None = None
) -> InterviewOut:
    """Start the flow with `{"inputs": {...}}`; answers with its first screen or wait."""
    return await c.flows.start(p, name, body.inputs if body is not None else {})


@router.post("/interviews/{interview_id}/next", response_model=InterviewOut, responses=errors(404))
async def next_screen(
    interview_id: UuidPath,
    p: CurrentAgent,
    c: ContainerDep,
    body: ScreenValues | None = None,
) -> InterviewOut:
    """Submit the current screen's `{"values": {...}}`."""
    return await c.flows.next(p, interview_id, body.values if body is not None else {})


@router.get("/interviews/{interview_id}", response_model=InterviewOut, responses=errors(404))
async def get_interview(interview_id: UuidPath, p: CurrentAgent, c: ContainerDep) -> InterviewOut:
    return await c.flows.get(p, interview_id)


@router.get(
    "/sessions/{session_id}/interviews",
    response_model=InterviewList,
    responses=errors(400, 404),
)
async def session_interviews(
    session_id: UuidPath, p: CurrentAgent, c: ContainerDep
) -> InterviewList:
    """Your flow interviews about this session (a session you may read): those started with its
    Case (or the session) as `recordId`, newest first, each with its current screen."""
    return await c.flows.of_session(p, session_id)
