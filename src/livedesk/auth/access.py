"""Permission checks inside a unit of work: the pure rules of auth.permissions, fed with what
the database says about the principal (an agent's username, for sets assigned by username)."""

from __future__ import annotations

from sqlalchemy import Connection

from livedesk.auth import permissions
from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.orgs import repository as org_repository
from livedesk.orgs.schemas import OrgSettings


def require(
    conn: Connection,
    config: OrgSettings,
    p: AgentPrincipal | EndUserPrincipal,
    kind: permissions.Kind,
    name: str,
    access: str,
) -> None:
    """403 `permission_denied` unless a permission set (or the defaults) grants `access`."""
    username = None
    if isinstance(p, AgentPrincipal):
        agent = org_repository.get_agent(conn, p.agent_id)
        username = agent.username if agent is not None else None
    permissions.require(config, p, kind, name, access, username)
