"""The agent API (LiveDesk's own, under /api/v1)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from livedesk.agents.schemas import (
    CaseLink,
    ComponentList,
    PresenceUpdate,
    QuickTextList,
    SessionDetail,
    SessionList,
    SessionOut,
    TypingUpdate,
)
from livedesk.agents.service import SESSION_STATUSES
from livedesk.auth.schemas import AgentOut
from livedesk.deps import ContainerDep, CurrentAgent
from livedesk.toolkit.schemas import ActionResult, SessionAction
from livedesk.web.openapi import UuidPath, between, errors, one_of

router = APIRouter(prefix="/api/v1", tags=["agent"])


@router.get("/me", response_model=AgentOut, responses=errors(404))
async def me(p: CurrentAgent, c: ContainerDep) -> AgentOut:
    return await c.agents.me(p)


@router.put("/me/presence", response_model=AgentOut, responses=errors(404))
async def set_presence(body: PresenceUpdate, p: CurrentAgent, c: ContainerDep) -> AgentOut:
    return await c.agents.set_presence(p, body.status)


@router.get("/sessions", response_model=SessionList)
async def list_sessions(
    p: CurrentAgent,
    c: ContainerDep,
    status: list[str] = Query([], json_schema_extra=one_of(SESSION_STATUSES, items=True)),
    mine: bool = False,
    limit: int = Query(100, json_schema_extra=between(1, 500)),
) -> SessionList:
    statuses = [s.strip() for item in status or [] for s in item.split(",") if s.strip()]
    return await c.agents.list_sessions(p, statuses or None, mine, limit)


@router.get("/sessions/{session_id}", response_model=SessionDetail, responses=errors(400, 404))
async def get_session(session_id: UuidPath, p: CurrentAgent, c: ContainerDep) -> SessionDetail:
    return await c.agents.get_session(p, session_id)


@router.get(
    "/sessions/{session_id}/quick-texts", response_model=QuickTextList, responses=errors(400, 404)
)
async def quick_texts(session_id: UuidPath, p: CurrentAgent, c: ContainerDep) -> QuickTextList:
    """The org file's quick texts (canned responses) offered in this session's queue, their
    merge fields (`{!firstName}`…) filled for its customer, as the auto-responses' are."""
    return await c.agents.quick_texts(p, session_id)


@router.get(
    "/sessions/{session_id}/components", response_model=ComponentList, responses=errors(400, 404)
)
async def list_components(session_id: UuidPath, p: CurrentAgent, c: ContainerDep) -> ComponentList:
    """The org file's messaging components, each as this session's customer would read it
    (merge fields filled): what the `sendComponent` action may send here."""
    return await c.agents.components(p, session_id)


@router.post("/sessions/{session_id}/case", response_model=SessionOut, responses=errors(403, 404))
async def link_case(
    session_id: UuidPath, p: CurrentAgent, c: ContainerDep, body: CaseLink | None = None
) -> SessionOut:
    """Link the session to a Case: the one named by `caseId`, or a new one from its pre-chat."""
    return await c.agents.link_case(p, session_id, body.caseId if body else None)


@router.post(
    "/sessions/{session_id}/accept", response_model=SessionOut, responses=errors(400, 404, 409)
)
async def accept_session(session_id: UuidPath, p: CurrentAgent, c: ContainerDep) -> SessionOut:
    return await c.agents.accept(p, session_id)


@router.post("/sessions/{session_id}/typing", status_code=204, responses=errors(403, 404, 409))
async def typing(
    session_id: UuidPath, body: TypingUpdate, p: CurrentAgent, c: ContainerDep
) -> Response:
    """Tell the customer you are typing (`true`) or stopped (`false`): a typing indicator on
    their stream, at most one a second (the latest state always), never stored; only in a
    session you have and may write in."""
    # never rate-limited as a message: typing has its own allowance (conversations/typing.py)
    await c.agents.typing(p, session_id, body.typing)
    return Response(status_code=204)


@router.post(
    "/sessions/{session_id}/actions", response_model=ActionResult, responses=errors(403, 404, 409)
)
async def session_action(
    session_id: UuidPath, body: SessionAction, p: CurrentAgent, c: ContainerDep
) -> ActionResult:
    return await c.agents.act(p, session_id, body)
