"""The availability of a deployment's chat (public: the widget asks before anyone clicks) and the
email-us form (with the customer's access token, like every MIAW call)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from livedesk.contact.schemas import AvailabilityOut, ContactCreated, ContactRequest
from livedesk.deps import ContainerDep, CurrentEndUser
from livedesk.web.openapi import errors

router = APIRouter(prefix="/api/v1", tags=["customer: contact"])
OrgPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9]{1,18}$")]
NamePath = Annotated[str, Path(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,79}$")]


@router.get(
    "/orgs/{orgId}/deployments/{esDeveloperName}/availability",
    response_model=AvailabilityOut,
    responses=errors(400, 404),
)
async def deployment_availability(
    orgId: OrgPath, esDeveloperName: NamePath, response: Response, c: ContainerDep
) -> AvailabilityOut:
    """Whether a new chat would reach an agent now, and what the deployment shows when not
    (`whenUnavailable`). No token: a page asks it before the customer does anything."""
    response.headers["Cache-Control"] = "public, max-age=15"
    return await c.contact.availability(orgId, esDeveloperName)


@router.post(
    "/contact-requests",
    status_code=201,
    response_model=ContactCreated,
    responses=errors(400, 429),
)
async def leave_message(
    body: ContactRequest, request: Request, p: CurrentEndUser, c: ContainerDep
) -> ContactCreated:
    """The email-us form: the customer's message becomes a new Case (Origin Web) that agents
    answer by email. With the customer's access token (a guest token is enough)."""
    await c.limits.customer_write(p.end_user_id)
    return await c.contact.leave_message(p, body)
