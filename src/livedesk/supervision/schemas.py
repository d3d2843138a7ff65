"""Answers of the supervisor API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class QueueFigures(BaseModel):
    name: str
    waiting: int = Field(description="sessions waiting in the queue")
    longestWaitSeconds: int = Field(description="how long the oldest of them waits (0: none)")
    oldestQueuedAt: int | None = Field(description="when it began waiting (ms)")
    estimatedWaitTimeInSeconds: int | None = Field(
        description="routing's estimate (the queue's recent waits; None: none recent)"
    )
    agentsOnline: int = Field(description="Online agents of the queue")
    freeCapacity: int = Field(description="what they have left (capacity less their Active load)")


class SupervisedSession(BaseModel):
    id: str
    conversationId: str
    status: str
    queue: str | None
    customerName: str | None = Field(description="from the pre-chat, when it has one")
    startTime: int
    acceptTime: int | None


class SupervisedAgent(BaseModel):
    id: str
    username: str
    displayName: str
    presence: str
    queues: list[str]
    used: int = Field(description="the capacity her Active sessions hold (their work weights)")
    capacity: int
    sessions: list[SupervisedSession] = Field(description="her open sessions of your queues")


class SupervisorOverview(BaseModel):
    at: int = Field(description="the server's time of these figures (ms)")
    lastEventId: str = Field(
        description="open `GET /api/v1/supervisor/stream` with this `Last-Event-Id`: it carries "
        "every change after these figures"
    )
    queues: list[QueueFigures]
    agents: list[SupervisedAgent]
