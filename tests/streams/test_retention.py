"""End users' and agents' stream events are kept for `streams.retention_hours`, then deleted in
chunks by an hourly timer; platform event streams keep their own retention; expired revocations
are forgotten."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import Connection, func, select

from livedesk.kit.clock import FakeClock
from livedesk.models import RevokedToken, StreamEvent
from livedesk.streams import repository, retention
from livedesk.streams.notices import supervision_recipient
from livedesk.streams.service import append
from tests.helpers import MIAW, ORG, Api

HOUR = 3600


def _count(conn: Connection, prefix: str) -> int:
    query = select(func.count()).where(StreamEvent.recipient.like(f"{prefix}%"))
    return int(conn.execute(query).scalar_one())


async def test_only_old_personal_events_are_deleted(app: FastAPI) -> None:
    db = app.state.container.db

    def fill(conn: Connection) -> None:
        for recipient in ("u:old-user", "a:old-agent", "e:org:Old__e"):
            append(conn, recipient, "X", b"{}", 1_000)
        append(conn, "u:old-user", "X", b"{}", 9_000)  # newer event of the same stream

    await db.transaction(fill)
    deleted = await db.transaction(lambda conn: repository.prune_personal_before(conn, 5_000, 100))
    assert deleted == 2
    counts = await db.read(lambda conn: [_count(conn, p) for p in ("u:", "a:", "e:")])
    assert counts == [1, 0, 1]  # the newer user event and the platform event stay
    # The stream head is untouched: the next event continues the numbering.
    seq = await db.transaction(lambda conn: append(conn, "u:old-user", "X", b"{}", 9_500).seq)
    assert seq == 3


async def test_the_timer_deletes_what_is_past_retention_and_forgets_expired_revocations(
    api: Api, app: FastAPI, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = app.state.container
    early = await api.waiting_customer()  # a few events on its stream
    r = await api.http.delete(f"{MIAW}/authorization/token", headers=early.headers)
    assert r.status_code == 204
    early_stream = f"u:{early.subject}"
    kept_at_first = await c.streams.frames_after(early_stream, 0, 100)
    assert len(kept_at_first) >= 2
    # The org's supervision stream heard of early's session too: as old, deleted as well.
    supervision_at_first = await c.streams.frames_after(supervision_recipient(ORG), 0, 100)

    clock.advance(100 * HOUR)
    late = await api.waiting_customer()
    clock.advance(69 * HOUR)  # early's events are 169 h old (retention 168 h), late's 69 h
    monkeypatch.setattr(retention, "CHUNK", 1)
    old = len(kept_at_first) + len(supervision_at_first)
    for _ in range(old + 1):  # a full chunk brings the timer back at once
        await c.scheduler.run_due()
    assert await c.streams.frames_after(early_stream, 0, 100) == []
    assert await c.streams.frames_after(f"u:{late.subject}", 0, 100) != []
    revoked = await c.db.read(
        lambda conn: conn.execute(select(func.count()).select_from(RevokedToken)).scalar_one()
    )
    assert revoked == 0  # the revoked token expired long ago: nothing left to refuse
