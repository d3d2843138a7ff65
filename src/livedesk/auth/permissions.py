"""Permission sets: who may read, create or edit which object or event type. Pure.

Admins may do everything. Permission sets may also be assigned to the users an integration
client brings (`assigned_to.clients`). Agents may read, create and edit Cases and Contacts without a
permission set (a contact center cannot work without them); everything else — custom objects,
platform events, and anything for end users — needs a permission set that grants it.
"""

from __future__ import annotations

from typing import Any, Literal

from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.errors import AppError

Kind = Literal["object", "event"]
BUILT_IN_AGENT_OBJECTS = frozenset({"Case", "Contact"})


def allowed(
    config: dict[str, Any],
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
    key = "objects" if kind == "object" else "events"
    for ps in config.get("permission_sets", []):
        if access not in ps.get(key, {}).get(name, []):
            continue
        assigned = ps.get("assigned_to", {})
        if isinstance(p, EndUserPrincipal):
            if assigned.get("end_users") or (p.client and p.client in assigned.get("clients", [])):
                return True
        elif username in assigned.get("agents", []) or set(p.roles) & set(
            assigned.get("roles", [])
        ):
            return True
    return False


def require(
    config: dict[str, Any],
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
