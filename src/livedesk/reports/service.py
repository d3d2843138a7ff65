"""What the reports API does: the sessions of a period and their figures, summaries of them and
agents' figures, for supervisors (their queues) and admins (every queue). Ended sessions' figures
are read as kept (`recording`); sessions still open are computed now, the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, cast

from sqlalchemy import Connection

from livedesk.auth.principals import AgentPrincipal
from livedesk.errors import bad_request, forbidden
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.models import SessionStatus
from livedesk.orgs import repository as org_repository
from livedesk.orgs.schemas import ServiceLevelTarget
from livedesk.reports import repository
from livedesk.reports.agents import agent_figures
from livedesk.reports.metrics import (
    GROUP_BYS,
    Figure,
    Record,
    ServiceLevel,
    SessionMetrics,
    SummaryRow,
    service_levels,
    session_metrics,
    summary,
    total,
)
from livedesk.reports.period import Period, period
from livedesk.reports.schemas import (
    AgentReport,
    AgentReportRow,
    FigureOut,
    QueueServiceLevel,
    ServiceLevelOut,
    SessionReport,
    SessionReportRow,
    Summary,
    SummaryRowOut,
)
from livedesk.supervision.scope import Scope, scope_of

STATUSES = tuple(s.value for s in SessionStatus if s is not SessionStatus.ERROR)
MAX_LIMIT = 1000
END_REASON = re.compile(r"[A-Za-z]{1,40}")


@dataclass(frozen=True)
class Filters:
    start: str | None = None
    end: str | None = None
    tz: str | None = None
    queue: str | None = None
    agent: str | None = None
    status: str | None = None
    end_reason: str | None = None


@dataclass(frozen=True)
class _Read:
    period: Period
    records: list[Record]
    names: dict[str, tuple[str, str]]  # agent id → (username, display name)
    targets: dict[str, ServiceLevelTarget]  # every queue's (a stay counts against its own)
    scope: Scope


class ReportService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def sessions(
        self, p: AgentPrincipal, filters: Filters, limit: int | None, page_token: str | None
    ) -> SessionReport:
        """A page of `limit` sessions, in the order they count; every one with `limit` None
        (the CSV export)."""
        if limit is not None and not 1 <= limit <= MAX_LIMIT:
            raise bad_request("invalid_limit", f"`limit` is from 1 to {MAX_LIMIT}.")
        offset = _offset(page_token)
        end = None if limit is None else offset + limit
        # One more than the page: whether there is a next one.
        read = await self._read(p, filters, lean=False, first=None if end is None else end + 1)
        records = cast(list[SessionMetrics], read.records)
        ordered = sorted(records, key=attrgetter("counted_at", "session_id"))
        end = len(ordered) if end is None else end
        return SessionReport(
            fromTime=read.period.start,
            toTime=read.period.end,
            timeZone=read.period.time_zone,
            sessions=[_row(m, read.names) for m in ordered[offset:end]],
            nextPageToken=str(end) if end < len(ordered) else None,
        )

    async def summary(self, p: AgentPrincipal, filters: Filters, group_by: str) -> Summary:
        if group_by not in GROUP_BYS:
            raise bad_request("invalid_group_by", f"`groupBy` is one of {', '.join(GROUP_BYS)}.")
        read = await self._read(p, filters, lean=True)
        targets = {q: t.within_seconds for q, t in read.targets.items()}
        rows = summary(read.records, group_by, read.period.time_zone, targets)
        levels = service_levels(read.records, targets)  # each queue's, in one pass
        return Summary(
            fromTime=read.period.start,
            toTime=read.period.end,
            timeZone=read.period.time_zone,
            groupBy=group_by,
            total=_summary_row(total(read.records, targets), "all", read.names),
            rows=[_summary_row(r, group_by, read.names) for r in rows],
            serviceLevels=[
                QueueServiceLevel(
                    queue=queue,
                    withinSeconds=target.within_seconds,
                    goalPercent=target.goal_percent,
                    **_level(levels.get(queue, ServiceLevel(0, 0))).model_dump(),
                )
                for queue, target in sorted(read.targets.items())
                if read.scope.covers([queue]) and filters.queue in (None, queue)
            ],
        )

    async def agents(self, p: AgentPrincipal, filters: Filters) -> AgentReport:
        scope = scope_of(p)
        now = self._clock.now_ms()

        def read(conn: Connection) -> AgentReport:
            tz = filters.tz or org_repository.org_config(conn, p.org_id).time_zone
            asked = period(filters.start, filters.end, tz, now)
            end = max(asked.start, min(asked.end, now))
            # Those who take sessions (a capacity) in one of her queues.
            people = [
                a
                for a in repository.agents(conn, p.org_id)
                if a.capacity > 0 and scope.covers(a.queues or [])
            ]
            presences = repository.presence_spells(conn, p.org_id, asked.start, end)
            handling = repository.handling_spells(conn, p.org_id, asked.start, end)
            rows = []
            for a in sorted(people, key=lambda a: (a.display_name, a.id)):
                figures = agent_figures(
                    a.id,
                    presences.get(a.id, []),
                    handling.get(a.id, []),
                    asked.start,
                    end,
                )
                rows.append(
                    AgentReportRow(
                        agentId=a.id,
                        username=a.username,
                        displayName=a.display_name,
                        presenceSeconds=figures.presence,
                        onlineSeconds=figures.online,
                        handlingSeconds=figures.handling,
                        occupancyPercent=figures.occupancy,
                        sessionsHandled=figures.sessions_handled,
                    )
                )
            return AgentReport(
                fromTime=asked.start, toTime=asked.end, timeZone=asked.time_zone, agents=rows
            )

        return await self._db.read(read)

    async def _read(
        self, p: AgentPrincipal, filters: Filters, *, lean: bool, first: int | None = None
    ) -> _Read:
        """The sessions counted in the period she may read, with the filters: `lean`, as
        summaries read them (kept ones as `KeptRow`); else whole, only the `first` in the order
        they count if given (a page: more may come back, never fewer of the first)."""
        scope = scope_of(p)
        now = self._clock.now_ms()
        if filters.status is not None and filters.status not in STATUSES:
            raise bad_request("invalid_status", f"`status` is one of {', '.join(STATUSES)}.")
        if filters.end_reason is not None and not END_REASON.fullmatch(filters.end_reason):
            raise bad_request(
                "invalid_end_reason", "`endReason` is a reason such as AgentEnded or AutoEnded."
            )

        def read(conn: Connection) -> _Read:
            config = org_repository.org_config(conn, p.org_id)
            asked = period(filters.start, filters.end, filters.tz or config.time_zone, now)
            queues = org_repository.queue_configs(conn, p.org_id)
            if filters.queue is not None:
                if filters.queue not in queues:
                    raise bad_request("unknown_queue", f"There is no queue {filters.queue!r}.")
                if not scope.covers([filters.queue]):
                    raise forbidden("not_your_queue", "You do not supervise that queue.")
            people = repository.agents(conn, p.org_id)
            names = {a.id: (a.username, a.display_name) for a in people}
            agent_id = None
            if filters.agent is not None:
                agent_id = next((a.id for a in people if filters.agent in (a.username, a.id)), None)
                if agent_id is None:
                    raise bad_request("unknown_agent", f"There is no agent {filters.agent!r}.")
            # Her queues, a queue or a status are looked for here, among every session.
            narrowed = scope.queues is not None or filters.queue is not None or filters.status
            period_of = (p.org_id, asked.start, asked.end)
            options: dict[str, Any] = {"agent_id": agent_id, "end_reason": filters.end_reason}
            records: list[Record] = []
            if lean:
                records += repository.kept_records(conn, *period_of, **options)
            else:
                limit = None if narrowed else first
                records += repository.kept(conn, *period_of, **options, limit=limit)
            records += [
                m
                for m in _open(conn, p.org_id, asked)
                if asked.start <= m.counted_at < asked.end
                and (agent_id is None or m.agent == agent_id)
                and (filters.end_reason is None or m.end_reason == filters.end_reason)
            ]
            if narrowed:
                records = [
                    m
                    for m in records
                    if _visible(m, scope)
                    and (filters.queue is None or filters.queue in _queues(m))
                    and (filters.status is None or _status(m) == filters.status)
                ]
            targets = {name: q.service_level for name, q in queues.items()}
            return _Read(asked, records, names, targets, scope)

        return await self._db.read(read)


def _open(conn: Connection, org_id: str, asked: Period) -> list[SessionMetrics]:
    ids = repository.open_session_ids(conn, org_id, asked.start, asked.end)
    found = []
    for i in range(0, len(ids), 500):
        found += [session_metrics(f) for f in repository.facts(conn, ids[i : i + 500])]
    return found


def _status(m: Record) -> str:
    return m.status if isinstance(m, SessionMetrics) else SessionStatus.ENDED  # kept: ended


def _queues(m: Record) -> list[str]:
    seen = [s.queue for s in m.stays]
    return list(dict.fromkeys(seen if seen else [m.first_queue] if m.first_queue else []))


def _visible(m: Record, scope: Scope) -> bool:
    """A supervisor sees the sessions that waited in one of her queues; an admin every one."""
    return scope.queues is None or scope.covers(_queues(m))


def _offset(token: str | None) -> int:
    if token is None:
        return 0
    if not (token.isascii() and token.isdigit()) or len(token) > 9:
        raise bad_request("invalid_page_token", "`pageToken` is one a previous page gave.")
    return int(token)


def _row(m: SessionMetrics, names: dict[str, tuple[str, str]]) -> SessionReportRow:
    return SessionReportRow(
        sessionId=m.session_id,
        deployment=m.deployment,
        status=m.status,
        queue=m.first_queue,
        queues=_queues(m),
        agent=names[m.agent][0] if m.agent in names else m.agent,
        countedAt=m.counted_at,
        queuedAt=m.queued_at,
        acceptedAt=m.accepted_at,
        endedAt=m.ended_at,
        waitSeconds=m.wait,
        waitByQueue=m.wait_by_queue,
        firstResponseSeconds=m.first_response,
        customerFirstResponseSeconds=m.customer_first_response,
        averageResponseSeconds=m.average_response,
        longestResponseSeconds=m.longest_response,
        handleSeconds=m.handle,
        inactiveSeconds=m.inactive,
        customerMessages=m.customer_messages,
        agentMessages=m.agent_messages,
        automatedMessages=m.automated_messages,
        transfers=m.transfers,
        endReason=m.end_reason,
        endedBy=m.ended_by_role,
        abandoned=m.abandoned,
        abandonedWaitSeconds=m.abandoned_wait,
        notRouted=m.not_routed,
        reasonForNotRouting=m.reason_for_not_routing,
        csat=m.csat,
        answeredQuestion=m.answered_question,
    )


def _level(level: ServiceLevel) -> ServiceLevelOut:
    return ServiceLevelOut(met=level.met, counted=level.counted, percent=level.percent)


def _figure(f: Figure) -> FigureOut:
    return FigureOut(count=f.count, average=f.average, median=f.median, p90=f.p90)


def _summary_row(
    row: SummaryRow, group_by: str, names: dict[str, tuple[str, str]]
) -> SummaryRowOut:
    group = row.group
    label = names[group][1] if group_by == "agent" and group in names else group
    return SummaryRowOut(
        group=names[group][0] if group_by == "agent" and group in names else group,
        label=label,
        sessions=row.sessions,
        abandoned=row.abandoned,
        notRouted=row.not_routed,
        serviceLevel=_level(row.service_level),
        figures={name: _figure(f) for name, f in row.figures.items()},
    )
