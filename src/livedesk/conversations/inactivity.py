"""Customer inactivity and auto-end (inside units of work, fired by durable timers).

The inactivity timer starts at the agent's first reply after the customer's last message (a
customer message cancels it; later agent replies leave it running). When it fires, the Active
session becomes Inactive and the agent's capacity is freed; the auto-end timer starts. What the
session's messages say decides, not the timer alone: a timer that a customer message raced with
(and so did not stop) does nothing when it fires (`fired_too_early`). A customer
message on an Inactive session puts it back in its queue. Auto-end ends it.
"""

from __future__ import annotations

from sqlalchemy import Connection

from livedesk.conversations import entries, lifecycle, repository
from livedesk.conversations.auto_responses import auto_response
from livedesk.conversations.entries import SYSTEM, EntryType, NewEntry
from livedesk.conversations.recorder import Thread, record
from livedesk.kit.ids import new_id
from livedesk.models import SessionStatus
from livedesk.models.rows import SessionRow
from livedesk.orgs import repository as org_repository
from livedesk.routing import work as routing_work
from livedesk.routing.placement import ewt_seconds
from livedesk.streams.notices import AgentEvent, notify_agent
from livedesk.timers import repository as timers

INACTIVITY = "customer_inactivity"
AUTO_END = "auto_end"
# An entry's time may run a little ahead of the clock (a conversation's entries have distinct
# times: several written in one millisecond take the next ones), so a timer that fires this close
# to its reply's minutes is on time (it is not run again for the difference).
_SAME_REPLY_MS = 1_000
# The senders of the messages that start the timer and stop it.
AGENT_ROLE = "Agent"
CUSTOMER_ROLE = "EndUser"


def on_agent_message(conn: Connection, session: SessionRow, deployment_id: str, now: int) -> None:
    """Start the customer-inactivity timer unless it runs already (the deployment's settings are
    read only then: most agent messages leave the timer alone)."""
    if session.status != SessionStatus.ACTIVE or timers.exists(conn, INACTIVITY, session.id):
        return
    deployment = org_repository.deployment_config(conn, deployment_id)
    minutes = deployment.customer_inactivity_minutes
    timers.add(conn, INACTIVITY, session.id, now + minutes * 60_000, now)


def on_customer_message(conn: Connection, session: SessionRow, timer_running: bool) -> None:
    """Stop the inactivity timer; `timer_running`: whether it runs, as read with the message's
    context (`conversations.access.access_for_message`), so that most messages, which have
    none to stop, spend no statement on it."""
    if timer_running:
        timers.cancel(conn, INACTIVITY, session.id)


def fired_too_early(conn: Connection, session: SessionRow, deployment_id: str, now: int) -> bool:
    """Whether the inactivity timer that fired is not (yet) the customer's silence, as the
    session's messages tell it: the customer wrote after the agent's last replies (a message
    committed at the same moment as the reply that started the timer read that none ran, and
    did not stop it), or the agent's first reply after the customer's last message was less than
    the deployment's minutes ago (the timer then runs again until then)."""
    reply_at = repository.first_reply_after_customer(
        conn, session.conversation_id, session.id, AGENT_ROLE, CUSTOMER_ROLE
    )
    if reply_at is None:
        return True
    minutes = org_repository.deployment_config(conn, deployment_id).customer_inactivity_minutes
    due = reply_at + minutes * 60_000
    if due <= now + _SAME_REPLY_MS:
        return False
    timers.schedule(conn, INACTIVITY, session.id, due, now)
    return True


def cancel_timers(conn: Connection, session_id: str) -> None:
    timers.cancel(conn, INACTIVITY, session_id)
    timers.cancel(conn, AUTO_END, session_id)


def make_inactive(
    conn: Connection, thread: Thread, session: SessionRow, event: lifecycle.Event, now: int
) -> None:
    """Active → Inactive (the customer went quiet, or the agent says so)."""
    lifecycle.move(conn, thread.org_id, session, event, inactive_at=now)
    deployment = org_repository.deployment_config(conn, thread.deployment_id)
    routing_work.release_session(conn, session.id, now)
    timers.cancel(conn, INACTIVITY, session.id)
    hours = deployment.auto_end_hours
    timers.schedule(conn, AUTO_END, session.id, now + hours * 3_600_000, now)
    new = [
        NewEntry(
            new_id(),
            EntryType.SESSION_STATUS_CHANGED,
            SYSTEM,
            entries.session_status_changed(SessionStatus.INACTIVE, None),
        )
    ]
    notice = auto_response("inactive", deployment, session.routing_attributes, session.queue_name)
    if notice is not None:
        new.append(notice)
    record(conn, thread, new, now)
    if session.agent_id is not None:
        notify_agent(
            conn,
            session.agent_id,
            AgentEvent.SESSION_STATUS_CHANGED,
            {
                "sessionId": session.id,
                "conversationId": thread.conversation_id,
                "status": SessionStatus.INACTIVE,
            },
            now,
        )


def back_to_queue(conn: Connection, thread: Thread, session: SessionRow, now: int) -> Thread:
    """Inactive → Waiting: the customer wrote again; routing may pick another agent."""
    lifecycle.move(
        conn,
        thread.org_id,
        session,
        "customer_message",
        agent_id=None,
        queued_at=now,
        queue_position=None,
    )
    timers.cancel(conn, AUTO_END, session.id)
    previous_agent = thread.agent_id
    waiting = thread.with_session(session.id, None)
    org_id = thread.org_id
    new = [
        NewEntry(
            new_id(),
            EntryType.SESSION_STATUS_CHANGED,
            SYSTEM,
            entries.session_status_changed(SessionStatus.WAITING, None),
        ),
        NewEntry(
            new_id(),
            EntryType.ROUTING_RESULT,
            SYSTEM,
            entries.routing_result(
                session.id,
                session.queue_name,
                ewt_seconds(conn, org_id, session.queue_name, now) if session.queue_name else None,
            ),
        ),
    ]
    record(conn, waiting, new, now)
    if previous_agent is not None:
        notify_agent(
            conn,
            previous_agent,
            AgentEvent.SESSION_STATUS_CHANGED,
            {
                "sessionId": session.id,
                "conversationId": thread.conversation_id,
                "status": SessionStatus.WAITING,
            },
            now,
        )
    return waiting
