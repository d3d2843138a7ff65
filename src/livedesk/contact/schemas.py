"""Bodies of the availability and contact-request calls."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
    email: str = Field(max_length=255)
    message: str = Field(min_length=1, max_length=10_000)

    @field_validator("email")
    @classmethod
    def _an_email(cls, value: str) -> str:
        if not _EMAIL.match(value.strip()):
            raise PydanticCustomError("email", "must be an email address, such as ann@example.com")
        return value.strip()


class ContactCreated(BaseModel):
    caseId: str
