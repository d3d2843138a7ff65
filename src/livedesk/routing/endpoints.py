"""The routing calls of the agent API: answer offers, see the queues."""

from __future__ import annotations

from fastapi import APIRouter

from livedesk.deps import ContainerDep, CurrentAgent
from livedesk.routing.schemas import ColleagueList, QueueList, WorkList, WorkOut
from livedesk.web.openapi import UuidPath, errors

router = APIRouter(prefix="/api/v1", tags=["agent: routing"])


@router.get("/work", response_model=WorkList)
async def my_work(p: CurrentAgent, c: ContainerDep) -> WorkList:
    """Your offers waiting for an answer (Assigned) and the work you accepted (Opened)."""
    return await c.work.my_work(p)


@router.post("/work/{work_id}/accept", response_model=WorkOut, responses=errors(404, 409))
async def accept_work(work_id: UuidPath, p: CurrentAgent, c: ContainerDep) -> WorkOut:
    return await c.work.accept(p, work_id)


@router.post("/work/{work_id}/decline", response_model=WorkOut, responses=errors(404, 409))
async def decline_work(work_id: UuidPath, p: CurrentAgent, c: ContainerDep) -> WorkOut:
    return await c.work.decline(p, work_id)


@router.get("/agents", response_model=ColleagueList)
async def list_agents(p: CurrentAgent, c: ContainerDep) -> ColleagueList:
    """The org's agents who take chats: presence, queues and free capacity (whom to transfer
    to: a transfer goes to an Online agent with room)."""
    return await c.work.colleagues(p)


@router.get("/queues", response_model=QueueList)
async def list_queues(p: CurrentAgent, c: ContainerDep) -> QueueList:
    return await c.work.queues(p)
