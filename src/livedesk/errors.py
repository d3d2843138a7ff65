"""Errors a client can cause: a stable `code`, a sentence a person understands, the right status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class AppError(Exception):
    def __init__(self, code: str, status: int, message: str, **data: Any) -> None:
        super().__init__(message)
        self.code = code
        self.status = status
        self.message = message
        self.data = data
        self.headers: dict[str, str] = {}

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.data}


def invalid_request(errors: Sequence[Mapping[str, Any]]) -> AppError:
    """400 `invalid_request` for pydantic's validation errors of a request (its body: `loc`s
    without their leading "body"), naming the first problem and listing up to 20."""
    details = [
        {
            "field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
            "problem": e["msg"],
        }
        for e in errors
    ][:20]
    first = details[0] if details else {"field": "", "problem": "invalid"}
    where = f"`{first['field']}`: " if first["field"] else ""
    return bad_request(
        "invalid_request", f"The request is not valid: {where}{first['problem']}.", errors=details
    )


def bad_request(code: str, message: str, **data: Any) -> AppError:
    return AppError(code, 400, message, **data)


def unauthorized(code: str, message: str) -> AppError:
    return AppError(code, 401, message)


def forbidden(code: str, message: str) -> AppError:
    return AppError(code, 403, message)


def not_found(code: str, message: str) -> AppError:
    return AppError(code, 404, message)


def conflict(code: str, message: str, **data: Any) -> AppError:
    return AppError(code, 409, message, **data)


def too_many_requests(code: str, message: str, retry_after_seconds: int) -> AppError:
    error = AppError(code, 429, message, retryAfterSeconds=retry_after_seconds)
    error.headers["Retry-After"] = str(retry_after_seconds)
    return error
