"""Queries on end users and revoked tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from livedesk.kit.db import DbRow
from livedesk.models import EndUser, RevokedToken

_IS_REVOKED = select(RevokedToken.jti).where(RevokedToken.jti == bindparam("jti"))


def insert_end_user(conn: Connection, **values: Any) -> None:
    conn.execute(insert(EndUser).values(**values))


def is_revoked(conn: Connection, token_id: str) -> bool:
    return conn.execute(_IS_REVOKED, {"jti": token_id}).first() is not None


def revoke(conn: Connection, token_id: str, expires_at: int) -> None:
    if not is_revoked(conn, token_id):
        conn.execute(insert(RevokedToken).values(jti=token_id, expires_at=expires_at))


def prune_revoked(conn: Connection, now: int) -> None:
    conn.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))


def find_verified_user(conn: Connection, org_id: str, external_subject: str) -> DbRow | None:
    return conn.execute(
        select(EndUser).where(
            EndUser.org_id == org_id, EndUser.external_subject == external_subject
        )
    ).first()
