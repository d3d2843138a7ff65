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


class TokenResponse(BaseModel):
    accessToken: str
    lastEventId: str
    context: dict[str, Any] | None = None


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=1024)


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
