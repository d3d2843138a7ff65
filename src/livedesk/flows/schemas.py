"""Bodies of the flow calls. Each is optional (no body is an empty one), but a body that is sent
must be JSON: FastAPI would ignore a body of another type for a field read out of the body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class InterviewStart(BaseModel):
    inputs: dict[str, Any] = {}


class ScreenValues(BaseModel):
    values: dict[str, Any] = {}
