"""The rows of the hot tables as named types: what the message path reads (kit.sql builds these
tuples; their fields are the tables' columns, in order, which tests/kit/test_rows.py checks)."""

from __future__ import annotations

from typing import Any, NamedTuple


class ConversationRow(NamedTuple):
    id: str
    org_id: str
    deployment_id: str
    end_user_id: str
    status: str
    language: str | None
    prechat: dict[str, Any]
    created_at: int
    closed_at: int | None
    last_entry_at: int
    session_count: int
    end_user_name: str  # joined from end_users


class SessionRow(NamedTuple):
    id: str
    conversation_id: str
    number: int
    status: str
    agent_id: str | None
    queue_name: str | None
    routing_attributes: dict[str, Any]
    started_at: int
    accepted_at: int | None
    ended_at: int | None
    ended_by_role: str | None
    queued_at: int | None
    priority: int | None
    work_weight: int | None
    queue_position: int | None
    reason_for_not_routing: str | None
    case_id: str | None
    inactive_at: int | None
    file_request_record_id: str | None
    end_reason: str | None


class EntryRow(NamedTuple):
    seq: int
    identifier: str
    conversation_id: str
    session_id: str | None
    entry_type: str
    sender_role: str
    sender_subject: str
    sender_display_name: str
    payload: dict[str, Any]
    client_timestamp: int | None
    transcripted_at: int
    automated_by: str | None
