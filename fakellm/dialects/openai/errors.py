"""OpenAI's error bodies: `{"error": {"message", "type", "param", "code"}}`, in OpenAI's wording.

Azure and Groq word their errors their own way but build on these (the type and code rules, the
rate-limit wait as OpenAI writes it).
"""

from __future__ import annotations

from typing import Any

from fakellm.errors import ApiError, ErrorKind

TYPE_BY_KIND: dict[ErrorKind, str] = {
    ErrorKind.PERMISSION: "permission_error",
    ErrorKind.CONFLICT: "conflict_error",
    ErrorKind.TIMEOUT: "timeout_error",
    ErrorKind.SERVER: "server_error",
    ErrorKind.BAD_GATEWAY: "server_error",
    ErrorKind.UNAVAILABLE: "server_error",
    ErrorKind.GATEWAY_TIMEOUT: "server_error",
    ErrorKind.OVERLOADED: "server_error",
}
INVALID_KEY = (
    "Incorrect API key provided: {hint}. You can find your API key at https://platform.openai.com/account/api-keys."
)
MISSING_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer "
    "auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)


def mask(key: str) -> str:
    """A key as OpenAI quotes it back: its first 8 characters, `*`s, its last 4; a short key whole."""
    if len(key) <= 12:
        return key
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


def try_again_in(seconds: float) -> str:
    """A wait as OpenAI words it: `250ms`, `1.5s`, `20s`."""
    if seconds < 1:
        return f"{max(1, round(seconds * 1000))}ms"
    return f"{seconds:.3f}".rstrip("0").rstrip(".") + "s"


def rate_limit_message(error: ApiError) -> str:
    d = error.details
    name = d.get("limit_name", "requests")
    unit = "requests per min (RPM)" if name == "requests" else "tokens per min (TPM)"
    wait = try_again_in(error.retry_after or 1.0)
    return (
        f"Rate limit reached for {d.get('model', 'fakellm')} in organization org-fakellm on {unit}: "
        f"Limit {d.get('limit', 0)}, Used {d.get('used', 0)}, Requested {d.get('requested', 1)}. "
        f"Please try again in {wait}. Visit https://platform.openai.com/account/rate-limits to learn more."
    )


def model_not_found(error: ApiError) -> str:
    return f"The model `{error.details.get('model', '')}` does not exist or you do not have access to it."


def error_message(error: ApiError) -> str:
    if error.message:
        return error.message
    if error.code == "model_not_found":
        return model_not_found(error)
    if error.code == "invalid_api_key":
        key = error.details.get("key")
        return INVALID_KEY.format(hint=mask(key) if isinstance(key, str) else error.details.get("key_hint", ""))
    if error.code == "missing_api_key":
        return MISSING_KEY
    if error.kind is ErrorKind.RATE_LIMIT:
        return rate_limit_message(error)
    if error.kind is ErrorKind.UNAVAILABLE:
        return "The engine is currently overloaded, please try again later."
    if error.status >= 500:
        return "The server had an error while processing your request. Sorry about that!"
    return f"Request failed with status {error.status}."


def error_type(error: ApiError) -> str:
    if error.kind is ErrorKind.RATE_LIMIT:
        return str(error.details.get("limit_name", "requests"))
    return TYPE_BY_KIND.get(error.kind, "invalid_request_error")


def error_code(error: ApiError) -> str | None:
    if error.code == "missing_api_key":
        return "invalid_api_key"
    if error.kind is ErrorKind.RATE_LIMIT:
        return error.code or "rate_limit_exceeded"
    return error.code


def error_object(error: ApiError) -> dict[str, Any]:
    """The inner `error` object, in OpenAI's key order."""
    return {
        "message": error_message(error),
        "type": error_type(error),
        "param": error.param,
        "code": error_code(error),
    }
