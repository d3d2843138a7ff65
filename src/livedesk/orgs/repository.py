"""Queries on org configuration tables."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import Connection, insert, select, update

from livedesk.kit.db import DbRow
from livedesk.models import Agent, Deployment, Org, PresenceHistory, Queue, StreamHead
from livedesk.orgs.schemas import OrgSettings, StoredDeployment, StoredQueue


def upsert_org(conn: Connection, org_id: str, name: str, config: dict[str, Any]) -> None:
    if conn.execute(select(Org.id).where(Org.id == org_id)).first() is None:
        conn.execute(insert(Org).values(id=org_id, name=name, config=config))
    else:
        conn.execute(update(Org).where(Org.id == org_id).values(name=name, config=config))


def org_config(conn: Connection, org_id: str) -> OrgSettings:
    """Objects, platform event types, permission sets and flows of the org file."""
    value = conn.execute(select(Org.config).where(Org.id == org_id)).scalar()
    return OrgSettings.model_validate(value or {})


class DeploymentRow(NamedTuple):
    id: str
    org_id: str
    developer_name: str
    config: StoredDeployment


def _deployment(row: Any) -> DeploymentRow | None:
    if row is None:
        return None
    config = StoredDeployment.model_validate(row.config)
    return DeploymentRow(row.id, row.org_id, row.developer_name, config)


_DEPLOYMENT = select(Deployment.id, Deployment.org_id, Deployment.developer_name, Deployment.config)


def find_deployment(conn: Connection, org_id: str, developer_name: str) -> DeploymentRow | None:
    return _deployment(
        conn.execute(
            _DEPLOYMENT.where(
                Deployment.org_id == org_id, Deployment.developer_name == developer_name
            )
        ).first()
    )


def get_deployment(conn: Connection, deployment_id: str) -> DeploymentRow | None:
    return _deployment(conn.execute(_DEPLOYMENT.where(Deployment.id == deployment_id)).first())


def deployment_config(conn: Connection, deployment_id: str) -> StoredDeployment:
    """A deployment's configuration (the defaults, should the deployment be gone)."""
    row = get_deployment(conn, deployment_id)
    return row.config if row is not None else StoredDeployment(developer_name="Gone")


def queue_configs(conn: Connection, org_id: str) -> dict[str, StoredQueue]:
    rows = conn.execute(select(Queue.name, Queue.config).where(Queue.org_id == org_id))
    return {r.name: StoredQueue.model_validate(r.config) for r in rows}


def upsert_deployment(conn: Connection, new_id: str, org_id: str, name: str, config: Any) -> None:
    row = find_deployment(conn, org_id, name)
    if row is None:
        conn.execute(
            insert(Deployment).values(id=new_id, org_id=org_id, developer_name=name, config=config)
        )
    else:
        conn.execute(update(Deployment).where(Deployment.id == row.id).values(config=config))


def upsert_queue(conn: Connection, new_id: str, org_id: str, name: str, config: Any) -> None:
    row = conn.execute(select(Queue.id).where(Queue.org_id == org_id, Queue.name == name)).first()
    if row is None:
        conn.execute(insert(Queue).values(id=new_id, org_id=org_id, name=name, config=config))
    else:
        conn.execute(update(Queue).where(Queue.id == row.id).values(config=config))


def find_agent(conn: Connection, org_id: str, username: str) -> DbRow | None:
    return conn.execute(
        select(Agent).where(Agent.org_id == org_id, Agent.username == username)
    ).first()


def find_agents_by_username(conn: Connection, username: str) -> list[DbRow]:
    """The agents of every org with this username (usernames are unique per org only)."""
    return list(conn.execute(select(Agent).where(Agent.username == username).order_by(Agent.id)))


def org_agents(conn: Connection, org_id: str) -> list[DbRow]:
    return list(conn.execute(select(Agent).where(Agent.org_id == org_id).order_by(Agent.username)))


def get_agent(conn: Connection, agent_id: str) -> DbRow | None:
    return conn.execute(select(Agent).where(Agent.id == agent_id)).first()


def insert_agent(conn: Connection, **values: Any) -> None:
    conn.execute(insert(Agent).values(**values))
    conn.execute(insert(StreamHead).values(recipient=f"a:{values['id']}", last_seq=0))


def insert_presence_history(
    conn: Connection, org_id: str, agent_id: str, presence: str, at: int
) -> None:
    """Only `agents.service.change_presence` calls this: the presence she entered."""
    conn.execute(
        insert(PresenceHistory).values(org_id=org_id, agent_id=agent_id, at=at, presence=presence)
    )


def update_agent(conn: Connection, agent_id: str, **values: Any) -> None:
    conn.execute(update(Agent).where(Agent.id == agent_id).values(**values))


def all_allowed_origins(conn: Connection) -> set[str]:
    """The union of every deployment's `allowed_origins` (origins and origin patterns, as the
    org file gave them): a preflight does not say which deployment it is for."""
    origins: set[str] = set()
    for (config,) in conn.execute(select(Deployment.config)):
        origins.update(StoredDeployment.model_validate(config).allowed_origins)
    return origins


def org_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(Org.id)).scalars())
