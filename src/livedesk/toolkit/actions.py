"""Each toolkit action once, with its checks, inside the caller's unit of work.

The agent API runs `Toolkit.perform` in a unit of work of its own; a flow runs it inside its
interview's unit, as the agent running the flow. Both get the same outcome and the same refusals
(`AppError`s; a flow turns them into its fault path). Starting a customer flow belongs to flows,
which sit above the toolkit: they hand it in as `CustomerFlows`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection

from livedesk.auth.principals import AgentPrincipal
from livedesk.conversations import answers, entries, inactivity, messages, sessions
from livedesk.conversations import repository as conversations
from livedesk.conversations.access import access_session
from livedesk.conversations.entries import EntryType, NewEntry
from livedesk.conversations.recorder import record, thread_of
from livedesk.errors import bad_request, conflict, not_found
from livedesk.kit.ids import canonical_uuid, new_id
from livedesk.models import SessionStatus
from livedesk.models.rows import ConversationRow, SessionRow
from livedesk.orgs import repository as org_repository
from livedesk.records import repository as records
from livedesk.streams.notices import AgentEvent, AgentInputSet, notify_agent
from livedesk.toolkit.schemas import ACTION_TYPES, SUPPORTED_ACTIONS, ActionResult, SessionAction
from livedesk.toolkit.transfer import transfer


class CustomerFlows(Protocol):
    """Customer flows, as the toolkit needs them (implemented by `flows.customer`)."""

    def exists(self, conn: Connection, org_id: str, name: str) -> bool: ...

    def launch(
        self,
        conn: Connection,
        org_id: str,
        end_user_id: str,
        link_text: str,
        identifier: str,
        now: int,
    ) -> dict[str, Any] | None:
        """Start the flow an `lwc:flow:` link names; the message payload to send instead of the
        text, or None when the text names no customer flow."""
        ...


@dataclass(frozen=True)
class Toolkit:
    max_text_chars: int
    customer_flows: CustomerFlows

    def perform(
        self,
        conn: Connection,
        p: AgentPrincipal,
        session_id: str,
        action: SessionAction,
        now: int,
        automated_by: str | None = None,
    ) -> ActionResult:
        """Run `action` on the session named by `session_id` (its id, its conversation's id or
        a linked record's id) as agent `p`, who must be assigned to it; `automated_by` marks
        what it sends as sent automatically (`flow`)."""
        kind = action.actionType
        if kind not in ACTION_TYPES:
            raise bad_request(
                "unknown_action",
                f"{kind[:40]!r} is not an action; use one of {', '.join(ACTION_TYPES)}.",
            )
        if kind not in SUPPORTED_ACTIONS:
            raise bad_request(
                "unsupported_action",
                f"{kind!r} is not available on this server yet; "
                f"available: {', '.join(SUPPORTED_ACTIONS)}.",
            )
        session, conversation = access_session(conn, p, session_id, act=True)
        act = _Act(self, conn, p, session, conversation, now, automated_by)
        status, entry_id = getattr(act, kind)(action)
        return ActionResult(actionType=kind, sessionId=session.id, entryId=entry_id, status=status)

    def checked_text(self, message: str | None) -> str:
        text = message or ""
        if not text.strip():
            raise bad_request("empty_message", "A message needs some text.")
        if len(text) > self.max_text_chars:
            raise bad_request(
                "message_too_long",
                f"A message may have at most {self.max_text_chars} characters.",
            )
        return text


@dataclass
class _Act:
    """One action on one session; each method returns (status, entry id or None)."""

    kit: Toolkit
    conn: Connection
    p: AgentPrincipal
    session: SessionRow
    conversation: ConversationRow
    now: int
    automated_by: str | None

    def sendMessage(self, action: SessionAction) -> tuple[str, str | None]:
        text = self.kit.checked_text(action.message)
        identifier = canonical_uuid(action.id) if action.id is not None else new_id()
        if identifier is None:
            raise bad_request("invalid_message_id", "`id` must be a UUID.")
        self._send(identifier, text)
        return "sent", identifier

    def launchFlow(self, action: SessionAction) -> tuple[str, str | None]:
        name = action.flowName
        if not name:
            raise bad_request("missing_flow_name", "Name the flow to launch: `flowName`.")
        if not self.kit.customer_flows.exists(self.conn, self.p.org_id, name):
            raise not_found("flow_not_found", f"There is no customer flow {name[:80]!r}.")
        identifier = new_id()
        self._send(identifier, f"lwc:flow:{name}&recordId={action.recordId or ''}")
        return "launched", identifier

    def sendComponent(self, action: SessionAction) -> tuple[str, str | None]:
        """Send a messaging component of the org file (a question with choices, or a short
        form), its merge fields filled for this session; the customer's answer is stored on the
        session."""
        name = action.component
        if not name:
            raise bad_request("missing_component", "Name the component to send: `component`.")
        component = org_repository.org_config(self.conn, self.p.org_id).component(name)
        if component is None:
            raise not_found("component_not_found", f"There is no component {name[:80]!r}.")
        identifier = new_id()
        spec, payload = answers.prepare(component, self.session, identifier)
        self._send_payload(identifier, payload)
        answers.remember(
            self.conn, self.p.org_id, self.session, spec, identifier, "Agent", self.now
        )
        return "sent", identifier

    def setAgentInput(self, action: SessionAction) -> tuple[str, str | None]:
        """Put text into this agent's own input box (an `AgentInputSet` event on its stream);
        nothing reaches the customer."""
        text = self.kit.checked_text(action.message)
        messages.check_agent_can_send(self.session, self.conversation)
        data: AgentInputSet = {
            "sessionId": self.session.id,
            "conversationId": self.conversation.id,
            "text": text,
            "setAtCursor": bool(action.setAtCursor),
        }
        notify_agent(self.conn, self.p.agent_id, AgentEvent.AGENT_INPUT_SET, data, self.now)
        return "set", None

    def endChat(self, _action: SessionAction) -> tuple[str, str | None]:
        if sessions.is_open(self.session):
            thread = thread_of(self.conversation, self.session)
            sessions.end_session(self.conn, thread, self.session, "Agent", self.now)
        return SessionStatus.ENDED, None

    def markInactive(self, _action: SessionAction) -> tuple[str, str | None]:
        if self.session.status != SessionStatus.ACTIVE:
            raise conflict("session_not_active", "Only an active session can be made inactive.")
        thread = thread_of(self.conversation, self.session)
        inactivity.make_inactive(self.conn, thread, self.session, "mark_inactive", self.now)
        return SessionStatus.INACTIVE, None

    def transfer(self, action: SessionAction) -> tuple[str, str | None]:
        transfer(
            self.conn,
            self.p,
            self.session,
            self.conversation,
            action.queue or None,
            action.agentId or None,
            self.now,
        )
        return SessionStatus.WAITING, None

    def initFileTransfer(self, action: SessionAction) -> tuple[str, str | None]:
        """Ask the customer for a file that will be attached to the record too."""
        if not action.recordId:
            raise bad_request("missing_record_id", "Name the record the file is for: `recordId`.")
        found = canonical_uuid(action.recordId)
        row = records.get(self.conn, found) if found is not None else None
        if row is None or row.org_id != self.p.org_id:
            raise not_found("record_not_found", "There is no such record to attach the file to.")
        if self.session.status != SessionStatus.ACTIVE:
            raise conflict(
                "session_not_active", "Files can be requested in an active session only."
            )
        conversations.update_session(self.conn, self.session.id, file_request_record_id=row.id)
        identifier = new_id()
        prompt = action.message or "Please upload the requested file."
        payload = entries.file_request(identifier, prompt, row.id)
        sender = messages.agent_sender(self.conn, self.p.agent_id)
        thread = thread_of(self.conversation, self.session)
        new = NewEntry(
            identifier, EntryType.MESSAGE, sender, payload, automated_by=self.automated_by
        )
        record(self.conn, thread, [new], self.now)
        return "requested", identifier

    def _send(self, identifier: str, text: str) -> None:
        # `lwc:flow:<Flow>&recordId=…` starts that flow for the customer (the seed convention).
        payload = self.kit.customer_flows.launch(
            self.conn, self.p.org_id, self.conversation.end_user_id, text, identifier, self.now
        ) or entries.text_message(identifier, text)
        self._send_payload(identifier, payload)

    def _send_payload(self, identifier: str, payload: dict[str, Any]) -> None:
        """A message of any type as the agent (or the flow running as her)."""
        messages.send_as_agent(
            self.conn,
            self.session,
            self.conversation,
            self.p.agent_id,
            identifier,
            payload,
            self.now,
            self.automated_by,
        )
