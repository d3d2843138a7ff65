"""Retention of end users' and agents' streams: an hourly timer deletes their stream events older
than `streams.retention_hours` (a week by default), and runs the other hourly prunes it is given
(auth's: revoked tokens that have expired).

A stream resumes exactly from any `Last-Event-Id` inside that window; a client that was away
longer gets what is left, and the whole conversation is still in its entries (the history call).
Platform event streams keep their own, per-type retention (events.retention). Deletes go in
chunks, each its own transaction, so a big backlog never holds the writer for long: a timer that
filled a chunk comes back at once instead of in an hour.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from livedesk.streams import repository
from livedesk.timers import repository as timers
from livedesk.timers.scheduler import Handler

RETENTION = "stream_retention"
EVERY_MS = 3_600_000
CHUNK = 5_000


def ensure_scheduled(conn: Connection, now: int) -> None:
    if not timers.exists(conn, RETENTION, "all"):
        timers.add(conn, RETENTION, "all", now + EVERY_MS, now)


def handler(
    retention_hours: int, also: Sequence[Callable[[Connection, int], None]] = ()
) -> Handler:
    def on_retention(conn: Connection, _subject: str, now: int) -> None:
        cutoff = now - retention_hours * 3_600_000
        deleted = repository.prune_personal_before(conn, cutoff, CHUNK)
        for prune in also:
            prune(conn, now)
        again = now if deleted >= CHUNK else now + EVERY_MS
        timers.schedule(conn, RETENTION, "all", again, now)

    return on_retention
