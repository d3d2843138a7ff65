"""Bodies of the flow calls. Each is optional (no body is an empty one), but a body that is sent
must be JSON: FastAPI would ignore a body of another type for a field read out of the body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from livedesk.flows import interpreter


class FlowOut(BaseModel):
    name: str
    label: str
    audience: str = Field(description="agent, customer (runs in the chat: `launchFlow`) or any")
    inputs: list[str] = Field(description="the variables it takes as inputs, e.g. recordId")


class FlowList(BaseModel):
    flows: list[FlowOut]


class InterviewStart(BaseModel):
    inputs: dict[str, Any] = {}


class ScreenValues(BaseModel):
    values: dict[str, Any] = {}


class InterviewOut(BaseModel):
    id: str
    flow: str
    status: str
    screen: dict[str, Any] | None
    waiting: dict[str, Any] | None
    variables: dict[str, Any]
    error: str | None


class InterviewList(BaseModel):
    interviews: list[InterviewOut] = Field(
        description="newest first: the agent's own interviews about the session or its Case"
    )


def interview_out(interview_id: str, interview: interpreter.Interview) -> InterviewOut:
    return InterviewOut(
        id=interview_id,
        flow=interview.flow,
        status=interview.status,
        screen=interview.screen,
        waiting=interview.waiting,
        variables=interview.variables,
        error=interview.error,
    )
