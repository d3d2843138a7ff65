"""Recording entries: on PostgreSQL a chat message's entry and both streams' events take one
statement when the unit of work read the conversation's last timestamp, and an entry whose
timestamp another one took since that read is recorded after it all the same."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, Engine, event

from livedesk.conversations import repository
from livedesk.conversations.entries import SYSTEM, EntryType, NewEntry, text_message
from livedesk.conversations.recorder import record, thread_of
from livedesk.kit import pg_driver
from livedesk.streams import repository as streams
from livedesk.streams.service import agent_recipient, end_user_recipient
from tests.helpers import Api, uid


def _system_message() -> NewEntry:
    identifier = uid()
    return NewEntry(identifier, EntryType.MESSAGE, SYSTEM, text_message(identifier, "noted"))


@pytest.fixture
def statements(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement the app sends to PostgreSQL from now on (those on the driver, and those
    through SQLAlchemy)."""
    sent: list[str] = []
    fetch = pg_driver.fetch

    def counted(conn: Connection, sql: str, args: list[Any], shown: Any) -> Any:
        sent.append(sql)
        return fetch(conn, sql, args, shown)

    def through_sqlalchemy(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        sent.append(sql)

    monkeypatch.setattr(pg_driver, "fetch", counted)
    event.listen(Engine, "before_cursor_execute", through_sqlalchemy)
    yield sent
    event.remove(Engine, "before_cursor_execute", through_sqlalchemy)


async def test_a_customer_message_takes_two_statements_on_postgresql(
    app: FastAPI, api: Api, database_url: str, statements: list[str]
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs statements in the process: no round trips to count")
    customer, _agent = await api.chatting()
    assert (await customer.send("hello")).status_code == 202  # (the deployment's name cached)
    statements.clear()
    assert (await customer.send("are you there?")).status_code == 202
    # Its context (conversation, session, timer), then its entry and both streams' events.
    assert len(statements) == 2, statements


async def test_an_entry_whose_timestamp_was_taken_since_the_read_comes_after_it(
    app: FastAPI, api: Api
) -> None:
    """A unit of work that read the conversation, then another entry took a timestamp at or past
    the one the first would choose: its entry is stored after that one, with its events."""
    customer, _agent = await api.chatting()
    db = app.state.container.db
    conversation_id = customer.conversation_id

    first_message, second_message = _system_message(), _system_message()
    first_id, second_id = first_message.identifier, second_message.identifier

    def two_entries(conn: Connection) -> tuple[int, int, int]:
        conversation = repository.get_conversation(conn, conversation_id)
        assert conversation is not None
        session = repository.latest_session(conn, conversation_id)
        stale = thread_of(conversation, session)  # as read before the next entry
        now = conversation.last_entry_at  # not after the conversation's last timestamp
        first = record(conn, stale, [first_message], now)[0]
        second = record(conn, stale, [second_message], now)[0]
        latest = repository.get_conversation(conn, conversation_id)
        assert latest is not None
        return first.transcripted_at, second.transcripted_at, latest.last_entry_at

    first, second, last = await db.transaction(two_entries)
    assert first < second == last

    def stored(conn: Connection) -> tuple[list[tuple[str, int]], list[list[str]]]:
        entries = repository.list_entries(
            conn,
            conversation_id,
            after=None,
            before=None,
            newest_first=False,
            entry_types=None,
            limit=100,
        )
        conversation = repository.get_conversation(conn, conversation_id)
        assert conversation is not None
        thread = thread_of(conversation, repository.latest_session(conn, conversation_id))
        assert thread.agent_id is not None
        recipients = [end_user_recipient(thread.end_user_id), agent_recipient(thread.agent_id)]
        return [(e.identifier, e.transcripted_at) for e in entries], [
            [data for _, _, data in streams.events_after(conn, r, 0, 100)] for r in recipients
        ]

    entries, streams_data = await db.read(stored)
    assert [at for _, at in entries] == sorted(at for _, at in entries)
    assert entries[-2:] == [(first_id, first), (second_id, second)]
    for data in streams_data:  # each stream has both entries' events, in order
        mine = [i for d in data for i in (first_id, second_id) if i in d]
        assert mine == [first_id, second_id]
