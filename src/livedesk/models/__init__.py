"""All tables. Features reference each other, so one package holds them and avoids import cycles.

Times are integer milliseconds since the epoch (MIAW's own unit), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from livedesk.kit.db import Base

JsonDict = dict[str, Any]
# End users' (`u:…`) and agents' (`a:…`) streams, as opposed to platform events' (`e:…`).
PERSONAL_STREAMS = "recipient NOT LIKE 'e:%'"


class Org(Base):
    __tablename__ = "orgs"
    id: Mapped[str] = mapped_column(String(18), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[JsonDict] = mapped_column(
        JSON, default=dict, doc="objects, event types, permission sets"
    )


class Deployment(Base):
    """A chat channel's configuration; `config` holds the validated org-file section."""

    __tablename__ = "deployments"
    __table_args__ = (UniqueConstraint("org_id", "developer_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    developer_name: Mapped[str] = mapped_column(String(80))
    config: Mapped[JsonDict] = mapped_column(JSON)


class Queue(Base):
    __tablename__ = "queues"
    __table_args__ = (UniqueConstraint("org_id", "name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    name: Mapped[str] = mapped_column(String(80))
    config: Mapped[JsonDict] = mapped_column(JSON)


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (UniqueConstraint("org_id", "username"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    username: Mapped[str] = mapped_column(String(80))
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    capacity: Mapped[int] = mapped_column(Integer)
    queues: Mapped[list[str]] = mapped_column(JSON)
    presence: Mapped[str] = mapped_column(String(16))
    presence_changed_at: Mapped[int] = mapped_column(BigInteger)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    idle_since: Mapped[int] = mapped_column(
        BigInteger, default=0, doc="when its last work ended or it came online: longest idle first"
    )
    stream_seen_at: Mapped[int | None] = mapped_column(
        BigInteger,
        doc="when a process last saw an agent stream of hers open (agents/liveness.py); NULL: "
        "none since she was last found gone, or never",
    )


class EndUser(Base):
    __tablename__ = "end_users"
    __table_args__ = (UniqueConstraint("org_id", "external_subject"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"))
    kind: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(200))
    device_id: Mapped[str | None] = mapped_column(String(200))
    external_subject: Mapped[str | None] = mapped_column(
        String(800), doc="verified users: `<issuer>|<sub>` of their identity token"
    )
    created_at: Mapped[int] = mapped_column(BigInteger)


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_end_user", "end_user_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"))
    end_user_id: Mapped[str] = mapped_column(ForeignKey("end_users.id"))
    status: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    prechat: Mapped[JsonDict] = mapped_column(JSON)
    created_at: Mapped[int] = mapped_column(BigInteger)
    closed_at: Mapped[int | None] = mapped_column(BigInteger)
    last_entry_at: Mapped[int] = mapped_column(BigInteger)
    session_count: Mapped[int] = mapped_column(Integer)


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class SessionStatus(StrEnum):
    """A messaging session's status (conversations.lifecycle moves it; `Error` is MIAW's, never
    set by LiveDesk, and accepted in filters)."""

    NEW = "New"
    WAITING = "Waiting"
    ACTIVE = "Active"
    INACTIVE = "Inactive"
    ENDED = "Ended"
    ERROR = "Error"


OPEN_SESSION_STATUSES = (
    SessionStatus.NEW,
    SessionStatus.WAITING,
    SessionStatus.ACTIVE,
    SessionStatus.INACTIVE,
)


class MessagingSession(Base):
    __tablename__ = "messaging_sessions"
    __table_args__ = (
        UniqueConstraint("conversation_id", "number"),
        Index("ix_messaging_sessions_status", "status"),
        Index("ix_messaging_sessions_agent", "agent_id", "status"),
        Index("ix_messaging_sessions_case", "case_id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    number: Mapped[int] = mapped_column(Integer, doc="1 for the conversation's first session")
    status: Mapped[str] = mapped_column(String(16))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("agents.id"))
    queue_name: Mapped[str | None] = mapped_column(String(80))
    routing_attributes: Mapped[JsonDict] = mapped_column(JSON)
    started_at: Mapped[int] = mapped_column(BigInteger)
    accepted_at: Mapped[int | None] = mapped_column(BigInteger)
    ended_at: Mapped[int | None] = mapped_column(BigInteger)
    ended_by_role: Mapped[str | None] = mapped_column(String(16))
    queued_at: Mapped[int | None] = mapped_column(BigInteger, doc="entered its queue (FIFO)")
    priority: Mapped[int | None] = mapped_column(Integer, doc="its queue's; 1 is most urgent")
    work_weight: Mapped[int | None] = mapped_column(Integer, doc="capacity units it takes")
    queue_position: Mapped[int | None] = mapped_column(Integer, doc="last position announced")
    reason_for_not_routing: Mapped[str | None] = mapped_column(String(40))
    case_id: Mapped[str | None] = mapped_column(String(36))
    inactive_at: Mapped[int | None] = mapped_column(BigInteger)
    file_request_record_id: Mapped[str | None] = mapped_column(
        String(36), doc="initFileTransfer: the record the next customer file is attached to"
    )
    end_reason: Mapped[str | None] = mapped_column(String(40), doc="AutoEnded, …")


class AgentWork(Base):
    """One offer of one session to one agent: Assigned → Opened (accepted) → Closed, or
    Declined / TimedOut / Cancelled. Assigned and Opened work holds the agent's capacity."""

    __tablename__ = "agent_work"
    __table_args__ = (
        Index("ix_agent_work_agent", "agent_id", "status"),
        Index("ix_agent_work_session", "session_id", "status"),
        Index("ix_agent_work_queue_answered", "queue_name", "answered_at"),
        # The database itself refuses a second live offer of one session.
        Index(
            "uq_agent_work_live_session",
            "session_id",
            unique=True,
            sqlite_where=text("status IN ('Assigned', 'Opened')"),
            postgresql_where=text("status IN ('Assigned', 'Opened')"),
        ),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    session_id: Mapped[str] = mapped_column(ForeignKey("messaging_sessions.id"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    queue_name: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    weight: Mapped[int] = mapped_column(Integer)
    offered_at: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[int | None] = mapped_column(BigInteger)
    answered_at: Mapped[int | None] = mapped_column(BigInteger)
    waited_ms: Mapped[int | None] = mapped_column(BigInteger, doc="queue wait, for EWT")
    closed_at: Mapped[int | None] = mapped_column(BigInteger)


class Timer(Base):
    """Something to do at a due time, claimed by the scheduler; survives restarts."""

    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("kind", "subject_id"),
        Index("ix_timers_due", "due_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(36))
    due_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)


class Record(Base):
    """A row of a business object: Case, Contact, or a custom object of the org file."""

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_object", "org_id", "object", "created_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    object: Mapped[str] = mapped_column(String(80))
    fields: Mapped[JsonDict] = mapped_column(JSON)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class ConversationEntry(Base):
    """Anything said or done in a conversation; `transcripted_at` is unique within a conversation."""

    __tablename__ = "conversation_entries"
    __table_args__ = (
        UniqueConstraint("conversation_id", "identifier"),
        Index("ix_conversation_entries_time", "conversation_id", "transcripted_at"),
    )
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(36))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    session_id: Mapped[str | None] = mapped_column(String(36))
    entry_type: Mapped[str] = mapped_column(String(40))
    sender_role: Mapped[str] = mapped_column(String(16))
    sender_subject: Mapped[str] = mapped_column(String(80))
    sender_display_name: Mapped[str] = mapped_column(String(200))
    payload: Mapped[JsonDict] = mapped_column(JSON)
    client_timestamp: Mapped[int | None] = mapped_column(BigInteger)
    transcripted_at: Mapped[int] = mapped_column(BigInteger)
    # What sent it automatically on an agent's behalf (`flow`); reports never count it as hers.
    automated_by: Mapped[str | None] = mapped_column(String(16))


class StreamHead(Base):
    """The last sequence number given out on one recipient's stream (the row is its write lock)."""

    __tablename__ = "stream_heads"
    recipient: Mapped[str] = mapped_column(String(120), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)


class StreamEvent(Base):
    """One event of one recipient's durable stream; SSE resumes by reading these."""

    __tablename__ = "stream_events"
    __table_args__ = (
        # Stream retention deletes end users' and agents' events by age; platform events
        # (`e:…`) have their own retention by type and stay out of this index.
        Index(
            "ix_stream_events_personal_age",
            "created_at",
            sqlite_where=text(PERSONAL_STREAMS),
            postgresql_where=text(PERSONAL_STREAMS),
        ),
    )
    recipient: Mapped[str] = mapped_column(String(120), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event: Mapped[str] = mapped_column(String(60))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)


class RevokedToken(Base):
    __tablename__ = "revoked_tokens"
    jti: Mapped[str] = mapped_column(String(40), primary_key=True)
    expires_at: Mapped[int] = mapped_column(BigInteger)


class AgentToken(Base):
    """An access token issued to an agent, so that all of hers can be revoked at once (when
    `livedesk apply` demotes her or changes her password)."""

    __tablename__ = "agent_tokens"
    __table_args__ = (Index("ix_agent_tokens_agent", "agent_id"),)
    jti: Mapped[str] = mapped_column(String(40), primary_key=True)
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    expires_at: Mapped[int] = mapped_column(BigInteger)


class Attachment(Base):
    """A file sent in a conversation; the bytes live in storage under `sha256`."""

    __tablename__ = "attachments"
    __table_args__ = (
        Index("ix_attachments_conversation", "conversation_id", "created_at"),
        Index("ix_attachments_record", "record_id"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    entry_identifier: Mapped[str] = mapped_column(String(36))
    uploaded_by_role: Mapped[str] = mapped_column(String(16))
    uploaded_by: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200), doc="for display only, never a path")
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[int] = mapped_column(BigInteger)


class FlowInterview(Base):
    """One run of a flow, saved after every step (a restart resumes it)."""

    __tablename__ = "flow_interviews"
    __table_args__ = (Index("ix_flow_interviews_waiting", "org_id", "waiting_event_type"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    flow: Mapped[str] = mapped_column(String(80))
    owner_role: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))
    waiting_event_type: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[JsonDict] = mapped_column(JSON)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class IntegrationClient(Base):
    """A server-to-server client (a bot platform) that signs identity tokens for its users."""

    __tablename__ = "integration_clients"
    __table_args__ = (UniqueConstraint("org_id", "name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    name: Mapped[str] = mapped_column(String(80), doc="its tokens' `kid` and `iss`")
    public_key: Mapped[str] = mapped_column(Text)
    algorithm: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[int] = mapped_column(BigInteger)


class SessionAnswer(Base):
    """A messaging component sent in a session (conversations/components.py) and, once the
    customer answered it, her answer: one row per question, so "sent" and "answered" are both
    counted (a survey's response rate). `spec` is the component as it was offered; `selection`
    (a choices component's chosen value) and `rating` (a form's first rating) are columns, for
    reports."""

    __tablename__ = "session_answers"
    __table_args__ = (
        Index("ix_session_answers_session", "session_id"),
        Index("ix_session_answers_component", "org_id", "component", "sent_at"),
    )
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(36), primary_key=True, doc="its entry's id")
    org_id: Mapped[str] = mapped_column(ForeignKey("orgs.id"))
    session_id: Mapped[str] = mapped_column(ForeignKey("messaging_sessions.id"))
    component: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), doc="choices or form")
    spec: Mapped[JsonDict] = mapped_column(JSON, doc="the component as offered (rendered)")
    sent_by_role: Mapped[str] = mapped_column(String(16), doc="Agent or System")
    sent_at: Mapped[int] = mapped_column(BigInteger)
    answer_id: Mapped[str | None] = mapped_column(String(36), doc="the answer's entry id")
    answered_at: Mapped[int | None] = mapped_column(BigInteger)
    answer: Mapped[JsonDict | None] = mapped_column(JSON)
    selection: Mapped[str | None] = mapped_column(String(80))
    rating: Mapped[int | None] = mapped_column(Integer)
    case_id: Mapped[str | None] = mapped_column(String(36), doc="the Case it was stored on")


class SessionHistory(Base):
    """Every status a session entered, in order, written by `conversations.lifecycle` (its one
    writer) with the queue and agent it had then: reports read waits per queue across transfers,
    inactive spells and agents' handling time from it."""

    __tablename__ = "session_history"
    __table_args__ = (
        Index("ix_session_history_session", "session_id", "seq"),
        Index("ix_session_history_agent", "agent_id", "at"),
    )
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(18))
    session_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[int] = mapped_column(BigInteger)
    event: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), doc="the status it entered")
    queue_name: Mapped[str | None] = mapped_column(String(80))
    agent_id: Mapped[str | None] = mapped_column(String(36))
    left_at: Mapped[int | None] = mapped_column(
        BigInteger, doc="when it entered its next status (NULL: not yet)"
    )


class PresenceHistory(Base):
    """Every presence an agent entered, written by `agents.service.change_presence` (its one
    writer): reports read time in each presence and occupancy from it."""

    __tablename__ = "presence_history"
    __table_args__ = (Index("ix_presence_history_agent", "agent_id", "at"),)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(18))
    agent_id: Mapped[str] = mapped_column(String(36))
    at: Mapped[int] = mapped_column(BigInteger)
    presence: Mapped[str] = mapped_column(String(16))


class SessionReport(Base):
    """One ended session's figures (`reports.metrics.SessionMetrics`, its fields by name), kept
    by `reports.recording` in the unit that ended it and again when a survey answer arrives
    later, so reports read these rows instead of entries. Durations are seconds; `counted_at` is
    when it entered its first queue (or asked, if never queued): the day and hour it counts on."""

    __tablename__ = "session_reports"
    __table_args__ = (Index("ix_session_reports_counted", "org_id", "counted_at"),)
    session_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(18))
    counted_at: Mapped[int] = mapped_column(BigInteger)
    deployment: Mapped[str] = mapped_column(String(80))
    first_queue: Mapped[str | None] = mapped_column(String(80))
    agent: Mapped[str | None] = mapped_column(String(36), doc="the agent id who accepted it last")
    queued_at: Mapped[int | None] = mapped_column(BigInteger)
    accepted_at: Mapped[int | None] = mapped_column(BigInteger)
    ended_at: Mapped[int | None] = mapped_column(BigInteger)
    wait: Mapped[float | None] = mapped_column(Float)
    first_response: Mapped[float | None] = mapped_column(Float)
    customer_first_response: Mapped[float | None] = mapped_column(Float)
    average_response: Mapped[float | None] = mapped_column(Float)
    longest_response: Mapped[float | None] = mapped_column(Float)
    handle: Mapped[float | None] = mapped_column(Float)
    inactive: Mapped[float] = mapped_column(Float)
    customer_messages: Mapped[int] = mapped_column(Integer)
    agent_messages: Mapped[int] = mapped_column(Integer)
    automated_messages: Mapped[int] = mapped_column(Integer)
    transfers: Mapped[int] = mapped_column(Integer)
    end_reason: Mapped[str | None] = mapped_column(String(40))
    ended_by_role: Mapped[str | None] = mapped_column(String(16))
    abandoned: Mapped[bool] = mapped_column(Boolean)
    abandoned_wait: Mapped[float | None] = mapped_column(Float)
    not_routed: Mapped[bool] = mapped_column(Boolean)
    reason_for_not_routing: Mapped[str | None] = mapped_column(String(40))
    csat: Mapped[int | None] = mapped_column(Integer)
    answered_question: Mapped[bool | None] = mapped_column(Boolean)
    stays: Mapped[list[JsonDict]] = mapped_column(
        JSON, doc="each queue it waited in: queue, enteredAt, wait, outcome"
    )
