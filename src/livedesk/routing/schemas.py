"""Bodies of the routing calls."""

from __future__ import annotations

from pydantic import BaseModel, Field


class WorkOut(BaseModel):
    workId: str
    sessionId: str
    status: str
    queue: str | None
    offeredAt: int
    expiresAt: int | None


class WorkList(BaseModel):
    work: list[WorkOut]
    now: int = Field(description="the server's time (ms): an offer has expiresAt - now left")


class QueueOut(BaseModel):
    name: str
    routingModel: str
    priority: int
    waiting: int
    estimatedWaitTimeInSeconds: int | None
    agentsOnline: int
    freeCapacity: int


class QueueList(BaseModel):
    queues: list[QueueOut]


class ColleagueOut(BaseModel):
    id: str
    username: str
    displayName: str
    presence: str
    queues: list[str]
    freeCapacity: int = Field(description="capacity left: what a transfer to her may take")


class ColleagueList(BaseModel):
    agents: list[ColleagueOut]
