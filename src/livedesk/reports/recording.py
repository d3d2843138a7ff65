"""Keeping each ended session's figures, in the unit of work that ended it (or that recorded a
survey answer after the end): `conversations.lifecycle` tells `SessionSettled`, and the
composition root hands it to `record` within the unit (kit.effects), so the row commits with
the end, or not at all."""

from __future__ import annotations

from sqlalchemy import Connection

from livedesk.conversations.lifecycle import SessionSettled
from livedesk.models import SessionStatus
from livedesk.reports import repository
from livedesk.reports.metrics import session_metrics


def record(conn: Connection, settled: list[SessionSettled]) -> None:
    org_of = {item.session_id: item.org_id for item in settled}
    for facts in repository.facts(conn, list(org_of)):
        metrics = session_metrics(facts)
        if metrics.status == SessionStatus.ENDED:
            repository.save(conn, org_of[facts.session_id], metrics)
