"""Masking secrets before the journal stores them: keys in headers and query parameters.

The providers' key headers and parameters come from the dialects, with the
usual other places for credentials; a masked value keeps enough to recognise
it (`Bearer sk-l***yz`) and never the key itself.
"""

from __future__ import annotations

from fakellm.dialects import key_headers, key_query_params

SECRET_HEADERS = key_headers() | {"proxy-authorization", "x-api-key", "cookie", "set-cookie"}
SECRET_QUERY = key_query_params() | {"api_key", "api-key"}


def mask(value: str) -> str:
    if len(value) <= 8:
        return "***"
    return value[:4] + "***" + value[-2:]


def mask_header(name: str, value: str) -> str:
    if name not in SECRET_HEADERS:
        return value
    scheme, space, token = value.partition(" ")
    # Keep the scheme readable ("Bearer sk-t***yz"): a test may assert on how the key was sent.
    if space and scheme.lower() in ("bearer", "basic", "token") and token:
        return f"{scheme} {mask(token.strip())}"
    return mask(value)


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    masked = dict(headers)
    for name in SECRET_HEADERS & masked.keys():
        masked[name] = mask_header(name, masked[name])
    return masked


def masked_query(query: dict[str, str]) -> dict[str, str]:
    return {k: (mask(v) if k in SECRET_QUERY else v) for k, v in query.items()} if query else {}
