"""Minting, continuing and revoking tokens; agent login; turning a bearer token into a principal."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import Connection

from livedesk.auth import clients, repository
from livedesk.auth.identity import TrustedKey
from livedesk.auth.identity import verify as verify_identity
from livedesk.auth.passwords import verify_password
from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.auth.schemas import (
    AgentOut,
    GuestTokenCreate,
    LoginResponse,
    TokenResponse,
    VerifiedTokenCreate,
)
from livedesk.auth.standing import Standing, StandingCache
from livedesk.auth.tokens import Claims, RevocationCache, TokenSigner
from livedesk.config import LimitSettings
from livedesk.errors import AppError, bad_request, unauthorized
from livedesk.kit.clock import Clock
from livedesk.kit.db import Database
from livedesk.kit.ids import new_id
from livedesk.orgs import repository as org_repository
from livedesk.orgs.deployment_view import embedded_service_config
from livedesk.streams import repository as stream_repository
from livedesk.streams.service import StreamService, agent_recipient, end_user_recipient


class AuthService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        limits: LimitSettings,
        signer: TokenSigner,
        revocations: RevocationCache,
        standing: StandingCache,
        streams: StreamService,
    ) -> None:
        self._db = db
        self._clock = clock
        self._limits = limits
        self._signer = signer
        self._revocations = revocations
        self._standing_cache = standing
        self._streams = streams

    async def mint_guest_token(self, body: GuestTokenCreate) -> TokenResponse:
        """A new anonymous end user of one deployment, and a token for it."""
        now = self._clock.now_ms()
        end_user_id = new_id()

        def work(conn: Connection) -> Any:
            deployment = org_repository.find_deployment(conn, body.orgId, body.esDeveloperName)
            if deployment is None:
                raise bad_request(
                    "unknown_deployment",
                    f"There is no deployment {body.esDeveloperName!r} in org {body.orgId!r}.",
                )
            repository.insert_end_user(
                conn,
                id=end_user_id,
                org_id=body.orgId,
                deployment_id=deployment.id,
                kind="guest",
                display_name="Guest",
                device_id=body.deviceId,
                created_at=now,
            )
            stream_repository.create_head(conn, end_user_recipient(end_user_id))
            return deployment

        deployment = await self._db.transaction(work)
        return self._end_user_token(body, deployment, end_user_id, "Guest", "0", now)

    async def mint_verified_token(self, body: VerifiedTokenCreate) -> TokenResponse:
        """The same person on any device: one end user per (issuer, subject) of the org."""
        if body.authorizationType.upper() != "JWT":
            raise bad_request("unsupported_authorization_type", "Only `JWT` is supported.")
        now = self._clock.now_ms()
        deployment = await self._db.read(
            lambda conn: org_repository.find_deployment(conn, body.orgId, body.esDeveloperName)
        )
        if deployment is None:
            raise bad_request(
                "unknown_deployment",
                f"There is no deployment {body.esDeveloperName!r} in org {body.orgId!r}.",
            )
        keysets = [
            TrustedKey(
                k.kid,
                k.issuer,
                k.audience,
                k.algorithm,
                k.public_key or "",  # (apply reads `public_key_file` into `public_key`)
                k.max_lifetime_seconds,
            )
            for k in deployment.config.user_verification.keysets
        ]
        keysets += await self._db.read(lambda conn: clients.keysets(conn, body.orgId))
        if not keysets:
            raise AppError(
                "user_verification_not_enabled",
                403,
                "This deployment has no user verification keys; use a guest token.",
            )
        identity = verify_identity(body.customerIdentityToken, keysets, now / 1000)
        via = {"cli": identity.client} if identity.client else {}
        external = f"{identity.issuer}|{identity.subject}"
        name = str(
            identity.claims.get("name") or identity.claims.get("given_name") or identity.subject
        )

        def work(conn: Connection) -> str:
            found = repository.find_verified_user(conn, body.orgId, external)
            if found is not None:
                return str(found.id)
            end_user_id = new_id()
            repository.insert_end_user(
                conn,
                id=end_user_id,
                org_id=body.orgId,
                deployment_id=deployment.id,
                kind="verified",
                display_name=name[:200],
                device_id=body.deviceId,
                created_at=now,
                external_subject=external,
            )
            stream_repository.create_head(conn, end_user_recipient(end_user_id))
            return end_user_id

        end_user_id = await self._db.transaction(work)
        head = await self._streams.head(end_user_recipient(end_user_id))
        return self._end_user_token(
            body, deployment, end_user_id, name[:200], str(head), now, **via
        )

    def _end_user_token(
        self,
        body: GuestTokenCreate,
        deployment: Any,
        end_user_id: str,
        display_name: str,
        last_event_id: str,
        now: int,
        **extra: str,
    ) -> TokenResponse:
        """MIAW's token response: the token, the stream position and the deployment's config."""
        token, _ = self._signer.issue(
            "enduser",
            end_user_id,
            body.orgId,
            self._limits.token_ttl_seconds,
            dep=deployment.id,
            **extra,
        )
        context = {
            "deviceId": body.deviceId or new_id(),
            "endUser": {"subject": end_user_id, "role": "EndUser", "displayName": display_name},
            "configuration": {
                "embeddedServiceConfig": embedded_service_config(
                    deployment.developer_name, deployment.config, now
                )
            },
        }
        return TokenResponse(accessToken=token, lastEventId=last_event_id, context=context)

    async def continue_token(self, principal: EndUserPrincipal) -> TokenResponse:
        """A fresh token for the same end user, with the current stream position."""
        token, _ = self._signer.issue(
            "enduser",
            principal.end_user_id,
            principal.org_id,
            self._limits.token_ttl_seconds,
            dep=principal.deployment_id,
            **({"cli": principal.client} if principal.client else {}),
        )
        head = await self._streams.head(end_user_recipient(principal.end_user_id))
        return TokenResponse(accessToken=token, lastEventId=str(head))

    async def revoke(self, token_id: str, expires_ms: int) -> None:
        """The token stops working, and every stream opened with it closes."""
        await self._db.transaction(lambda conn: repository.revoke(conn, token_id, expires_ms))
        self._revocations.forget(token_id)
        await self._streams.close_streams(token_id)

    async def login(self, username: str, password: str, org_id: str | None) -> LoginResponse:
        """The agent of `org_id` with this username; without `org_id`, the one agent of any org
        whose username and password both match (usernames are unique per org only)."""

        def candidates(conn: Connection) -> list[Any]:
            if org_id is not None:
                row = org_repository.find_agent(conn, org_id, username)
                return [row] if row is not None else []
            return org_repository.find_agents_by_username(conn, username)

        rows = await self._db.read(candidates)
        # argon2 takes tens of milliseconds on purpose: never on the event loop.
        matches = await asyncio.to_thread(_matching, rows, password)
        if not matches:
            raise unauthorized("invalid_credentials", "The username or password is wrong.")
        if len(matches) > 1:
            raise bad_request(
                "org_required",
                "Agents of several orgs have this username and password; "
                "give `orgId` to say which org you log in to.",
            )
        row = matches[0]
        token, claims = self._signer.issue(
            "agent", row.id, row.org_id, self._limits.agent_token_ttl_seconds
        )
        # Recorded so that demoting her (`livedesk apply`) can revoke every token she holds.
        await self._db.transaction(
            lambda conn: repository.record_agent_token(
                conn, claims.token_id, row.id, claims.expires_ms
            )
        )
        return LoginResponse(accessToken=token, agent=agent_out(row))

    async def forget_revoked(self, token_ids: list[str]) -> None:
        """Tokens were revoked outside a request (by `livedesk apply`): close their streams in
        every process the bus reaches (the stream sweep closes the others), and read agents'
        standing afresh here."""
        for token_id in token_ids:
            self._revocations.forget(token_id)
            await self._streams.close_streams(token_id)
        self._standing_cache.forget()

    async def end_user(self, token: str) -> EndUserPrincipal:
        claims = await self._checked(token, "enduser")
        deployment_id = claims.extra.get("dep")
        if not isinstance(deployment_id, str):
            raise unauthorized("invalid_token", "The access token is not valid.")
        client = claims.extra.get("cli")
        return EndUserPrincipal(
            claims.subject,
            claims.org_id,
            deployment_id,
            claims.token_id,
            claims.expires_ms,
            client if isinstance(client, str) else None,
        )

    async def agent(self, token: str) -> AgentPrincipal:
        """The agent, with her roles and queues as the database says (cached ≤ 2 s)."""
        claims = await self._checked(token, "agent")
        standing = await self._standing(claims.subject)
        if standing is None or standing.org_id != claims.org_id:
            raise unauthorized("token_revoked", "The agent of this access token no longer exists.")
        return AgentPrincipal(
            claims.subject,
            claims.org_id,
            standing.roles,
            claims.token_id,
            claims.expires_ms,
            standing.queues,
        )

    async def _standing(self, agent_id: str) -> Standing | None:
        known, standing = self._standing_cache.get(agent_id)
        if known:
            return standing
        row = await self._db.read(lambda conn: org_repository.get_agent(conn, agent_id))
        standing = Standing(row.org_id, tuple(row.roles), tuple(row.queues)) if row else None
        self._standing_cache.remember(agent_id, standing)
        return standing

    async def _checked(self, token: str, kind: Any) -> Claims:
        claims = self._signer.verify(token, kind)
        if not self._revocations.known_valid(claims.token_id):
            if await self._db.read(lambda conn: repository.is_revoked(conn, claims.token_id)):
                raise unauthorized("token_revoked", "The access token was revoked.")
            self._revocations.remember_valid(claims.token_id)
        return claims


def _matching(rows: list[Any], password: str) -> list[Any]:
    """The rows whose password matches. Every candidate's hash is checked (and a dummy one when
    there is none), so the time taken does not tell which usernames exist or which one failed."""
    if not rows:
        verify_password(None, password)
        return []
    checked = [(row, verify_password(row.password_hash, password)) for row in rows]
    return [row for row, ok in checked if ok]


def agent_out(row: Any) -> AgentOut:
    return AgentOut(
        id=row.id,
        username=row.username,
        displayName=row.display_name,
        roles=list(row.roles),
        capacity=row.capacity,
        queues=list(row.queues),
        presence=row.presence,
    )


def recipient_of(principal: EndUserPrincipal | AgentPrincipal) -> str:
    if isinstance(principal, EndUserPrincipal):
        return end_user_recipient(principal.end_user_id)
    return agent_recipient(principal.agent_id)
