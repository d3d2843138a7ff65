"""Errors a client can cause: a stable `code`, a sentence a person understands, the right status."""

from __future__ import annotations

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
