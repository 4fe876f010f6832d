"""The provider dialects fakellm speaks, in the order the router consults them.

Where two dialects share a path, the first whose `claims()` accepts the request answers it:
- `/openai/v1/chat/completions` is Azure's v1 route and Groq's: with an `api-key` header it is
  Azure's, otherwise Groq's.
- `GET /v1/models` is OpenAI's and (since google-genai 3 defaults to API version v1) Gemini's:
  with a Google key (`x-goog-api-key`, `?key=`) or `x-goog-api-client` it is Gemini's.
An unknown path is answered in the shape of the first dialect with a matching error prefix, so
the more specific prefixes come first (`/v1beta/openai/` before `/v1beta/`) and OpenAI, whose
prefix is `/`, comes last."""

from __future__ import annotations

import re
from functools import lru_cache

from fakellm.dialects.azure import AzureDialect
from fakellm.dialects.base import Dialect, ErrorResponse, RouteSpec
from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.gemini.openai_compat import GeminiOpenAIDialect
from fakellm.dialects.groq import GroqDialect
from fakellm.dialects.openai import OpenAIDialect

DIALECTS: tuple[type[Dialect], ...] = (GeminiOpenAIDialect, GeminiDialect, AzureDialect, GroqDialect, OpenAIDialect)


def all_dialects() -> list[Dialect]:
    return [dialect() for dialect in DIALECTS]


def key_headers() -> frozenset[str]:
    """Every header in which some provider's client sends its key."""
    return frozenset(name for dialect in DIALECTS for name in dialect.key_headers)


def key_query_params() -> frozenset[str]:
    """Every query parameter in which some provider's client sends its key."""
    return frozenset(name for dialect in DIALECTS for name in dialect.key_query_params)


# --- credentials: which request headers carry one, and how one is shown masked ------------------
#
# The journal stores headers masked and reply templates never show a credential header as sent, both
# by this one rule: a provider's key header (from the dialects), a header that is a credential by
# name (`authorization`, `cookie`, Azure APIM's `ocp-apim-subscription-key`, ...), or a header one of
# whose words (split at `-`, `_`, `.`) is or ends in `key`, `token`, `secret` or `password`, such as
# `x-auth-token` or `x-amz-security-token`. A few names that only look like credentials (an
# idempotency key, a WebSocket handshake nonce) and fakellm's own `x-fakellm-*` control headers are
# shown as sent.

CREDENTIAL_HEADERS = key_headers() | {
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "ocp-apim-subscription-key",
    "x-goog-api-key",
    "cookie",
    "set-cookie",
}
NOT_CREDENTIALS = frozenset({"idempotency-key", "x-idempotency-key", "sec-websocket-key"})
_WORDS = re.compile(r"[-_.]+")
_SECRET_WORDS = (
    "key",
    "token",
    "secret",
    "password",
    "passwd",
    "credential",
    "credentials",
    "auth",
    "authorization",
    "cookie",
)
_SCHEMES = ("bearer", "basic", "token")


@lru_cache(maxsize=1024)
def is_credential_header(name: str) -> bool:
    """Whether the header (name in lower case) carries a credential, by the rule above."""
    if name in CREDENTIAL_HEADERS:
        return True
    if name in NOT_CREDENTIALS or name.startswith("x-fakellm-"):
        return False
    return any(word.endswith(_SECRET_WORDS) for word in _WORDS.split(name))


def mask(value: str) -> str:
    """Enough of a secret to recognise it (`sk-l***yz`), never the secret."""
    if len(value) <= 8:
        return "***"
    return value[:4] + "***" + value[-2:]


def mask_credential(value: str) -> str:
    """A credential header's value masked; the scheme stays readable (`Bearer sk-t***yz`), since a
    test may check how the key was sent."""
    scheme, space, token = value.partition(" ")
    if space and scheme.lower() in _SCHEMES and token.strip():
        return f"{scheme} {mask(token.strip())}"
    return mask(value)


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    """`headers` (names in lower case) with every credential masked; the same dict when none is."""
    secret = [name for name in headers if is_credential_header(name)]
    if not secret:
        return headers
    masked = dict(headers)
    for name in secret:
        masked[name] = mask_credential(masked[name])
    return masked


__all__ = [
    "CREDENTIAL_HEADERS",
    "DIALECTS",
    "Dialect",
    "ErrorResponse",
    "RouteSpec",
    "all_dialects",
    "is_credential_header",
    "key_headers",
    "key_query_params",
    "mask",
    "mask_credential",
    "masked_headers",
]
