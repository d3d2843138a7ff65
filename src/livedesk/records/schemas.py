"""Bodies of the record calls."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class RecordOut(BaseModel):
    id: str
    object: str
    fields: dict[str, Any]
    createdAt: int
    updatedAt: int


class RecordList(BaseModel):
    records: list[RecordOut]
