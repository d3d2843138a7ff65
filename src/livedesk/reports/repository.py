"""The reports' queries: a session's facts (its history, messages and answers), the kept figures
of ended sessions, and agents' presence and handling spells."""

from __future__ import annotations

import dataclasses
import gc
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import Connection, delete, insert, select

from livedesk.conversations.entries import EntryType
from livedesk.kit import sql
from livedesk.kit.db import DbRow
from livedesk.kit.sql import Params, Sql
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
    conn.execute(insert(SessionReport).values(**report_values(org_id, metrics)))


def report_values(org_id: str, metrics: SessionMetrics) -> dict[str, Any]:
    """The session_reports row of `metrics`. Its stays are kept as arrays in QueueStay's field
    order (queue, entered, left, outcome, agent): a report decodes 100,000 of them."""
    values = {name: getattr(metrics, name) for name in _COLUMNS}
    return {**values, "org_id": org_id, "stays": [list(_stay_fields(s)) for s in metrics.stays]}


def _stay_fields(stay: QueueStay) -> tuple[Any, ...]:
    return (stay.queue, stay.entered_at, stay.left_at, stay.outcome, stay.agent)


class KeptRow(NamedTuple):
    """What summaries read of a kept session (`metrics.Record`), read lean: no object per
    field of 100,000 sessions."""

    counted_at: int
    first_queue: str | None
    agent: str | None
    deployment: str
    abandoned: bool
    not_routed: bool
    wait: float | None
    first_response: float | None
    customer_first_response: float | None
    average_response: float | None
    longest_response: float | None
    handle: float | None
    inactive: float
    csat: int | None
    stays: tuple[QueueStay, ...]


# The stays come as text, decoded here: PostgreSQL's driver would decode the JSON in the event
# loop's thread, several times slower (bench/reports.py).
_STAYS = "CAST(stays AS TEXT) AS stays"
_LEAN = (*KeptRow._fields[:-1], _STAYS)
_FULL = (*_COLUMNS, _STAYS)
_KEPT: dict[tuple[bool, bool, bool, bool], Sql] = {}


def _kept_sql(lean: bool, agent: bool, reason: bool, limited: bool) -> Sql:
    """The kept rows of [start, end), with the filters asked for (statements made once each)."""
    key = (lean, agent, reason, limited)
    if key not in _KEPT:
        where = ["org_id = :org_id", "counted_at >= :start", "counted_at < :end"]
        where += ["agent = :agent"] if agent else []
        where += ["end_reason = :reason"] if reason else []
        _KEPT[key] = Sql(
            f"SELECT {', '.join(_LEAN if lean else _FULL)} FROM session_reports "
            f"WHERE {' AND '.join(where)}"
            + (" ORDER BY counted_at, session_id LIMIT :limit" if limited else "")
        )
    return _KEPT[key]


def _params(org_id: str, start: int, end: int, agent: str | None, reason: str | None) -> Params:
    return {"org_id": org_id, "start": start, "end": end, "agent": agent, "reason": reason}


def _stays(value: Any) -> tuple[QueueStay, ...]:
    return tuple(QueueStay(*fields) for fields in sql.json_value(value))


def kept_records(
    conn: Connection,
    org_id: str,
    start: int,
    end: int,
    *,
    agent_id: str | None = None,
    end_reason: str | None = None,
) -> list[KeptRow]:
    """The kept figures of the sessions counted in [start, end), as summaries read them."""
    stmt = _kept_sql(True, agent_id is not None, end_reason is not None, False)
    found = sql.tuples(conn, stmt, _params(org_id, start, end, agent_id, end_reason))
    with _collector_paused():
        return [KeptRow._make((*row[:-1], _stays(row[-1]))) for row in found]


def kept(
    conn: Connection,
    org_id: str,
    start: int,
    end: int,
    *,
    agent_id: str | None = None,
    end_reason: str | None = None,
    limit: int | None = None,
) -> list[SessionMetrics]:
    """The kept sessions counted in [start, end), whole; with `limit`, the first in the order
    they count (`counted_at`, then id)."""
    stmt = _kept_sql(False, agent_id is not None, end_reason is not None, limit is not None)
    params = {**_params(org_id, start, end, agent_id, end_reason), "limit": limit}
    ended = SessionStatus.ENDED
    found = []
    with _collector_paused():
        for row in sql.tuples(conn, stmt, params):
            values = dict(zip((*_COLUMNS, "stays"), row, strict=True))
            stays = _stays(values.pop("stays"))
            for flag in ("abandoned", "not_routed"):
                values[flag] = bool(values[flag])
            if values["answered_question"] is not None:
                values["answered_question"] = bool(values["answered_question"])
            found.append(
                SessionMetrics(**values, status=ended, wait_by_queue=waits(stays)[0], stays=stays)
            )
    return found


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
    found: dict[str, list[tuple[int, int | None, str, str | None]]] = defaultdict(list)
    params = {"org_id": org_id, "start": start, "end": end, "since": start - _LONGEST_SPELL_MS}
    for agent_id, at, until, session_id, event in sql.tuples(conn, _HANDLING, params):
        found[agent_id].append((at, until, session_id, event))
    return found


_HANDLING = Sql(
    """
    SELECT h.agent_id, h.at, h.left_at, h.session_id, h.event
    FROM session_history h JOIN agents a ON a.id = h.agent_id
    WHERE a.org_id = :org_id AND h.status = 'Active' AND h.at >= :since AND h.at < :end
      AND (h.left_at IS NULL OR h.left_at > :start)
    ORDER BY h.agent_id, h.at
    """
)


# An Active spell longer than this before a report's start is not looked for (an Active
# session goes Inactive when its customer is idle, after minutes).
_LONGEST_SPELL_MS = 7 * 24 * 3_600_000
