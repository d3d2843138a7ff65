"""Queries on end users, agents' tokens and revoked tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from livedesk.kit.db import DbRow
from livedesk.models import AgentToken, EndUser, RevokedToken

_IS_REVOKED = select(RevokedToken.jti).where(RevokedToken.jti == bindparam("jti"))


def insert_end_user(conn: Connection, **values: Any) -> None:
    conn.execute(insert(EndUser).values(**values))


def is_revoked(conn: Connection, token_id: str) -> bool:
    return conn.execute(_IS_REVOKED, {"jti": token_id}).first() is not None


def revoke(conn: Connection, token_id: str, expires_at: int) -> None:
    if not is_revoked(conn, token_id):
        conn.execute(insert(RevokedToken).values(jti=token_id, expires_at=expires_at))


def revoked_among(conn: Connection, token_ids: list[str]) -> set[str]:
    """Which of these tokens are revoked."""
    query = select(RevokedToken.jti).where(RevokedToken.jti.in_(token_ids))
    return set(conn.execute(query).scalars())


def prune_revoked(conn: Connection, now: int) -> None:
    """Forget revoked and issued tokens that have expired anyway."""
    conn.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    conn.execute(delete(AgentToken).where(AgentToken.expires_at < now))


def record_agent_token(conn: Connection, token_id: str, agent_id: str, expires_at: int) -> None:
    conn.execute(insert(AgentToken).values(jti=token_id, agent_id=agent_id, expires_at=expires_at))


def revoke_agent_tokens(conn: Connection, agent_id: str) -> list[str]:
    """Revoke every token issued to the agent; their ids. (Expired ones too: this process's
    clock need not be the one that judges them, and the retention timer forgets them.)"""
    rows = list(
        conn.execute(
            select(AgentToken.jti, AgentToken.expires_at).where(AgentToken.agent_id == agent_id)
        )
    )
    for row in rows:
        revoke(conn, row.jti, row.expires_at)
    conn.execute(delete(AgentToken).where(AgentToken.agent_id == agent_id))
    return [row.jti for row in rows]


def find_verified_user(conn: Connection, org_id: str, external_subject: str) -> DbRow | None:
    return conn.execute(
        select(EndUser).where(
            EndUser.org_id == org_id, EndUser.external_subject == external_subject
        )
    ).first()
