"""Token calls of the MIAW API and the agent login."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from livedesk.auth.schemas import (
    GuestTokenCreate,
    LoginRequest,
    LoginResponse,
    TokenResponse,
    VerifiedTokenCreate,
)
from livedesk.deps import ContainerDep, CurrentAgent, CurrentEndUser
from livedesk.web.openapi import errors

miaw_router = APIRouter(prefix="/iamessage/api/v2/authorization", tags=["customer: auth"])
agent_router = APIRouter(prefix="/api/v1", tags=["agent: auth"])


@miaw_router.post(
    "/unauthenticated/access-token", response_model=TokenResponse, responses=errors(429)
)
async def guest_token(body: GuestTokenCreate, request: Request, c: ContainerDep) -> TokenResponse:
    await c.limits.new_token(request)
    return await c.auth.mint_guest_token(body)


@miaw_router.post(
    "/authenticated/access-token", response_model=TokenResponse, responses=errors(401, 403, 429)
)
async def verified_token(
    body: VerifiedTokenCreate, request: Request, c: ContainerDep
) -> TokenResponse:
    """A token for a verified user: the customer's own system signed `customerIdentityToken`
    (RS256/ES256) with a key of the deployment's user verification; refusals are 401s whose
    `code` says what is wrong."""
    await c.limits.new_token(request)
    return await c.auth.mint_verified_token(body)


@miaw_router.get("/continuation-access-token", response_model=TokenResponse)
async def continuation_token(principal: CurrentEndUser, c: ContainerDep) -> TokenResponse:
    return await c.auth.continue_token(principal)


@miaw_router.delete("/token", status_code=204)
async def revoke_token(principal: CurrentEndUser, c: ContainerDep) -> Response:
    await c.auth.revoke(principal.token_id, principal.expires_ms)
    return Response(status_code=204)


@agent_router.post("/auth/login", response_model=LoginResponse, responses=errors(401, 429))
async def login(body: LoginRequest, request: Request, c: ContainerDep) -> LoginResponse:
    """An agent's token. Usernames are unique per org: without `orgId`, the one agent whose
    username and password both match (several: 400 `org_required`, give `orgId`)."""
    await c.limits.new_token(request)
    return await c.auth.login(body.username, body.password, body.orgId)


@agent_router.post("/auth/logout", status_code=204)
async def logout(principal: CurrentAgent, c: ContainerDep) -> Response:
    await c.auth.revoke(principal.token_id, principal.expires_ms)
    return Response(status_code=204)
