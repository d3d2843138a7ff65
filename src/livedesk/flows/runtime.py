"""The interpreter's runtime inside a unit of work: records, platform events, session actions.
Flows run with the permissions of the org (system context); what they publish is schema-checked."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select

from livedesk.auth.principals import AgentPrincipal
from livedesk.errors import AppError, invalid_request
from livedesk.events.filters import Filter
from livedesk.events.publishing import publish_in_unit
from livedesk.flows.expressions import text_of
from livedesk.kit import jsonutil
from livedesk.kit.db import undoable
from livedesk.models import Conversation, MessagingSession
from livedesk.orgs import repository as org_repository
from livedesk.records import objects
from livedesk.records import repository as records
from livedesk.streams import repository as stream_repository
from livedesk.streams.service import event_recipient
from livedesk.toolkit.actions import Toolkit
from livedesk.toolkit.schemas import SessionAction


class DbRuntime:
    def __init__(
        self,
        conn: Connection,
        org_id: str,
        owner: AgentPrincipal | None,
        now: int,
        toolkit: Toolkit | None = None,
    ) -> None:
        """`owner`: the agent running the flow, with `toolkit` (a customer's flow has neither
        and cannot act on sessions)."""
        self.conn = conn
        self.org_id = org_id
        self.owner = owner
        self.now = now
        self.toolkit = toolkit

    def get_records(self, object_name: str, where: dict[str, Any]) -> list[dict[str, Any]]:
        if object_name == "MessagingSession":
            return self._sessions(where)
        if set(where) == {"id"}:
            row = records.get(self.conn, text_of(where["id"]))
            found = [row] if row is not None and row.org_id == self.org_id else []
        else:
            found = records.query(
                self.conn, self.org_id, object_name, {k: text_of(v) for k, v in where.items()}, 50
            )
        return [{"id": r.id, **r.fields} for r in found if r.object == object_name]

    def _sessions(self, where: dict[str, Any]) -> list[dict[str, Any]]:
        columns = {
            "id": MessagingSession.id,
            "CaseId": MessagingSession.case_id,
            "ConversationId": MessagingSession.conversation_id,
            "Status": MessagingSession.status,
        }
        query = (
            select(MessagingSession)
            .join(Conversation, Conversation.id == MessagingSession.conversation_id)
            .where(Conversation.org_id == self.org_id)  # system context, of its own org only
            .order_by(MessagingSession.started_at.desc())
            .limit(50)
        )
        for name, value in where.items():
            if name not in columns:
                raise ValueError(f"MessagingSession has no field {name!r} to filter on")
            query = query.where(columns[name] == text_of(value))
        return [
            {
                "id": r.id,
                "CaseId": r.case_id,
                "ConversationId": r.conversation_id,
                "Status": r.status,
                "AgentId": r.agent_id,
            }
            for r in self.conn.execute(query)
        ]

    def create_record(self, object_name: str, fields: dict[str, Any]) -> str:
        config = org_repository.org_config(self.conn, self.org_id)
        if object_name.endswith("__e"):
            schema = objects.event_fields(config, object_name)
            if schema is None:
                raise ValueError(f"there is no event type {object_name}")
            values = objects.checked(schema, object_name, fields, partial=False)
            publisher = {"role": "Flow", "subject": self.owner.agent_id if self.owner else "flow"}
            replay_id = publish_in_unit(
                self.conn, self.org_id, object_name, values, publisher, self.now
            )
            return str(replay_id)
        if objects.object_fields(config, object_name) is None:
            raise ValueError(f"there is no object {object_name}")
        return records.create(self.conn, self.org_id, object_name, fields, self.now)

    def update_record(self, object_name: str, record_id: str, fields: dict[str, Any]) -> None:
        row = records.get(self.conn, record_id)
        if row is None or row.org_id != self.org_id or row.object != object_name:
            raise ValueError(f"there is no {object_name} {record_id}")
        records.update_fields(self.conn, row.id, {**row.fields, **fields}, self.now)

    def act(self, action: str, inputs: dict[str, Any]) -> Any:
        """A Conversation Toolkit action, as the agent running the flow: the same action, checks
        and refusals as the agent API's (a refusal is the flow's fault)."""
        if self.owner is None or self.toolkit is None:
            raise ValueError(f"{action} needs an agent running the flow")
        values = {k: text_of(v) or None for k, v in inputs.items()}
        session_id = values.pop("sessionId", None) or ""
        try:
            request = SessionAction.model_validate({**values, "actionType": action})
        except ValidationError as exc:
            raise ValueError(invalid_request(exc.errors()).message) from None
        try:
            # A refused action leaves nothing behind (what it wrote or told before refusing),
            # as the agent API's rolled-back unit of work does.
            with undoable(self.conn):
                result = self.toolkit.perform(
                    self.conn, self.owner, session_id, request, self.now, automated_by="flow"
                )
        except AppError as exc:
            raise ValueError(exc.message) from None
        return result.status

    def find_event(
        self, event_type: str, where: dict[str, Any], since_ms: int, after_replay: int
    ) -> tuple[int, dict[str, Any]] | None:
        wanted = Filter(tuple((k, text_of(v)) for k, v in where.items()))
        cursor = after_replay
        while True:
            rows = stream_repository.events_after(
                self.conn, event_recipient(self.org_id, event_type), cursor, 500
            )
            for seq, _, data in rows:
                event = jsonutil.loads(data)
                if event["publishedAt"] >= since_ms and wanted.matches(event["fields"]):
                    return seq, event["fields"]
            if len(rows) < 500:
                return None
            cursor = rows[-1][0]
