"""Answers of the reports API (docs/reports.md defines each figure; durations in seconds)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SessionReportRow(BaseModel):
    sessionId: str
    deployment: str
    status: str
    queue: str | None = Field(description="the first queue it entered")
    queues: list[str] = Field(description="every queue it waited in, in order")
    agent: str | None = Field(description="the username of the agent who accepted it last")
    countedAt: int = Field(description="when it entered its first queue, or asked (ms)")
    queuedAt: int | None
    acceptedAt: int | None
    endedAt: int | None
    waitSeconds: float | None
    waitByQueue: dict[str, float]
    firstResponseSeconds: float | None
    customerFirstResponseSeconds: float | None
    averageResponseSeconds: float | None
    longestResponseSeconds: float | None
    handleSeconds: float | None
    inactiveSeconds: float
    customerMessages: int
    agentMessages: int
    automatedMessages: int
    transfers: int
    endReason: str | None
    endedBy: str | None = Field(description="the role of who ended it")
    abandoned: bool
    abandonedWaitSeconds: float | None
    notRouted: bool
    reasonForNotRouting: str | None
    csat: int | None
    answeredQuestion: bool | None


class SessionReport(BaseModel):
    fromTime: int = Field(description="the period's start (ms, included)")
    toTime: int = Field(description="its end (ms, excluded)")
    timeZone: str
    sessions: list[SessionReportRow]
    nextPageToken: str | None = Field(description="ask again with it for the next page")


class FigureOut(BaseModel):
    count: int = Field(description="sessions that have this figure")
    average: float | None
    median: float | None
    p90: float | None


class ServiceLevelOut(BaseModel):
    met: int = Field(description="times in a queue answered within its target")
    counted: int = Field(description="times in a queue answered or abandoned")
    percent: float | None


class SummaryRowOut(BaseModel):
    group: str
    label: str = Field(description="the group as people read it (an agent's name)")
    sessions: int
    abandoned: int
    notRouted: int
    serviceLevel: ServiceLevelOut
    figures: dict[str, FigureOut] = Field(
        description="wait, first_response, customer_first_response, average_response, "
        "longest_response, handle, inactive (seconds) and csat (1-5)"
    )


class QueueServiceLevel(ServiceLevelOut):
    queue: str
    withinSeconds: int
    goalPercent: int


class Summary(BaseModel):
    fromTime: int
    toTime: int
    timeZone: str
    groupBy: str
    total: SummaryRowOut
    rows: list[SummaryRowOut]
    serviceLevels: list[QueueServiceLevel] = Field(description="each of your queues")


class AgentReportRow(BaseModel):
    agentId: str
    username: str
    displayName: str
    presenceSeconds: dict[str, float] = Field(description="time in each presence")
    onlineSeconds: float
    handlingSeconds: float = Field(description="time with a session Active while Online")
    occupancyPercent: float | None = Field(description="handling ÷ Online; None: never Online")
    sessionsHandled: int = Field(description="sessions she accepted in the period")


class AgentReport(BaseModel):
    fromTime: int
    toTime: int
    timeZone: str
    agents: list[AgentReportRow]
