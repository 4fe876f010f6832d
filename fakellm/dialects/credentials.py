"""Which request headers carry a credential, and how one is shown masked.

The journal stores headers masked and reply templates never show a credential header as sent, both
by this one rule. It starts from where each provider's client sends its key (the dialects' own
`key_headers`), so a new dialect's key header is masked without being listed here.
"""

from __future__ import annotations

import re
from functools import lru_cache

from fakellm.dialects import key_headers

# A header is a credential if it is a provider's key header, a credential by name (`cookie`, Azure
# APIM's `ocp-apim-subscription-key`, ...), or one of its words (split at `-`, `_`, `.`) is or ends in
# `key`, `token`, `secret`, `password`, ... (`x-auth-token`, `x-amz-security-token`). A few names that
# only look like credentials (an idempotency key, a WebSocket handshake nonce) and fakellm's own
# `x-fakellm-*` control headers are shown as sent.

# The providers' own key headers (Bearer `authorization`, Azure's `api-key`, Google's `x-goog-api-key`)
# and the other headers that are credentials by name.
CREDENTIAL_HEADERS = key_headers() | {
    "proxy-authorization",
    "x-api-key",
    "ocp-apim-subscription-key",
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
