"""Where a session that is just opening goes (inside its unit of work): the queues' state is read,
the pure `rules.decide` chooses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from livedesk.orgs import repository as org_repository
from livedesk.orgs.schemas import StoredDeployment
from livedesk.routing import ewt, repository
from livedesk.routing.rules import Decision, QueueState, decide


def queue_states(conn: Connection, org_id: str, now: int) -> dict[str, QueueState]:
    return {
        name: QueueState(
            config,
            repository.waiting_count(conn, org_id, name),
            ewt_seconds(conn, org_id, name, now),
        )
        for name, config in org_repository.queue_configs(conn, org_id).items()
    }


def ewt_seconds(conn: Connection, org_id: str, queue: str, now: int) -> int | None:
    return ewt.estimate_seconds(repository.recent_waits(conn, org_id, queue, now), now)


def place(
    conn: Connection,
    org_id: str,
    deployment: StoredDeployment,
    attributes: dict[str, Any],
    now: int,
) -> tuple[Decision, dict[str, QueueState]]:
    states = queue_states(conn, org_id, now)
    return decide(deployment, attributes, states, now), states
