"""Flow interviews: start one, answer its screens, read it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response

from livedesk.deps import ContainerDep, CurrentAgent, CurrentEndUser
from livedesk.flows.service import FlowService, InterviewOut

router = APIRouter(prefix="/api/v1", tags=["flows"])
customer_router = APIRouter(
    prefix="/iamessage/api/v2/conversation", tags=["customer: conversations"]
)


@customer_router.post("/{conversation_id}/flow/{interview_id}", status_code=202)
async def answer_flow(
    conversation_id: str,
    interview_id: str,
    p: CurrentEndUser,
    c: ContainerDep,
    values: dict[str, Any] = Body({}, embed=True),
) -> Response:
    """The customer submits the screen of a flow shown in the chat (`{"values": {...}}`); MIAW
    clients can send a `FormResponseMessage` to the message call instead."""
    c.limits.customer_write(p.end_user_id)
    await FlowService(c).customer_answer(p, conversation_id, interview_id, values)
    return Response(status_code=202)


@router.post("/flows/{name}/interviews", status_code=201, response_model=InterviewOut)
async def start_interview(
    name: str, p: CurrentAgent, c: ContainerDep, inputs: dict[str, Any] = Body({}, embed=True)
) -> InterviewOut:
    """Start the flow with `{"inputs": {...}}`; answers with its first screen or wait."""
    return await FlowService(c).start(p, name, inputs)


@router.post("/interviews/{interview_id}/next", response_model=InterviewOut)
async def next_screen(
    interview_id: str,
    p: CurrentAgent,
    c: ContainerDep,
    values: dict[str, Any] = Body({}, embed=True),
) -> InterviewOut:
    """Submit the current screen's `{"values": {...}}`."""
    return await FlowService(c).next(p, interview_id, values)


@router.get("/interviews/{interview_id}", response_model=InterviewOut)
async def get_interview(interview_id: str, p: CurrentAgent, c: ContainerDep) -> InterviewOut:
    return await FlowService(c).get(p, interview_id)
