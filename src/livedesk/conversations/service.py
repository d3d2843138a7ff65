"""The customer side of conversations: what each MIAW call does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection

from livedesk.auth.principals import EndUserPrincipal
from livedesk.config import LimitSettings
from livedesk.conversations import answers, entries, inactivity, repository, sessions
from livedesk.conversations.access import access_conversation, access_for_message, check_uuid
from livedesk.conversations.entries import (
    ENTRY_TYPES,
    Entry,
    EntryType,
    NewEntry,
    Sender,
    entry_from_row,
)
from livedesk.conversations.recorder import Thread, record, thread_of
from livedesk.conversations.schemas import (
    AcksSend,
    ConversationCreate,
    ConversationCreated,
    ConversationList,
    ConversationSummary,
    EntriesResponse,
    EntrySend,
    MessageSend,
    RoutingAttributes,
    RoutingStatus,
)
from livedesk.conversations.typing import TypingRelay
from livedesk.errors import AppError, bad_request, conflict
from livedesk.kit import jsonutil
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.kit.ids import derived_id, new_id
from livedesk.models import ConversationStatus, SessionStatus
from livedesk.models.rows import ConversationRow, SessionRow
from livedesk.orgs import repository as org_repository
from livedesk.orgs.caches import DeploymentNames
from livedesk.orgs.schemas import MAX_ATTRIBUTE_CHARS, MAX_ATTRIBUTES, StoredDeployment
from livedesk.routing import repository as routing_repository
from livedesk.routing.placement import ewt_seconds
from livedesk.streams.service import StreamService, agent_recipient


@dataclass(frozen=True)
class HistoryQuery:
    limit: int
    start: int | None
    end: int | None
    direction: str
    entry_types: list[str] | None


class ConversationService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        limits: LimitSettings,
        streams: StreamService,
        typing: TypingRelay,
        deployment_names: DeploymentNames,
    ) -> None:
        self._db = db
        self._clock = clock
        self._limits = limits
        self._streams = streams
        self._typing = typing
        self._deployment_names = deployment_names

    async def create(self, p: EndUserPrincipal, body: ConversationCreate) -> ConversationCreated:
        conversation_id = check_uuid(body.conversationId, "conversation")
        attributes = _checked_attributes(body.routingAttributes)
        now = self._clock.now_ms()

        def work(conn: Connection) -> ConversationCreated:
            deployment = self._deployment(conn, p, body.esDeveloperName)
            existing = repository.get_conversation(conn, conversation_id)
            if existing is not None:
                if existing.end_user_id != p.end_user_id:
                    raise conflict(
                        "conversation_id_taken", "That conversation id is already in use."
                    )
                latest = repository.latest_session(conn, existing.id)
                return ConversationCreated(
                    conversationId=existing.id, sessionId=latest.id if latest else None
                )
            repository.insert_conversation(
                conn,
                id=conversation_id,
                org_id=p.org_id,
                deployment_id=p.deployment_id,
                end_user_id=p.end_user_id,
                status=ConversationStatus.OPEN,
                language=body.language,
                prechat=attributes,
                created_at=now,
                last_entry_at=0,
                session_count=0,
            )
            thread = Thread(conversation_id, p.org_id, p.deployment_id, p.end_user_id, None, None)
            thread = sessions.open_session(
                conn, thread, deployment.config, attributes, now, acknowledge=True
            )
            return ConversationCreated(conversationId=conversation_id, sessionId=thread.session_id)

        return await self._db.transaction(work)

    async def send_message(
        self, p: EndUserPrincipal, conversation_id: str, body: MessageSend
    ) -> Entry:
        """A text message; idempotent on the client's message id: a retry returns the original
        entry. (Form responses are answers to flows: `FlowService.customer_answer`.)"""
        message = body.message
        message_id = check_uuid(message.id, "message")
        if message.staticContent is None:
            raise bad_request("missing_static_content", "A text message needs `staticContent`.")
        text = message.staticContent.text
        if not text.strip():
            raise bad_request("empty_message", "A message needs some text.")
        if len(text) > self._limits.max_text_chars:
            raise bad_request(
                "message_too_long",
                f"A message may have at most {self._limits.max_text_chars} characters.",
            )
        payload = entries.text_message(message_id, text, message.inReplyToMessageId)
        return await self.post_message(p, conversation_id, message_id, payload, body)

    async def post_message(
        self,
        p: EndUserPrincipal,
        conversation_id: str,
        message_id: str,
        content: dict[str, Any] | Compose,
        body: NewSessionFields,
        also: AlsoInUnit | None = None,
        *,
        opens_session: bool | Guard = True,
    ) -> Entry:
        """The one path of customer input (text, files, answers to forms and components):
        idempotent on its id, it opens a new session after the last one ended (417 rules) unless
        `opens_session` is false (an answer to a form of an ended session), brings an Inactive
        session back to the queue, and stops the inactivity timer. `opens_session` may also be a
        `Guard`: it checks the input before anything changes and says whether (and how) it opens
        a session. `content` is the message's payload, or a function that makes the entries in
        the unit of work (the first is the customer's); `also` runs in the same unit once they
        are recorded."""
        attributes = _checked_attributes(body.routingAttributes)
        await self._check_deployment_name(p, body.esDeveloperName)
        now = self._clock.now_ms()

        def work(conn: Connection) -> Entry:
            conversation, known, session, timer_running = access_for_message(
                conn, p, conversation_id, message_id, inactivity.INACTIVITY
            )
            if known:
                existing = repository.find_entry(conn, conversation.id, message_id)
                assert existing is not None
                return entry_from_row(existing)
            if conversation.status != ConversationStatus.OPEN:
                raise conflict("conversation_closed", "This conversation is closed.")
            thread = thread_of(conversation, session)
            opening = (
                opens_session(conn, conversation, session, now)
                if callable(opens_session)
                else sessions.Opening(opens_session)
            )
            if not sessions.is_open(session):
                if opening.opens:
                    deployment = org_repository.deployment_config(conn, conversation.deployment_id)
                    prechat = opening.prechat
                    if prechat is None:
                        prechat = _new_session_prechat(deployment, conversation, body, attributes)
                    thread = sessions.open_session(
                        conn, thread, deployment, prechat, now, queue=opening.queue
                    )
            elif session is not None and session.status == SessionStatus.INACTIVE:
                thread = inactivity.back_to_queue(conn, thread, session, now)
            else:
                inactivity.on_customer_message(conn, session, timer_running)
            sender = _sender(conversation)
            if isinstance(content, dict):
                new = [NewEntry(message_id, EntryType.MESSAGE, sender, content)]
            else:
                new = content(conn, thread, sender, now)
            stored = record(conn, thread, new, now)
            if also is not None:
                also(conn, thread, stored[0], now)
            return stored[0]

        return await self._db.transaction(work)

    async def answer_component(
        self, p: EndUserPrincipal, conversation_id: str, body: MessageSend
    ) -> Entry:
        """The customer answers a messaging component (`ChoicesResponseMessage`, or a
        `FormResponseMessage` without an interview id) named by `inReplyToMessageId`: customer
        input like a text message, checked against what the question offered; after its session
        ended it is taken within the component's window and opens a new session only for an
        option that says so. Idempotent on the message id; a second answer is 409
        `already_answered`."""
        message = body.message
        message_id = check_uuid(message.id, "message")
        selected = (
            [o.model_dump() for o in message.choicesResponse.selectedOptions]
            if message.choicesResponse is not None
            else None
        )
        values = message.formResponse.values if message.formResponse is not None else None
        checked: list[answers.Answer] = []

        def guard(
            conn: Connection, conversation: ConversationRow, _: Any, now: int
        ) -> sessions.Opening:
            answer = answers.check(
                conn,
                conversation,
                message.messageType,
                message.inReplyToMessageId,
                selected,
                values,
                now,
            )
            checked.append(answer)
            ended = answers.continues(answer)
            if ended is None:
                return sessions.Opening(False)
            return sessions.Opening(True, ended.queue_name, ended.routing_attributes)

        def compose(conn: Connection, thread: Thread, customer: Sender, now: int) -> list[NewEntry]:
            return answers.record_answer(conn, thread, customer, checked[-1], message_id, now)

        return await self.post_message(
            p, conversation_id, message_id, compose, body, opens_session=guard
        )

    async def transcript(
        self, p: EndUserPrincipal, conversation_id: str, es_developer_name: str | None
    ) -> tuple[str, list[Entry]]:
        await self._check_deployment_name(p, es_developer_name)

        def work(conn: Connection) -> tuple[str, list[Entry]]:
            conversation = access_conversation(conn, p, conversation_id)
            rows = repository.session_entries(conn, conversation.id, 10_000)
            return conversation.id, [entry_from_row(r) for r in rows]

        return await self._db.read(work)

    async def typing(self, p: EndUserPrincipal, conversation_id: str, body: EntrySend) -> None:
        """Typing indicators reach the agent (at most one a second per conversation, the latest
        state always; see `typing.py`) and are never stored."""
        conversation_id = check_uuid(conversation_id, "conversation")

        async def forward(kind: str) -> None:
            def work(conn: Connection) -> Thread:
                conversation = access_conversation(conn, p, conversation_id)
                return thread_of(conversation, repository.latest_session(conn, conversation.id))

            thread = await self._db.read(work)
            if thread.agent_id is None:
                return
            data = {
                "sessionId": thread.session_id,
                "conversationId": thread.conversation_id,
                "entryType": kind,
                "sender": {"role": "EndUser", "subject": p.end_user_id},
                "timestamp": self._clock.now_ms(),
            }
            await self._streams.send_ephemeral(
                agent_recipient(thread.agent_id), "ConversationEntry", jsonutil.dumps(data)
            )

        await self._typing.offer(f"{p.end_user_id} {conversation_id}", body.entryType, forward)

    async def acknowledge(self, p: EndUserPrincipal, conversation_id: str, body: AcksSend) -> None:
        now = self._clock.now_ms()

        def work(conn: Connection) -> None:
            conversation = access_conversation(conn, p, conversation_id)
            thread = thread_of(conversation, repository.latest_session(conn, conversation.id))
            sender = _sender(conversation)
            new: list[NewEntry] = []
            for ack in body.acks:
                if repository.find_entry(conn, conversation.id, ack.conversationEntryId) is None:
                    raise bad_request(
                        "unknown_entry",
                        f"There is no entry {ack.conversationEntryId[:64]!r} in this conversation.",
                    )
                ack_id = ack.id or derived_id(
                    "receipt", p.end_user_id, ack.conversationEntryId, ack.entryType
                )
                if any(n.identifier == ack_id for n in new) or (
                    repository.find_entry(conn, conversation.id, ack_id) is not None
                ):
                    continue  # a retried (or repeated) acknowledgement
                kind = (
                    "DeliveryAcknowledgement"
                    if ack.entryType == "Delivery"
                    else "ReadAcknowledgement"
                )
                payload = entries.acknowledgement(kind, ack_id, ack.conversationEntryId, now)
                new.append(NewEntry(ack_id, kind, sender, payload))
            if new:
                record(conn, thread, new, now)

        await self._db.transaction(work)

    async def history(
        self, p: EndUserPrincipal, conversation_id: str, q: HistoryQuery
    ) -> EntriesResponse:
        if not 1 <= q.limit <= 50:
            raise bad_request("invalid_limit", "`limit` must be between 1 and 50.")
        if q.direction not in ("FromStart", "FromEnd"):
            raise bad_request("invalid_direction", "`direction` must be FromStart or FromEnd.")
        for t in q.entry_types or []:
            if t not in ENTRY_TYPES:
                raise bad_request(
                    "invalid_entry_type",
                    f"{t[:40]!r} is not an entry type; use one of {', '.join(sorted(ENTRY_TYPES))}.",
                )

        def work(conn: Connection) -> list[Any]:
            conversation = access_conversation(conn, p, conversation_id)
            return repository.list_entries(
                conn,
                conversation.id,
                after=q.start,
                before=q.end,
                newest_first=q.direction == "FromEnd",
                entry_types=q.entry_types,
                limit=q.limit,
            )

        rows = await self._db.read(work)
        return EntriesResponse(
            conversationEntries=[
                entries.miaw_entry(entry_from_row(r), payload_as_string=False) for r in rows
            ]
        )

    async def list(self, p: EndUserPrincipal, include_closed: bool, limit: int) -> ConversationList:
        if not 1 <= limit <= 100:
            raise bad_request("invalid_limit", "`limit` must be between 1 and 100.")
        rows, n_open, n_closed = await self._db.read(
            lambda conn: repository.list_conversations(conn, p.end_user_id, include_closed, limit)
        )
        return ConversationList(
            openConversationsFound=n_open,
            closedConversationsFound=n_closed,
            conversations=[
                ConversationSummary(
                    conversationId=r.id,
                    startTimestamp=r.created_at,
                    endTimestamp=r.closed_at,
                    status=r.status,
                )
                for r in rows
            ],
        )

    async def routing_status(self, p: EndUserPrincipal, conversation_id: str) -> RoutingStatus:
        now = self._clock.now_ms()

        def work(conn: Connection) -> tuple[Any, Any, int | None, int | None]:
            conversation = access_conversation(conn, p, conversation_id)
            session = repository.latest_session(conn, conversation.id)
            ewt = position = None
            if (
                session is not None
                and session.status == SessionStatus.WAITING
                and session.queue_name
            ):
                ewt = ewt_seconds(conn, conversation.org_id, session.queue_name, now)
                position = routing_repository.position_in_queue(conn, session)
            return conversation, session, ewt, position

        conversation, session, ewt, position = await self._db.read(work)
        status = session.status if session is not None else None
        return RoutingStatus(
            conversationId=conversation.id,
            routingStatus=_routing_status(conversation.status, status),
            conversationStatus=conversation.status,
            sessionId=session.id if session is not None else None,
            sessionStatus=status,
            queue=session.queue_name if session is not None else None,
            queuePosition=position,
            estimatedWaitTimeInSeconds=ewt,
            reasonForNotRouting=session.reason_for_not_routing if session is not None else None,
        )

    async def end_session(
        self, p: EndUserPrincipal, conversation_id: str, es_developer_name: str | None
    ) -> None:
        """End the open session, if any (ending an ended session is not an error)."""
        await self._check_deployment_name(p, es_developer_name)
        now = self._clock.now_ms()

        def work(conn: Connection) -> None:
            conversation = access_conversation(conn, p, conversation_id)
            session = repository.latest_session(conn, conversation.id)
            if sessions.is_open(session):
                sessions.end_session(
                    conn, thread_of(conversation, session), session, "EndUser", now
                )

        await self._db.transaction(work)

    async def close(
        self, p: EndUserPrincipal, conversation_id: str, es_developer_name: str | None
    ) -> None:
        """Close for good: end the open session, then the conversation."""
        await self._check_deployment_name(p, es_developer_name)
        now = self._clock.now_ms()

        def work(conn: Connection) -> None:
            conversation = access_conversation(conn, p, conversation_id)
            if conversation.status == ConversationStatus.CLOSED:
                return
            session = repository.latest_session(conn, conversation.id)
            thread = thread_of(conversation, session)
            if sessions.is_open(session):
                sessions.end_session(conn, thread, session, "EndUser", now)
                thread = thread.with_session(thread.session_id, None)
            repository.close_conversation(conn, conversation.id, now)
            closing = NewEntry(
                new_id(), "CloseConversation", entries.SYSTEM, entries.close_conversation()
            )
            record(conn, thread, [closing], now)

        await self._db.transaction(work)

    def _deployment(self, conn: Connection, p: EndUserPrincipal, developer_name: str) -> Any:
        deployment = org_repository.get_deployment(conn, p.deployment_id)
        if deployment is None or deployment.developer_name != developer_name:
            raise _deployment_mismatch(developer_name)
        return deployment

    async def _check_deployment_name(self, p: EndUserPrincipal, developer_name: str | None) -> None:
        if developer_name is None:
            return
        if await self._deployment_names.get(p.deployment_id) != developer_name:
            raise _deployment_mismatch(developer_name)


def _deployment_mismatch(developer_name: str) -> AppError:
    return bad_request(
        "deployment_mismatch",
        f"The token was issued for another deployment than {developer_name[:80]!r}.",
    )


class NewSessionFields(Protocol):
    """What a customer message may say about the session it opens (MIAW's message body)."""

    esDeveloperName: str | None
    isNewMessagingSession: bool | None
    routingAttributes: RoutingAttributes | None


@dataclass
class NoSessionFields:
    """Customer input that says nothing about a new session (the flow answer call)."""

    esDeveloperName: str | None = None
    isNewMessagingSession: bool | None = None
    routingAttributes: RoutingAttributes | None = None


AlsoInUnit = Callable[[Connection, Thread, Entry, int], None]
# Checks customer input before anything changes, and says whether it opens a session when none
# is open (given the conversation, its latest session and the time).
Guard = Callable[[Connection, ConversationRow, SessionRow | None, int], sessions.Opening]
# Makes the entries of customer input in its unit of work (the customer's first).
Compose = Callable[[Connection, Thread, Sender, int], list[NewEntry]]


def _new_session_prechat(
    deployment: StoredDeployment,
    conversation: ConversationRow,
    body: NewSessionFields,
    attributes: dict[str, Any],
) -> dict[str, Any]:
    """The pre-chat of a session that a message opens after the last one ended.

    With the pre-chat form shown per session (`displayContext: Session`) MIAW clients must resend
    with `isNewMessagingSession: true` and the form's answers: until they do, 417. The first
    session's pre-chat carries over when the deployment persists pre-chat; otherwise a new session
    knows only what it was sent (the seed article "Persist Pre-Chat Inputs Across Messaging
    Sessions")."""
    per_session = deployment.prechat.display_context == "Session"
    if per_session and not (body.isNewMessagingSession and body.routingAttributes is not None):
        raise AppError(
            "new_session_needs_prechat",
            417,
            "The last session has ended: resend with `isNewMessagingSession: true` and the "
            "pre-chat answers in `routingAttributes` to start a new one.",
        )
    if deployment.persist_prechat:
        return {**conversation.prechat, **attributes}
    return attributes


def _sender(conversation: ConversationRow) -> Sender:
    return Sender("EndUser", conversation.end_user_id, conversation.end_user_name)


def _checked_attributes(attributes: RoutingAttributes | None) -> dict[str, Any]:
    if attributes is None:
        return {}
    if len(attributes) > MAX_ATTRIBUTES:
        raise bad_request(
            "invalid_routing_attributes",
            f"At most {MAX_ATTRIBUTES} routing attributes are allowed.",
        )
    for key, value in attributes.items():
        if len(key) > 80 or (isinstance(value, str) and len(value) > MAX_ATTRIBUTE_CHARS):
            raise bad_request(
                "invalid_routing_attributes",
                f"Routing attribute {key[:80]!r} is too long (names ≤ 80, values ≤ "
                f"{MAX_ATTRIBUTE_CHARS} characters).",
            )
    return dict(attributes)


def _routing_status(conversation_status: str, session_status: str | None) -> str:
    if conversation_status == ConversationStatus.CLOSED or session_status in (
        None,
        SessionStatus.ENDED,
        SessionStatus.ERROR,
    ):
        return "None"
    if session_status in (SessionStatus.NEW, SessionStatus.WAITING):
        return "NeedsRouting"
    return "Routed"
