"""Who a request acts for, once its token has been checked."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EndUserPrincipal:
    end_user_id: str
    org_id: str
    deployment_id: str
    token_id: str
    expires_ms: int
    client: str | None = None  # the integration client that brought this verified user

    @property
    def subject(self) -> str:
        return self.end_user_id


@dataclass(frozen=True)
class AgentPrincipal:
    """An agent; her roles and queues are what the database said a moment ago (auth.standing),
    never what her token said when it was issued."""

    agent_id: str
    org_id: str
    roles: tuple[str, ...]
    token_id: str
    expires_ms: int
    queues: tuple[str, ...] = ()
