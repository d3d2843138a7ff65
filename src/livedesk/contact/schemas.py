"""Bodies of the availability and contact-request calls."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AvailabilityOut(BaseModel):
    available: bool = Field(description="a new chat would reach an agent now")
    isOpen: bool = Field(description="within the deployment's business hours")
    agentsOnline: bool = Field(description="an agent is Online in a queue the chat can reach")
    nextOpeningTime: int | None = Field(
        None, description="when closed, the next opening (ms since the epoch), if known"
    )
    whenUnavailable: Literal["chat", "hide", "email"] = Field(
        description="what the deployment shows when not available"
    )


class ContactRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=120)
    email: str = Field(max_length=255, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    message: str = Field(min_length=1, max_length=10_000)


class ContactCreated(BaseModel):
    caseId: str
