"""What a unit of work did that others must hear of once it is committed, told by the unit itself.

Code inside a unit of work says `effects(conn).tell(item)`: a stream event to announce, a domain
event another feature reacts to (a session needs an agent, a platform event was published). The
database collects the items of each unit and, after its COMMIT and only then, hands them to the
subscribers of their types (`Effects.dispatch`), in the order they were told; a unit that is
rolled back (or run again after a conflict) tells nothing. So no call site has to remember to
announce or to trigger routing, and a feature reacts to another without importing it: the
composition root subscribes, say, routing to "a session needs an agent".

A higher feature that must write something in the same unit (so that it commits, or rolls back,
with what caused it) handles a kind `within` the unit instead: its handler runs with the unit's
connection after the unit's work and before its COMMIT (reports keep a session's figures in the
unit that ended it).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy import Connection

log = logging.getLogger(__name__)
KEY = "livedesk.effects"
E = TypeVar("E")
Subscriber = Callable[[list[Any]], Awaitable[None]]
Handler = Callable[[Connection, list[Any]], None]


class Told(list[object]):
    """The items one unit of work told, in order."""

    def tell(self, item: object) -> None:
        self.append(item)


def effects(conn: Connection) -> Told:
    """The collector of the unit of work running on `conn`."""
    told = conn.info.get(KEY)
    if told is None:
        raise RuntimeError("effects(conn) is only available inside Database.transaction")
    return told  # type: ignore[no-any-return]


def tell(conn: Connection, item: object) -> None:
    effects(conn).tell(item)


class Effects:
    """Subscribers by item type; the database dispatches each committed unit's items."""

    def __init__(self) -> None:
        self._subscribers: dict[type, list[Subscriber]] = {}
        self._handlers: dict[type, list[Handler]] = {}

    def within(self, kind: type[E], handler: Callable[[Connection, list[E]], None]) -> None:
        """`handler(conn, items)` runs inside each unit that told items of `kind`, after its
        work and before its COMMIT; what it writes commits or rolls back with the unit."""
        self._handlers.setdefault(kind, []).append(handler)

    def settle(self, conn: Connection, told: list[object]) -> None:
        """Run the `within` handlers on what the unit told (Database.transaction calls this)."""
        for kind, handlers in self._handlers.items():
            items = [item for item in told if type(item) is kind]
            if items:
                for handler in handlers:
                    handler(conn, items)

    def subscribe(self, kind: type[E], subscriber: Callable[[list[E]], Awaitable[None]]) -> None:
        """`subscriber` gets, after each commit, the items of `kind` the unit told (never an
        empty list). Subscribers of one kind run in the order they subscribed."""
        self._subscribers.setdefault(kind, []).append(subscriber)

    async def dispatch(self, told: list[object]) -> None:
        """Kinds in the order they were subscribed (stream events first: the composition root
        subscribes them first), items of a kind in the order they were told."""
        by_kind: dict[type, list[object]] = {}
        for item in told:
            by_kind.setdefault(type(item), []).append(item)
        unknown = set(by_kind) - set(self._subscribers) - set(self._handlers)
        if unknown:  # a wiring mistake, not the caller's: what was committed stays committed
            log.error("nobody subscribed to %s", sorted(k.__name__ for k in unknown))
        for kind, subscribers in self._subscribers.items():
            items = by_kind.get(kind)
            if items:
                for subscriber in subscribers:
                    await subscriber(items)
