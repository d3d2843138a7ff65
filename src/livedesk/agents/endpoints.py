"""The agent API (LiveDesk's own, under /api/v1)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from livedesk.agents.schemas import (
    ActionResult,
    CaseLink,
    PresenceUpdate,
    SessionAction,
    SessionDetail,
    SessionList,
    SessionOut,
)
from livedesk.agents.service import AgentService
from livedesk.auth.schemas import AgentOut
from livedesk.deps import ContainerDep, CurrentAgent

router = APIRouter(prefix="/api/v1", tags=["agent"])


@router.get("/me", response_model=AgentOut)
async def me(p: CurrentAgent, c: ContainerDep) -> AgentOut:
    return await AgentService(c).me(p)


@router.put("/me/presence", response_model=AgentOut)
async def set_presence(body: PresenceUpdate, p: CurrentAgent, c: ContainerDep) -> AgentOut:
    return await AgentService(c).set_presence(p, body.status)


@router.get("/sessions", response_model=SessionList)
async def list_sessions(
    p: CurrentAgent,
    c: ContainerDep,
    status: list[str] | None = Query(None),
    mine: bool = False,
    limit: int = 100,
) -> SessionList:
    statuses = [s.strip() for item in status or [] for s in item.split(",") if s.strip()]
    return await AgentService(c).list_sessions(p, statuses or None, mine, limit)


@router.get("/sessions/{session_id}", response_model=SessionDetail)
async def get_session(session_id: str, p: CurrentAgent, c: ContainerDep) -> SessionDetail:
    return await AgentService(c).get_session(p, session_id)


@router.post("/sessions/{session_id}/case", response_model=SessionOut)
async def link_case(
    session_id: str, p: CurrentAgent, c: ContainerDep, body: CaseLink | None = None
) -> SessionOut:
    """Link the session to a Case: the one named by `caseId`, or a new one from its pre-chat."""
    return await AgentService(c).link_case(p, session_id, body.caseId if body else None)


@router.post("/sessions/{session_id}/accept", response_model=SessionOut)
async def accept_session(session_id: str, p: CurrentAgent, c: ContainerDep) -> SessionOut:
    return await AgentService(c).accept(p, session_id)


@router.post("/sessions/{session_id}/actions", response_model=ActionResult)
async def session_action(
    session_id: str, body: SessionAction, p: CurrentAgent, c: ContainerDep
) -> ActionResult:
    return await AgentService(c).act(p, session_id, body)
