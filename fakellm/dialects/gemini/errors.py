"""Google's error shape, shared by Gemini's native and OpenAI-compatible routes.

`{"error": {"code": <int>, "message": …, "status": <RPC status name>, "details"?: […]}}`,
with Google's wording for auth (a wrong key is a 400 `API_KEY_INVALID`, a
missing one a 403) and quota errors (`RESOURCE_EXHAUSTED` with a `RetryInfo`).
"""

from __future__ import annotations

import json
from typing import Any

from fakellm.errors import ApiError, ErrorKind

STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    408: "DEADLINE_EXCEEDED",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
    529: "UNAVAILABLE",
}
STOCK_MESSAGES = {
    400: "Request contains an invalid argument.",
    401: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    408: "Deadline expired before operation could complete.",
    409: "The operation was aborted.",
    413: "Request payload size exceeds the limit.",
    500: "An internal error has occurred. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting",
    502: "The service is currently unavailable.",
    503: "The model is overloaded. Please try again later.",
    504: "Deadline expired before operation could complete.",
    529: "The model is overloaded. Please try again later.",
}
INVALID_KEY = "API key not valid. Please pass a valid API key."
MISSING_KEY = (
    "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or "
    "other form of API consumer identity to call this API."
)
_SERVICE = "generativelanguage.googleapis.com"


def error_status(error: ApiError) -> int:
    """Google answers a wrong key with 400 and a missing one with 403, not 401."""
    if error.code == "invalid_api_key":
        return 400
    if error.code == "missing_api_key":
        return 403
    return error.status


def _seconds(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") + "s"


def _quota(error: ApiError) -> tuple[str, list[dict[str, Any]]]:
    d = error.details
    wait = error.retry_after if error.retry_after is not None else 1.0
    per = "Tokens" if d.get("limit_name") == "tokens" else "Requests"
    metric = "input_token_count" if per == "Tokens" else "requests"
    model = str(d.get("model", "gemini"))
    message = (
        "You exceeded your current quota, please check your plan and billing details. For more information on "
        "this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. To monitor your current usage, "
        f"head to: https://ai.dev/usage?tab=rate-limit. \n* Quota exceeded for metric: "
        f"{_SERVICE}/generate_content_free_tier_{metric}, limit: {d.get('limit', 0)}, model: {model}\n"
        f"Please retry in {_seconds(wait)}."
    )
    details: list[dict[str, Any]] = [
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [
                {
                    "quotaMetric": f"{_SERVICE}/generate_content_free_tier_{metric}",
                    "quotaId": f"Generate{per}PerMinutePerProjectPerModel-FreeTier",
                    "quotaDimensions": {"location": "global", "model": model},
                    "quotaValue": str(d.get("limit", 0)),
                }
            ],
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Learn more about Gemini API quotas",
                    "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                }
            ],
        },
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{max(0, int(wait))}s"},
    ]
    return message, details


def error_object(error: ApiError) -> dict[str, Any]:
    """The inner `error` object; `code` is always an int (google-genai compares it numerically)."""
    status = error_status(error)
    details: list[dict[str, Any]] = []
    if error.message:
        message = error.message
    elif error.code == "invalid_api_key":
        message = INVALID_KEY
        details = [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": _SERVICE},
            },
            {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US", "message": INVALID_KEY},
        ]
    elif error.code == "missing_api_key":
        message = MISSING_KEY
    elif error.kind is ErrorKind.RATE_LIMIT:
        message, details = _quota(error)
    elif error.code == "model_not_found":
        d = error.details
        message = (
            f"models/{str(d.get('model', '')).removeprefix('models/')} is not found for API version "
            f"{d.get('api_version', 'v1beta')}, or is not supported for {d.get('method', 'generateContent')}. "
            "Call ModelService.ListModels to see the list of available models and their supported methods."
        )
    else:
        message = STOCK_MESSAGES.get(status, f"The request failed with HTTP status {status}.")
    status_name = STATUS_NAMES.get(status, "INTERNAL" if status >= 500 else "INVALID_ARGUMENT")
    body: dict[str, Any] = {"code": status, "message": message, "status": status_name}
    if details:
        body["details"] = details
    return body


def pretty(value: Any) -> str:
    """Google's pretty-printing: two-space indent, `": "` after keys."""
    return json.dumps(value, indent=2, ensure_ascii=False)
