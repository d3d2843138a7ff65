"""Integration clients: bot platforms that hand their users to humans. A client signs its users'
identity tokens with its own key (`kid` and `iss` = the client's name, `aud` = the org id), and
permission sets can be granted to the users it brings."""

from __future__ import annotations

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import Connection, insert, select, update

from livedesk.auth.identity import TrustedKey
from livedesk.errors import bad_request
from livedesk.kit.ids import new_id
from livedesk.models import IntegrationClient


def add_or_update(
    conn: Connection, org_id: str, name: str, public_key: str, algorithm: str, now: int
) -> str:
    if algorithm not in ("RS256", "ES256"):
        raise bad_request("invalid_algorithm", "Clients sign with RS256 or ES256.")
    try:
        load_pem_public_key(public_key.encode())
    except ValueError:
        raise bad_request("invalid_public_key", "That is not a PEM public key.") from None
    row = conn.execute(
        select(IntegrationClient.id).where(
            IntegrationClient.org_id == org_id, IntegrationClient.name == name
        )
    ).first()
    if row is not None:
        conn.execute(
            update(IntegrationClient)
            .where(IntegrationClient.id == row.id)
            .values(public_key=public_key, algorithm=algorithm)
        )
        return str(row.id)
    client_id = new_id()
    conn.execute(
        insert(IntegrationClient).values(
            id=client_id,
            org_id=org_id,
            name=name,
            public_key=public_key,
            algorithm=algorithm,
            created_at=now,
        )
    )
    return client_id


def keysets(conn: Connection, org_id: str) -> list[TrustedKey]:
    """The clients' keys, as identity tokens are checked against them."""
    return [
        TrustedKey(
            kid=r.name,
            issuer=r.name,
            audience=org_id,
            algorithm=r.algorithm,
            public_key=r.public_key,
            max_lifetime_seconds=3600,
            client=r.name,
        )
        for r in conn.execute(select(IntegrationClient).where(IntegrationClient.org_id == org_id))
    ]
