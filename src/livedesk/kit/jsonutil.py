"""JSON encoding done once, with orjson."""

from __future__ import annotations

from typing import Any

import orjson

# The whole numbers LiveDesk keeps: a database BIGINT holds them, and orjson writes no larger.
MIN_INT, MAX_INT = -(2**63), 2**63 - 1


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


def dumps_str(value: Any) -> str:
    return orjson.dumps(value).decode()


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)
