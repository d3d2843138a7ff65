"""The reports' queries: a session's facts (its history, messages and answers), the kept figures
of ended sessions, and agents' presence and handling spells."""

from __future__ import annotations

import dataclasses
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select

from livedesk.conversations.entries import EntryType
from livedesk.kit.db import DbRow
from livedesk.models import (
    Agent,
    Conversation,
    ConversationEntry,
    Deployment,
    MessagingSession,
    PresenceHistory,
    SessionAnswer,
    SessionHistory,
    SessionReport,
    SessionStatus,
)
from livedesk.reports.metrics import (
    Answer,
    Message,
    QueueStay,
    SessionFacts,
    SessionMetrics,
    Transition,
    waits,
)

# Messages an agent or a customer typed are StaticContentMessages; components (choices, forms,
# the answers to them) are automated whoever sent them (docs/reports.md).
TYPED = "StaticContentMessage"
PEOPLE = ("EndUser", "Agent")


def facts(conn: Connection, session_ids: Sequence[str]) -> list[SessionFacts]:
    """Each session's facts, in the order of `session_ids` (unknown ids left out)."""
    if not session_ids:
        return []
    rows: dict[str, dict[str, Any]] = {}
    for r in conn.execute(
        select(*MessagingSession.__table__.columns, Deployment.developer_name)
        .join(Conversation, Conversation.id == MessagingSession.conversation_id)
        .join(Deployment, Deployment.id == Conversation.deployment_id)
        .where(MessagingSession.id.in_(session_ids))
    ).mappings():
        rows[r["id"]] = dict(r)
    history: dict[str, list[Transition]] = defaultdict(list)
    for h in conn.execute(
        select(*SessionHistory.__table__.columns)
        .where(SessionHistory.session_id.in_(rows))
        .order_by(SessionHistory.session_id, SessionHistory.seq)
    ):
        history[h.session_id].append(Transition(h.at, h.status, h.queue_name, h.agent_id, h.event))
    messages: dict[str, list[Message]] = defaultdict(list)
    for conversation_id, ids in _by_conversation(rows.values()).items():
        for e in conn.execute(
            select(
                ConversationEntry.session_id,
                ConversationEntry.transcripted_at,
                ConversationEntry.sender_role,
                ConversationEntry.automated_by,
                ConversationEntry.payload,
            )
            .where(
                ConversationEntry.conversation_id == conversation_id,
                ConversationEntry.session_id.in_(ids),
                ConversationEntry.entry_type == EntryType.MESSAGE,
            )
            .order_by(ConversationEntry.transcripted_at)
        ):
            kind = (e.payload.get("abstractMessage") or {}).get("messageType", TYPED)
            automated = e.automated_by is not None or kind != TYPED or e.sender_role not in PEOPLE
            messages[e.session_id].append(Message(e.transcripted_at, e.sender_role, automated))
    answers: dict[str, list[Answer]] = defaultdict(list)
    for a in conn.execute(
        select(
            SessionAnswer.session_id,
            SessionAnswer.component,
            SessionAnswer.selection,
            SessionAnswer.rating,
        )
        .where(SessionAnswer.session_id.in_(rows), SessionAnswer.answered_at.is_not(None))
        .order_by(SessionAnswer.answered_at)
    ):
        answers[a.session_id].append(Answer(a.component, a.selection, a.rating))
    return [
        SessionFacts(
            session_id=row["id"],
            deployment=row["developer_name"],
            started_at=row["started_at"],
            transitions=history.get(row["id"]) or _from_columns(row),
            messages=messages.get(row["id"], ()),
            answers=answers.get(row["id"], ()),
            ended_by_role=row["ended_by_role"],
            end_reason=row["end_reason"],
            reason_for_not_routing=row["reason_for_not_routing"],
        )
        for session_id in session_ids
        if (row := rows.get(session_id)) is not None
    ]


