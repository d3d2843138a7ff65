"""Request and response bodies of the token and login calls."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class GuestTokenCreate(BaseModel):
    model_config = ConfigDict(extra="allow")
    orgId: str = Field(min_length=1, max_length=18)
    esDeveloperName: str = Field(min_length=1, max_length=80)
    capabilitiesVersion: str = Field("1", max_length=20)
    platform: str = Field("Web", max_length=40)
    deviceId: str | None = Field(None, max_length=200)
    context: dict[str, Any] | None = None


class VerifiedTokenCreate(GuestTokenCreate):
    authorizationType: str = Field("JWT", max_length=20)
    customerIdentityToken: str = Field(min_length=1, max_length=16384)


class EndUserOut(BaseModel):
    subject: str
    role: str = Field(examples=["EndUser"])
    displayName: str


class TokenContext(BaseModel):
    model_config = ConfigDict(extra="allow")
    deviceId: str
    endUser: EndUserOut
    configuration: dict[str, Any] = Field(
        description="`embeddedServiceConfig`: the deployment as MIAW clients read it (pre-chat "
        "forms, choice lists, attachments, transcript, business hours)"
    )


class TokenResponse(BaseModel):
    accessToken: str
    lastEventId: str
    context: TokenContext | None = Field(
        None, description="on a new token; a continuation token has none"
    )


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1024)
    orgId: str | None = Field(
        None,
        min_length=1,
        max_length=18,
        description="The org to log in to; needed when agents of several orgs share the "
        "username and the password.",
    )


class AgentOut(BaseModel):
    id: str
    username: str
    displayName: str
    roles: list[str]
    capacity: int
    queues: list[str]
    presence: str


class LoginResponse(BaseModel):
    accessToken: str
    agent: AgentOut
