"""The named row types are the tables' columns, in order (kit.sql builds them from the queries,
whose column lists come from the models)."""

from __future__ import annotations

from livedesk.models import Conversation, ConversationEntry, MessagingSession
from livedesk.models.rows import ConversationRow, EntryRow, SessionRow


def columns(table: type) -> tuple[str, ...]:
    return tuple(c.name for c in table.__table__.columns)  # type: ignore[attr-defined]


def test_row_types_are_the_tables_columns_in_order() -> None:
    assert SessionRow._fields == columns(MessagingSession)
    assert EntryRow._fields == columns(ConversationEntry)
    assert ConversationRow._fields == (*columns(Conversation), "end_user_name")