def _by_conversation(rows: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        found[row["conversation_id"]].append(row["id"])
    return found


def _from_columns(row: dict[str, Any]) -> list[Transition]:
    """A session older than its history (migration 0014): its transitions as its columns keep
    them (the latest of each; transfers and returns from Inactive are not known)."""
    found = [Transition(row["started_at"], SessionStatus.NEW)]
    queue, agent = row["queue_name"], row["agent_id"]
    if row["queued_at"] is not None:
        found.append(Transition(row["queued_at"], SessionStatus.WAITING, queue, None, "route"))
    if row["accepted_at"] is not None:
        found.append(Transition(row["accepted_at"], SessionStatus.ACTIVE, queue, agent, "accept"))
    if row["inactive_at"] is not None:
        found.append(Transition(row["inactive_at"], SessionStatus.INACTIVE, queue, agent))
    if row["ended_at"] is not None:
        found.append(Transition(row["ended_at"], SessionStatus.ENDED, queue, agent, "end"))
    return found


# The figures' columns in session_reports: SessionMetrics' fields but these, which are derived.
_DERIVED = {"wait_by_queue", "status", "stays"}
_COLUMNS = [f.name for f in dataclasses.fields(SessionMetrics) if f.name not in _DERIVED]


def save(conn: Connection, org_id: str, metrics: SessionMetrics) -> None:
    """Keep an ended session's figures (replacing those kept before)."""
    conn.execute(delete(SessionReport).where(SessionReport.session_id == metrics.session_id))
    values = {name: getattr(metrics, name) for name in _COLUMNS}
    conn.execute(
        insert(SessionReport).values(
            org_id=org_id, stays=[_stay_json(s) for s in metrics.stays], **values
        )
    )


def _stay_json(stay: QueueStay) -> dict[str, Any]:
    return {
        "queue": stay.queue,
        "enteredAt": stay.entered_at,
        "leftAt": stay.left_at,
        "outcome": stay.outcome,
        "agent": stay.agent,
    }


def kept(
    conn: Connection,
    org_id: str,
    start: int,
    end: int,
    *,
    agent_id: str | None = None,
    end_reason: str | None = None,
) -> list[SessionMetrics]:
    """The kept figures of the sessions counted in [start, end)."""
    columns = [getattr(SessionReport, name) for name in _COLUMNS]
    query = select(*columns, SessionReport.stays).where(
        SessionReport.org_id == org_id,
        SessionReport.counted_at >= start,
        SessionReport.counted_at < end,
    )
    if agent_id is not None:
        query = query.where(SessionReport.agent == agent_id)
    if end_reason is not None:
        query = query.where(SessionReport.end_reason == end_reason)
    ended = SessionStatus.ENDED
    status_at, waits_at = _STATUS_AT, _WAITS_AT
    found = []
    with _collector_paused():
        for row in conn.execute(query):
            stays = tuple(
                QueueStay(s["queue"], s["enteredAt"], s["leftAt"], s["outcome"], s["agent"])
                for s in row[-1]
            )
            fields = (
                *row[:status_at],
                ended,
                *row[status_at:waits_at],
                waits(stays)[0],
                *row[waits_at:-1],
                stays,
            )
            found.append(SessionMetrics(*fields))
    return found


# kept() makes each SessionMetrics from its row positionally (a third faster than by name): the
# row's columns are the fields in order but `status` and `wait_by_queue`, then `stays`, the last.
_FIELDS = [f.name for f in dataclasses.fields(SessionMetrics)]
_STATUS_AT = _FIELDS.index("status")
_WAITS_AT = _FIELDS.index("wait_by_queue") - 1  # the row has no status column
if not (_FIELDS[-1] == "stays" and _STATUS_AT < _WAITS_AT + 1 and len(_DERIVED) == 3):
    raise RuntimeError("reports.repository.kept: SessionMetrics' fields moved; adapt kept()")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Building many objects that all stay alive (a report's 100,000 sessions): the garbage
    collector's passes over them could free none and would double the time (bench/reports.py)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def open_session_ids(conn: Connection, org_id: str, start: int, end: int) -> list[str]:
    """The org's sessions not ended yet that started before `end` (those counted in [start, end)
    are among them: a session counts when it entered its first queue, at or after it started)."""
    return list(
        conn.execute(
            select(MessagingSession.id)
            .join(Conversation, Conversation.id == MessagingSession.conversation_id)
            .where(
                Conversation.org_id == org_id,
                MessagingSession.status != SessionStatus.ENDED,
                MessagingSession.started_at < end,
            )
        ).scalars()
    )


def agents(conn: Connection, org_id: str) -> list[DbRow]:
    return list(
        conn.execute(
            select(
                Agent.id, Agent.username, Agent.display_name, Agent.queues, Agent.capacity
            ).where(Agent.org_id == org_id)
        )
    )


def presence_spells(
    conn: Connection, org_id: str, start: int, end: int
) -> dict[str, list[tuple[int, str]]]:
    """Per agent, the presences she entered in [start, end), after the one she was in at
    `start` (at `start`; Offline when she never had one)."""
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    before = (
        select(PresenceHistory.agent_id, PresenceHistory.presence, PresenceHistory.seq)
        .where(PresenceHistory.org_id == org_id, PresenceHistory.at < start)
        .order_by(PresenceHistory.agent_id, PresenceHistory.seq)
    )
    for row in conn.execute(before):  # the last of each agent's wins
        found[row.agent_id] = [(start, row.presence)]
    for later in conn.execute(
        select(PresenceHistory.agent_id, PresenceHistory.at, PresenceHistory.presence)
        .where(
            PresenceHistory.org_id == org_id,
            PresenceHistory.at >= start,
            PresenceHistory.at < end,
        )
        .order_by(PresenceHistory.seq)
    ):
        found[later.agent_id].append((later.at, later.presence))
    return found


def handling_spells(
    conn: Connection, org_id: str, start: int, end: int
) -> dict[str, list[tuple[int, int | None, str, str | None]]]:
    """Per agent, her Active spells that overlap [start, end): (from, until or None while still
    Active, session id, the event that began it)."""
    agent_ids = [a.id for a in agents(conn, org_id)]
    active = (
        select(SessionHistory.session_id)
        .where(
            SessionHistory.agent_id.in_(agent_ids),
            SessionHistory.at >= start - _LONGEST_SPELL_MS,
            SessionHistory.at < end,
            SessionHistory.status == SessionStatus.ACTIVE,
        )
        .distinct()
    )
    # Each status those sessions entered, with when the next one began (None: the last yet);
    # only the Active ones come back (in SQL: a report over 100,000 sessions, bench/reports.py).
    h = SessionHistory
    moves = (
        select(
            h.session_id,
            h.seq,
            h.at,
            h.status,
            h.agent_id,
            h.event,
            func.lead(h.at).over(partition_by=h.session_id, order_by=h.seq).label("until"),
        )
        .where(h.session_id.in_(active))
        .subquery()
    )
    found: dict[str, list[tuple[int, int | None, str, str | None]]] = defaultdict(list)
    for agent_id, at, until, session_id, event in conn.execute(
        select(moves.c.agent_id, moves.c.at, moves.c.until, moves.c.session_id, moves.c.event)
        .where(
            moves.c.status == SessionStatus.ACTIVE,
            moves.c.agent_id.is_not(None),
            moves.c.at < end,
            or_(moves.c.until.is_(None), moves.c.until > start),
        )
        .order_by(moves.c.session_id, moves.c.seq)
    ):
        found[agent_id].append((at, until, session_id, event))
    return found


# An Active spell longer than this before a report's start is not looked for (an Active
# session goes Inactive when its customer is idle, after minutes).
_LONGEST_SPELL_MS = 7 * 24 * 3_600_000
