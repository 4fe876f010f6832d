"""Anthropic's error shape: `{"type":"error","error":{"type","message"},"request_id"}`, in its wording.

The `error.type` follows the status (400 `invalid_request_error` … 529 `overloaded_error`); the
SDK picks its exception class by status and quotes `error.message`, `error.type` and the
`request-id` header. Facts and sources: docs/wire/anthropic.md.
"""

from __future__ import annotations

import json
from typing import Any

from fakellm.errors import ApiError, ErrorKind

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
STOCK_MESSAGES: dict[int, str] = {
    400: "Invalid request.",
    402: "Your credit balance is too low to access the Anthropic API.",
    403: "Your API key does not have permission to use the specified resource.",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request timed out",
    409: "Conflict",
    413: "Request exceeds the maximum allowed number of bytes.",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Request timed out",
    529: "Overloaded",
}
MISSING_KEY = "x-api-key header is required"
INVALID_KEY = "invalid x-api-key"
INVALID_BEARER = "Invalid bearer token"
ORGANIZATION = "00000000-0000-4000-8000-fa6e11e00000"  # a fake organization, quoted in rate-limit errors
RATE_LIMIT_DOCS = "https://docs.claude.com/en/api/rate-limits"


def error_type(error: ApiError) -> str:
    status = error.status
    if status in ERROR_TYPES:
        return ERROR_TYPES[status]
    if error.kind is ErrorKind.OVERLOADED:
        return "overloaded_error"
    return "api_error" if status >= 500 else "invalid_request_error"


def rate_limit_message(error: ApiError) -> str:
    d = error.details
    unit = "input tokens" if d.get("limit_name") == "tokens" else "requests"
    return (
        f"This request would exceed the rate limit for your organization ({ORGANIZATION}) of "
        f"{int(d.get('limit', 0)):,} {unit} per minute. For details, refer to: {RATE_LIMIT_DOCS}. You can see the "
        "response headers for current usage. Please reduce the prompt length or the maximum tokens requested, "
        "or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss "
        "your options for a rate limit increase."
    )


def error_message(error: ApiError, bearer: bool) -> str:
    if error.message:
        return error.message
    if error.code == "model_not_found":
        return f"model: {error.details.get('model', '')}"
    if error.code == "missing_api_key":
        return MISSING_KEY
    if error.code == "invalid_api_key":
        return INVALID_BEARER if bearer else INVALID_KEY
    if error.kind is ErrorKind.RATE_LIMIT:
        return rate_limit_message(error)
    return STOCK_MESSAGES.get(error.status, "Internal server error" if error.status >= 500 else "Invalid request.")


def error_body(error: ApiError, request_id: str, *, bearer: bool = False) -> str:
    body: dict[str, Any] = {
        "type": "error",
        "error": {"type": error_type(error), "message": error_message(error, bearer)},
        "request_id": request_id,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def invalid(message: str, param: str | None = None) -> ApiError:
    """A 400 `invalid_request_error` worded as Anthropic words it (`<path>: <what>`)."""
    return ApiError(400, message, param=param)
