"""Messaging components in sessions, inside a unit of work: a question is remembered when it is
sent (by an agent through `messages.send_as_agent`, or by the End Conversation auto-response),
and the customer's answer — customer input through `ConversationService.post_message` — is
checked against what was offered, recorded once and stored on the session (and on its Case where
the component says so). See `components.py` for the entries and the checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from livedesk.conversations import components, repository
from livedesk.conversations.components import Checked
from livedesk.conversations.entries import SYSTEM, EntryType, NewEntry, Sender
from livedesk.conversations.lifecycle import SessionSettled
from livedesk.conversations.recorder import Thread
from livedesk.errors import bad_request, conflict, not_found
from livedesk.kit.db import DbRow
from livedesk.kit.effects import tell
from livedesk.kit.ids import new_id
from livedesk.models import SessionStatus
from livedesk.models.rows import ConversationRow, SessionRow
from livedesk.orgs import repository as org_repository
from livedesk.orgs.schemas import ComponentConfig, StoredDeployment
from livedesk.records import repository as records

HOUR_MS = 3_600_000
ANSWER_TYPES = {"ChoicesResponseMessage": "choices", "FormResponseMessage": "form"}


def prepare(
    component: ComponentConfig, session: SessionRow, identifier: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what is offered, the question's message payload) for this session."""
    spec = components.offered(component, session.routing_attributes, session.queue_name)
    return spec, components.question(identifier, spec)


def remember(
    conn: Connection,
    org_id: str,
    session: SessionRow,
    spec: dict[str, Any],
    identifier: str,
    sent_by_role: str,
    now: int,
) -> None:
    """The question `identifier` was sent in `session`: counted, and answerable."""
    repository.insert_question(
        conn,
        conversation_id=session.conversation_id,
        question_id=identifier,
        org_id=org_id,
        session_id=session.id,
        component=spec["name"],
        kind=spec["type"],
        spec=spec,
        sent_by_role=sent_by_role,
        sent_at=now,
    )


def end_of_session(
    conn: Connection, thread: Thread, session: SessionRow, deployment: StoredDeployment, now: int
) -> NewEntry | None:
    """The End Conversation auto-response's component (the survey): once per session, and only
    to a session an agent accepted."""
    name = deployment.auto_responses.end_conversation_component
    if name is None or session.accepted_at is None:
        return None
    if repository.component_sent(conn, session.id, name, SYSTEM.role):
        return None
    component = org_repository.org_config(conn, thread.org_id).component(name)
    if component is None:
        return None
    identifier = new_id()
    spec, payload = prepare(component, session, identifier)
    remember(conn, thread.org_id, session, spec, identifier, SYSTEM.role, now)
    return NewEntry(identifier, EntryType.MESSAGE, SYSTEM, payload)


@dataclass(frozen=True)
class Answer:
    """A checked answer to one question of the conversation."""

    question: DbRow
    session: SessionRow  # the question's
    kind: str
    checked: Checked


def check(
    conn: Connection,
    conversation: ConversationRow,
    message_type: str,
    in_reply_to: str | None,
    selected: list[dict[str, Any]] | None,
    values: dict[str, Any] | None,
    now: int,
) -> Answer:
    """The answer, if its question was asked in this conversation, is not answered yet, may
    still be answered and gets what it offered; otherwise the refusal (nothing has changed)."""
    if in_reply_to is None:
        raise bad_request(
            "missing_in_reply_to", "An answer names its question: `inReplyToMessageId`."
        )
    question = repository.get_question(conn, conversation.id, in_reply_to)
    if question is None:
        raise not_found("question_not_found", "There is no such question in this conversation.")
    kind = ANSWER_TYPES[message_type]
    if question.kind != kind:
        expected = next(t for t, k in ANSWER_TYPES.items() if k == question.kind)
        raise bad_request(
            "wrong_answer_type", f"That question is answered with a {expected}.", expected=expected
        )
    if question.answer_id is not None:
        raise conflict(
            "already_answered",
            "This question has been answered already.",
            answerId=question.answer_id,
        )
    session = repository.get_session(conn, question.session_id)
    assert session is not None  # (a foreign key)
    if session.status == SessionStatus.ENDED and session.ended_at is not None:
        hours = int(question.spec.get("answer_window_hours", 24))
        if now > session.ended_at + hours * HOUR_MS:
            raise conflict(
                "answer_window_closed",
                f"This question could be answered for {hours} h after the chat ended; "
                "that time is over.",
            )
    if kind == "choices":
        if selected is None:
            raise bad_request(
                "missing_choices_response", "A ChoicesResponseMessage needs `choicesResponse`."
            )
        checked = components.check_choices(question.spec, selected)
    else:
        checked = components.check_form(question.spec, values or {})
    return Answer(question, session, kind, checked)


def continues(answer: Answer) -> SessionRow | None:
    """The ended session that the answer continues in a new session of the conversation (in
    its queue, with its pre-chat) when none is open: only for an option that says so
    (`reopens`, such as "No" to "Have I answered your question?"). Any other answer is recorded
    in the ended session and never opens one."""
    session = answer.session
    if answer.checked.reopens and session.status == SessionStatus.ENDED:
        return session
    return None


def record_answer(
    conn: Connection, thread: Thread, customer: Sender, answer: Answer, message_id: str, now: int
) -> list[NewEntry]:
    """The answer entry (both sides see it), stored on the session and on its Case."""
    question, checked = answer.question, answer.checked
    case_id = _store_on_case(conn, thread.org_id, answer.session.case_id, checked, now)
    stored = repository.set_answer(
        conn,
        question.conversation_id,
        question.question_id,
        answer_id=message_id,
        answered_at=now,
        answer=checked.values,
        selection=checked.selection,
        rating=checked.rating,
        case_id=case_id,
    )
    if not stored:  # another answer got there first
        raise conflict("already_answered", "This question has been answered already.")
    tell(conn, SessionSettled(thread.org_id, answer.session.id))  # its figures may change
    payload = components.answer(message_id, answer.kind, question.question_id, checked)
    return [NewEntry(message_id, EntryType.MESSAGE, customer, payload)]


def _store_on_case(
    conn: Connection, org_id: str, case_id: str | None, checked: Checked, now: int
) -> str | None:
    if not checked.case_fields or case_id is None:
        return None
    row = records.get(conn, case_id)
    if row is None or row.org_id != org_id:
        return None
    records.update_fields(conn, row.id, {**row.fields, **checked.case_fields}, now)
    return str(row.id)
