"""Azure OpenAI's chat-completions dialect: `/openai/deployments/{deployment}/chat/completions`.

Azure serves OpenAI's schema with its own touches, set in its `Policy`: every JSON object has
its keys sorted, a stream opens with a prompt-filter chunk (`choices: []`, empty id and model),
every choice carries `content_filter_results`, there is no `service_tier` or `obfuscation`,
models report a versioned name, and errors carry a *string* `code`.

The Azure v1 route `/openai/v1/chat/completions` is also Groq's path: Azure claims it only when
the request carries an `api-key` header.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar
from urllib.parse import quote

from fakellm.context import RequestContext
from fakellm.dialects.base import ErrorResponse, RouteSpec, SampleCall
from fakellm.dialects.openai.encoding import NATIVE, SORTED
from fakellm.dialects.openai.family import JSON_MEDIA_TYPE, OpenAIFamilyDialect, bearer_key, model_path
from fakellm.dialects.openai.policy import FINGERPRINT, Policy, Reasoning, shown_reasoning
from fakellm.dialects.openai.request import parse_chat_body
from fakellm.errors import ApiError, ErrorKind
from fakellm.faults.ratelimit import RateLimitStatus
from fakellm.ids import IdSource
from fakellm.model import ChatRequest, Reply

V1_PATH = "/openai/v1/chat/completions"
# Azure's v1 route under a prefix no other dialect shares: a plain OpenAI client with a Bearer key
# (pipecat builds one for `…/openai/v1`) is Azure's here, whatever its headers.
ALIAS_BASE = "/azure/openai/v1"
REGION = "East US 2"
MODEL_SESSION = "d016-20250930181259"
# Limits and what remains (Azure sends no reset durations).
RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "100",
    "x-ratelimit-limit-tokens": "100000",
    "x-ratelimit-remaining-requests": "99",
    "x-ratelimit-remaining-tokens": "99998",
}
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")  # a header value is printable ASCII
DEFAULT_API_VERSION = "2024-10-21"
_SAFE = {"filtered": False, "severity": "safe"}
PROMPT_FILTER = {
    "hate": _SAFE,
    "jailbreak": {"filtered": False, "detected": False},
    "self_harm": _SAFE,
    "sexual": _SAFE,
    "violence": _SAFE,
}
# The opening chunk of every stream. Unlike the rest, its filter results are not key-sorted.
PROMPT_FILTER_CHUNK = (
    'data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":'
    + json.dumps([{"prompt_index": 0, "content_filter_results": PROMPT_FILTER}], separators=(",", ":"))
    + "}\n\n"
).encode()
CONTENT_FILTER = {"hate": _SAFE, "self_harm": _SAFE, "sexual": _SAFE, "violence": _SAFE}
# Azure's own bytes for a route it does not know, including its odd space after `"message":`.
RESOURCE_NOT_FOUND = b'{"error":{"code":"404","message": "Resource not found"}}'
_STOCK_MESSAGES = {
    400: "The request is invalid.",
    401: "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid "
    "key for an active subscription and use a correct regional API endpoint for your resource.",
    403: "Access denied: the resource does not allow this request.",
    404: "The API deployment for this resource does not exist. If you created the deployment within the last "
    "5 minutes, please wait a moment and try again.",
    408: "The operation was timeout.",
    409: "The request conflicts with the current state of the resource.",
    413: "The request body is too large.",
    500: "The server had an error while processing your request. Sorry about that!",
    502: "Bad gateway.",
    503: "The service is temporarily unable to process your request. Please try again later.",
    504: "The operation was timeout.",
}


def _body_tail(ids: IdSource) -> dict[str, Any]:
    return {
        "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": PROMPT_FILTER}],
        "system_fingerprint": FINGERPRINT,
    }


POLICY = Policy(
    encoder=SORTED,
    service_tier=None,
    content_filter=CONTENT_FILTER,
    message_tail=(("annotations", ()), ("refusal", None)),
    opening=PROMPT_FILTER_CHUNK,
    obfuscation=True,  # 2025-26 Azure pads every chunk, the usage chunk too
    body_tail=_body_tail,
)


class AzureDialect(OpenAIFamilyDialect):
    name: ClassVar[str] = "azure"
    client_base_path: ClassVar[str] = ""  # the SDK adds its own path
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", r"/openai/deployments/(?P<deployment>.+?)/chat/completions", "chat", regex=True),
        RouteSpec("POST", V1_PATH, "chat"),
        RouteSpec("GET", "/openai/v1/models", "models"),
        RouteSpec("GET", "/openai/models", "models"),
        model_path("/openai/v1/models"),
        model_path("/openai/models"),
        RouteSpec("POST", ALIAS_BASE + "/chat/completions", "chat"),
        RouteSpec("GET", ALIAS_BASE + "/models", "models"),
        model_path(ALIAS_BASE + "/models"),
    )
    error_prefixes: ClassVar[tuple[str, ...]] = ("/openai/deployments/", "/azure/")
    other_base_paths: ClassVar[dict[str, str]] = {"azure_v1": ALIAS_BASE}
    key_headers: ClassVar[tuple[str, ...]] = ("api-key", "authorization")
    policy: ClassVar[Policy] = POLICY

    @classmethod
    def sample_call(cls, text: str, model: str, key: str, *, stream: bool) -> SampleCall | None:
        """As `AzureOpenAI` sends it: the deployment in the path, `api-version`, an `api-key` header."""
        body = {"messages": [{"role": "user", "content": text}], "stream": stream}
        path = f"/openai/deployments/{quote(model, safe='')}/chat/completions?api-version={DEFAULT_API_VERSION}"
        return SampleCall(path, {"api-key": key}, body)

    def claims(self, ctx: RequestContext) -> bool:
        return "deployment" in ctx.path_params or "api-key" in ctx.headers or ctx.route_path.startswith("/azure/")

    def api_key(self, ctx: RequestContext) -> str | None:
        key = ctx.header("api-key")
        return key.strip() if key is not None else bearer_key(ctx)

    def parse(self, body: Any, ctx: RequestContext) -> ChatRequest:
        deployment = ctx.path_params.get("deployment")
        if deployment is not None and not ctx.query.get("api-version"):
            raise ApiError(404, code="missing_api_version")
        request = parse_chat_body(body, self.name, model_required=deployment is None)
        if deployment is not None:
            request.model = deployment
        self.refuse_fields(body, request.model)
        return request

    def response_headers(self, ctx: RequestContext) -> dict[str, str]:
        # The gateway's id and the model service's are two different UUIDs.
        headers = {
            "apim-request-id": ctx.ids.uuid(),
            "x-request-id": ctx.ids.uuid(),
            "x-ms-region": REGION,
            "x-ms-rai-invoked": "true",
            "azureml-model-session": MODEL_SESSION,
            **RATE_LIMIT_HEADERS,  # a configured rate limit's headers (the fault stage's) replace these
        }
        deployment = ctx.path_params.get("deployment")
        if deployment:
            printable = deployment.isascii() and deployment.isprintable()
            headers["x-ms-deployment-name"] = deployment if printable else _UNPRINTABLE.sub("?", deployment)
        return headers

    def retry_headers(self, seconds: float) -> dict[str, str]:
        # Azure's 429s carry the wait twice: in seconds and in milliseconds.
        return {**super().retry_headers(seconds), "retry-after-ms": str(max(1, round(seconds * 1000)))}

    def rate_limit_headers(self, status: RateLimitStatus) -> dict[str, str]:
        # Azure sends limits and what remains, never the reset durations.
        return {k: v for k, v in super().rate_limit_headers(status).items() if "-reset-" not in k}

    # --- bodies --------------------------------------------------------------------------------

    def reasoning(self, request: ChatRequest, reply: Reply, *, stream: bool) -> Reasoning:
        return shown_reasoning(reply)

    # --- errors --------------------------------------------------------------------------------

    def error_object(self, error: ApiError, ctx: RequestContext) -> dict[str, Any]:
        # Validation errors come from the model service in OpenAI's shape; the gateway's own
        # errors (auth, quota, routing, outages) are just a string code and a message.
        if error.status == 400:
            return {
                "message": error_message(error),
                "type": "invalid_request_error",
                "param": error.param,
                "code": error.code or "BadRequest",
            }
        code = "DeploymentNotFound" if error.code == "model_not_found" else str(error.status)
        return {"code": code, "message": error_message(error)}

    def render_error(self, error: ApiError, ctx: RequestContext) -> ErrorResponse:
        headers = {"content-type": JSON_MEDIA_TYPE, **error.headers}
        if error.code in ("missing_api_version", "unknown_url"):
            return ErrorResponse(404, headers, RESOURCE_NOT_FOUND)
        if error.kind is ErrorKind.RATE_LIMIT and "api_version" not in error.details:
            error.details["api_version"] = ctx.query.get("api-version", DEFAULT_API_VERSION)
        wrapped = {"error": self.error_object(error, ctx)}
        # OpenAI-style validation errors keep OpenAI's key order; the gateway's are sorted.
        body = NATIVE.encode(wrapped) if error.status == 400 else SORTED.encode(wrapped)
        return ErrorResponse(error.status, headers, body.encode())

    def render_stream_error(self, error: ApiError, request: ChatRequest, ctx: RequestContext) -> bytes:
        if error.kind is ErrorKind.RATE_LIMIT:
            # The v1 route carries no api-version; its quota errors name "v1".
            error.details.setdefault("api_version", ctx.query.get("api-version") or "v1")
        return f"data: {SORTED.encode({'error': self.error_object(error, ctx)})}\n\n".encode()


def error_message(error: ApiError) -> str:
    if error.message:
        return error.message
    if error.code == "missing_api_key":
        return (
            "Access denied due to missing subscription key. Make sure to include subscription key when "
            "making requests to an API."
        )
    if error.kind is ErrorKind.RATE_LIMIT:
        return rate_limit_message(error)
    return _STOCK_MESSAGES.get(error.status, f"The request failed with status {error.status}.")


def rate_limit_message(error: ApiError) -> str:
    """The 2025 wording: the model, region, pricing tier, operation and api-version, then the wait."""
    kind = "token" if error.details.get("limit_name") == "tokens" else "call"
    wait = max(1, round(error.retry_after or 1))
    version = error.details.get("api_version", DEFAULT_API_VERSION)
    model = error.details.get("model", "gpt-4o")
    return (
        f"Your requests to {model} for {model} in {REGION} have exceeded the {kind} rate limit for your current "
        f"AIServices S0 pricing tier. This request was for ChatCompletions_Create under Azure OpenAI API version "
        f"{version}. Please retry after {wait} second{'s' if wait != 1 else ''}."
    )
