"""Files in conversations: the customer's MIAW upload, the agent's upload, downloads with access
checks, and the files attached to a record (initFileTransfer)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection
from starlette.requests import Request

from livedesk.attachments import repository
from livedesk.attachments.schemas import (
    AttachmentList,
    AttachmentOut,
    FileMessageEntry,
    UploadResult,
)
from livedesk.attachments.sniff import sniff
from livedesk.attachments.storage import Incoming, LocalStorage
from livedesk.attachments.upload import Upload, discard, display_name, read_upload
from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.config import LimitSettings
from livedesk.conversations import entries, messages
from livedesk.conversations import repository as conversations
from livedesk.conversations.access import access_session, check_uuid
from livedesk.conversations.entries import Entry
from livedesk.conversations.reading import may_read_conversation
from livedesk.conversations.recorder import Thread
from livedesk.conversations.service import ConversationService
from livedesk.errors import AppError, bad_request, not_found
from livedesk.kit import jsonutil
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.kit.ids import canonical_uuid, new_id
from livedesk.kit.jsonbody import json_problem
from livedesk.orgs import repository as org_repository
from livedesk.orgs.schemas import AttachmentPolicy
from livedesk.records import repository as records
from livedesk.streams.notices import AgentEvent, FileReceived, notify_agent

DOWNLOAD_PATH = "/api/v1/attachments/{id}"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    name: str
    content_type: str
    incoming: Incoming


class AttachmentService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        limits: LimitSettings,
        storage: LocalStorage,
        conversations: ConversationService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._limits = limits
        self._storage = storage
        self._conversations = conversations

    # ------------------------------------------------------------------ customer (MIAW /file)

    async def customer_upload(
        self, p: EndUserPrincipal, conversation_id: str, request: Request
    ) -> Entry:
        check_uuid(conversation_id, "conversation")
        policy = await self._policy(p.deployment_id)
        upload, files = await self._receive(request, policy, "fileData", ("messageEntry",))
        try:
            body = _message_entry(upload.fields.get("messageEntry"))
            message_id = check_uuid(body.message.id, "message")
            stored = self._keep(files)
        except Exception:
            discard(self._storage, upload)
            raise
        meta = [(new_id(), f, digest) for f, digest in stored]
        payload = entries.attachments_message(message_id, body.message.text, _outs(meta))

        def also(conn: Connection, thread: Thread, entry: Entry, now: int) -> None:
            session = conversations.get_session(conn, thread.session_id or "")
            record_id = session.file_request_record_id if session is not None else None
            _insert_all(
                conn,
                meta,
                p.org_id,
                thread.conversation_id,
                entry,
                "EndUser",
                p.end_user_id,
                record_id,
                now,
            )
            if record_id is None or session is None:
                return
            conversations.update_session(conn, session.id, file_request_record_id=None)
            if thread.agent_id is None:
                return
            data: FileReceived = {
                "sessionId": session.id,
                "conversationId": thread.conversation_id,
                "recordId": record_id,
                "attachments": [o.model_dump() for o in _outs_model(meta, record_id)],
            }
            notify_agent(conn, thread.agent_id, AgentEvent.FILE_RECEIVED, data, now)

        return await self._conversations.post_message(
            p, conversation_id, message_id, payload, body, also
        )

    # ------------------------------------------------------------------ agent

    async def agent_upload(
        self, p: AgentPrincipal, session_id: str, request: Request
    ) -> UploadResult:
        check_uuid(session_id, "session")
        now = self._clock.now_ms()
        deployment_id = await self._db.read(
            lambda conn: _deployment_of_session(conn, p, session_id)
        )
        policy = await self._policy(deployment_id)
        upload, files = await self._receive(request, policy, "file", ("text",))
        try:
            text = upload.fields.get("text")
            if text is not None and len(text) > self._limits.max_text_chars:
                raise bad_request("message_too_long", "The text is too long.")
            if text is not None and "\x00" in text:
                raise bad_request("nul_character", "The text may not contain the NUL character.")
            stored = self._keep(files)
        except Exception:
            discard(self._storage, upload)
            raise
        identifier = new_id()
        meta = [(new_id(), f, digest) for f, digest in stored]

        def work(conn: Connection) -> None:
            session, conversation = access_session(conn, p, session_id, act=True)
            payload = entries.attachments_message(identifier, text, _outs(meta))
            entry = messages.send_as_agent(
                conn, session, conversation, p.agent_id, identifier, payload, now
            )
            assert entry is not None  # a new id: never sent before
            _insert_all(
                conn, meta, p.org_id, conversation.id, entry, "Agent", p.agent_id, None, now
            )

        await self._db.transaction(work)
        return UploadResult(entryId=identifier, attachments=_outs_model(meta, None))

    # ------------------------------------------------------------------ reading

    async def download(
        self, p: EndUserPrincipal | AgentPrincipal, attachment_id: str
    ) -> tuple[Path, Any]:
        """The file and its row, if `p` may see it (404 otherwise: nothing leaks)."""

        def work(conn: Connection) -> Any:
            found = canonical_uuid(attachment_id)
            row = repository.get_attachment(conn, found) if found is not None else None
            if row is None or not _may_see(conn, p, row):
                raise not_found("attachment_not_found", "There is no such attachment.")
            return row

        row = await self._db.read(work)
        path = self._storage.path_of(row.sha256)
        if not path.is_file():
            # Stored by a process whose data folder this one does not share (several hosts
            # without a shared `files/`: see the deployment guide): the operator's to fix.
            log.error("attachment %s: %s is not in this data folder", row.id, path)
            raise AppError(
                "file_unavailable",
                503,
                "This file cannot be read on this server: it was stored by another server of "
                "this deployment. Try again later, or ask the operator to share uploaded files.",
            )
        return path, row

    async def of_record(
        self, p: AgentPrincipal, object_name: str, record_id: str
    ) -> AttachmentList:
        """The record's files that came from conversations she may read (the record itself is
        readable by permission sets, its files by their conversation, as downloads are)."""

        def work(conn: Connection) -> list[Any]:
            found = canonical_uuid(record_id)
            row = records.get(conn, found) if found is not None else None
            if row is None or row.org_id != p.org_id or row.object != object_name:
                raise not_found(
                    "record_not_found", f"There is no {object_name[:40]} {record_id[:40]!r}."
                )
            return [f for f in repository.of_record(conn, record_id) if _may_see(conn, p, f)]

        rows = await self._db.read(work)
        return AttachmentList(attachments=[_out_of_row(r) for r in rows])

    # ------------------------------------------------------------------ helpers

    async def _policy(self, deployment_id: str) -> AttachmentPolicy:
        config = await self._db.read(
            lambda conn: org_repository.deployment_config(conn, deployment_id)
        )
        policy = config.attachments
        if not policy.enabled:
            raise AppError("attachments_not_enabled", 403, "This deployment does not take files.")
        return policy

    async def _receive(
        self,
        request: Request,
        policy: AttachmentPolicy,
        file_field: str,
        fields: tuple[str, ...],
    ) -> tuple[Upload, list[Received]]:
        """The upload, read by field name: `file_field` is the file, `fields` are kept."""
        upload = await read_upload(
            request.headers.get("content-type"),
            request.stream(),
            self._storage,
            file_field=file_field,
            fields=fields,
            max_file_bytes=policy.max_bytes,
            max_files=policy.max_files_per_message,
        )
        try:
            if not upload.files:
                raise bad_request(
                    "missing_file", f"Send the file in the form field `{file_field}`."
                )
            received = []
            for name, f in upload.files:
                if f.size == 0:
                    raise bad_request("empty_file", "The file is empty.")
                kind = sniff(f.head)
                if kind not in policy.allowed_types:
                    raise AppError(
                        "file_type_not_allowed",
                        415,
                        f"Files of type {kind} are not accepted here; allowed: "
                        f"{', '.join(policy.allowed_types)}.",
                        detectedType=kind,
                    )
                received.append(Received(display_name(name), kind, f))
        except Exception:
            discard(self._storage, upload)
            raise
        return upload, received

    def _keep(self, files: list[Received]) -> list[tuple[Received, str]]:
        return [(f, self._storage.keep(f.incoming)) for f in files]


def _message_entry(raw: str | None) -> FileMessageEntry:
    if raw is None:
        raise bad_request("missing_message_entry", "Send the `messageEntry` form field (JSON).")
    try:
        entry = FileMessageEntry.model_validate(jsonutil.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise bad_request(
            "invalid_message_entry",
            '`messageEntry` must be JSON like {"message": {"id": "<uuid>"}}.',
        ) from exc
    problem = json_problem(raw.encode())  # what every JSON body is checked for (NUL, range)
    if problem is not None:
        raise problem
    return entry


def _outs(meta: list[tuple[str, Received, str]]) -> list[dict[str, Any]]:
    return [o.model_dump(exclude={"recordId"}) for o in _outs_model(meta, None)]


def _outs_model(
    meta: list[tuple[str, Received, str]], record_id: str | None
) -> list[AttachmentOut]:
    return [
        AttachmentOut(
            id=attachment_id,
            name=f.name,
            mimeType=f.content_type,
            size=f.incoming.size,
            url=DOWNLOAD_PATH.format(id=attachment_id),
            recordId=record_id,
        )
        for attachment_id, f, _ in meta
    ]


def _out_of_row(row: Any) -> AttachmentOut:
    return AttachmentOut(
        id=row.id,
        name=row.name,
        mimeType=row.content_type,
        size=row.size,
        url=DOWNLOAD_PATH.format(id=row.id),
        recordId=row.record_id,
    )


def _insert_all(
    conn: Connection,
    meta: list[tuple[str, Received, str]],
    org_id: str,
    conversation_id: str,
    entry: Entry,
    role: str,
    subject: str,
    record_id: str | None,
    now: int,
) -> None:
    for attachment_id, f, digest in meta:
        repository.insert_attachment(
            conn,
            id=attachment_id,
            org_id=org_id,
            conversation_id=conversation_id,
            entry_identifier=entry.identifier,
            uploaded_by_role=role,
            uploaded_by=subject,
            name=f.name,
            content_type=f.content_type,
            size=f.incoming.size,
            sha256=digest,
            record_id=record_id,
            created_at=now,
        )


def _deployment_of_session(conn: Connection, p: AgentPrincipal, session_id: str) -> str:
    _, conversation = access_session(conn, p, session_id, act=True)
    return str(conversation.deployment_id)


def _may_see(conn: Connection, p: EndUserPrincipal | AgentPrincipal, row: Any) -> bool:
    """A file is read with its conversation: the end user's own, or one the agent may read."""
    conversation = conversations.get_conversation(conn, row.conversation_id)
    if conversation is None:
        return False
    if isinstance(p, EndUserPrincipal):
        return bool(conversation.end_user_id == p.end_user_id)
    return may_read_conversation(conn, p, conversation)
