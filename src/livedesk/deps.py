"""FastAPI dependencies: the container and the authenticated principal of a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from livedesk.auth.principals import AgentPrincipal, EndUserPrincipal
from livedesk.container import Container
from livedesk.errors import AppError, forbidden, unauthorized


async def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise unauthorized(
            "missing_token", "Send an access token: `Authorization: Bearer <token>`."
        )
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthorized("invalid_token", "The Authorization header must be `Bearer <token>`.")
    return token.strip()


async def current_end_user(request: Request, c: ContainerDep) -> EndUserPrincipal:
    principal = await c.auth.end_user(bearer_token(request))
    org = request.headers.get("x-org-id")
    if org and org != principal.org_id:
        raise forbidden("org_mismatch", "The X-Org-Id header names another org than the token.")
    return principal


async def current_agent(request: Request, c: ContainerDep) -> AgentPrincipal:
    return await c.auth.agent(bearer_token(request))


CurrentEndUser = Annotated[EndUserPrincipal, Depends(current_end_user)]
CurrentAgent = Annotated[AgentPrincipal, Depends(current_agent)]


async def current_principal(request: Request, c: ContainerDep) -> EndUserPrincipal | AgentPrincipal:
    """Either kind of token (calls both sides use, such as downloads)."""
    token = bearer_token(request)
    try:
        return await c.auth.end_user(token)
    except AppError as first:
        if first.code != "invalid_token":
            raise
    return await c.auth.agent(token)


CurrentPrincipal = Annotated[EndUserPrincipal | AgentPrincipal, Depends(current_principal)]
