"""The neutral error: what went wrong, independent of how a provider words it.

Every failure a client can see (bad input, auth, rate limits, injected faults)
is raised as an `ApiError`; each dialect renders it in its provider's shape.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    INVALID_REQUEST = "invalid_request"
    AUTHENTICATION = "authentication"
    PERMISSION = "permission"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    TIMEOUT = "timeout"
    CONFLICT = "conflict"
    TOO_LARGE = "too_large"
    UNPROCESSABLE = "unprocessable"
    RATE_LIMIT = "rate_limit"
    SERVER = "server"
    BAD_GATEWAY = "bad_gateway"
    UNAVAILABLE = "unavailable"
    GATEWAY_TIMEOUT = "gateway_timeout"
    OVERLOADED = "overloaded"


_KIND_BY_STATUS = {
    400: ErrorKind.INVALID_REQUEST,
    401: ErrorKind.AUTHENTICATION,
    403: ErrorKind.PERMISSION,
    404: ErrorKind.NOT_FOUND,
    405: ErrorKind.METHOD_NOT_ALLOWED,
    408: ErrorKind.TIMEOUT,
    409: ErrorKind.CONFLICT,
    413: ErrorKind.TOO_LARGE,
    422: ErrorKind.UNPROCESSABLE,
    429: ErrorKind.RATE_LIMIT,
    500: ErrorKind.SERVER,
    502: ErrorKind.BAD_GATEWAY,
    503: ErrorKind.UNAVAILABLE,
    504: ErrorKind.GATEWAY_TIMEOUT,
    529: ErrorKind.OVERLOADED,
}


def kind_for_status(status: int) -> ErrorKind:
    if status in _KIND_BY_STATUS:
        return _KIND_BY_STATUS[status]
    return ErrorKind.SERVER if status >= 500 else ErrorKind.INVALID_REQUEST


class ApiError(Exception):
    """An error response. `message=None` lets the dialect use its provider's stock wording.

    `code` is a neutral hint (`invalid_api_key`, `model_not_found`, `missing_required_parameter`,
    `invalid_type`, `rate_limit_exceeded`, `missing_api_version`, ...) that a dialect may map to its
    own code; `headers` are sent as they are (retry headers, rate-limit headers).

    `details` carries structured facts a dialect words in its own style when `message` is None:
    - rate limits (code `rate_limit_exceeded`): `limit_name` ("requests" or "tokens"), `limit`, `used`,
      `requested`, `model`; with `retry_after` in seconds.
    - auth (code `invalid_api_key` or `missing_api_key`): `key_hint`, the key with its middle masked, and
      `key`, the key itself (for a dialect that masks it its own way; never journaled).
    """

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        kind: ErrorKind | None = None,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        retry_after: float | None = None,
        details: dict[str, Any] | None = None,
        injected: bool = False,
    ) -> None:
        super().__init__(message or f"HTTP {status}")
        self.status = status
        self.message = message
        self.kind = kind or kind_for_status(status)
        self.param = param
        self.code = code
        self.headers = dict(headers or {})
        self.retry_after = retry_after
        self.details = dict(details or {})
        self.injected = injected


def bad_request(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def missing(param: str) -> ApiError:
    return ApiError(400, f"Missing required parameter: '{param}'.", param=param, code="missing_required_parameter")


def wrong_type(param: str, expected: str, got: object) -> ApiError:
    return ApiError(
        400,
        f"Invalid type for '{param}': expected {expected}, but got {json_type_name(got)} instead.",
        param=param,
        code="invalid_type",
    )


def json_type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
