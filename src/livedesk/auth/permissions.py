"""Permission sets: who may read, create or edit which object or event type. Pure.

Admins may do everything. Permission sets may also be assigned to the users an integration
client brings (`assigned_to.clients`). Agents may read, create and edit Cases and Contacts without a
permission set (a contact center cannot work without them); everything else — custom objects,
platform events, and anything for end users — needs a permission set that grants it.
"""

from __future__ import annotations

from typing import Literal

from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.errors import AppError
from livedesk.orgs.schemas import OrgSettings

Kind = Literal["object", "event"]
BUILT_IN_AGENT_OBJECTS = frozenset({"Case", "Contact"})


def allowed(
    config: OrgSettings,
    p: AgentPrincipal | EndUserPrincipal,
    kind: Kind,
    name: str,
    access: str,
    username: str | None = None,
) -> bool:
    if isinstance(p, AgentPrincipal):
        if "admin" in p.roles:
            return True
        if kind == "object" and name in BUILT_IN_AGENT_OBJECTS:
            return True
    for ps in config.permission_sets:
        granted: list[str] = list((ps.objects if kind == "object" else ps.events).get(name, []))
        if access not in granted:
            continue
        assigned = ps.assigned_to
        if isinstance(p, EndUserPrincipal):
            if assigned.end_users or (p.client and p.client in assigned.clients):
                return True
        elif username in assigned.agents or set(p.roles) & set(assigned.roles):
            return True
    return False


def require(
    config: OrgSettings,
    p: AgentPrincipal | EndUserPrincipal,
    kind: Kind,
    name: str,
    access: str,
    username: str | None = None,
) -> None:
    if not allowed(config, p, kind, name, access, username):
        raise AppError(
            "permission_denied",
            403,
            f"You need the `{access}` permission on {name} (granted by a permission set).",
            permission=access,
            target=name,
        )
