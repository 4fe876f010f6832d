"""Masking secrets before the journal stores them: credentials in headers and keys in query parameters.

Which headers carry a credential is one rule, shared with reply templates (`dialects/credentials.py`); the
providers' key parameters come from the dialects, with the usual other ones. A masked value keeps
enough to recognise it (`Bearer sk-l***yz`) and never the key itself.
"""

from __future__ import annotations

from fakellm.dialects import key_query_params
from fakellm.dialects.credentials import is_credential_header, mask, mask_credential
from fakellm.dialects.credentials import masked_headers as _masked_headers

SECRET_QUERY = key_query_params() | {"api_key", "api-key"}


def mask_header(name: str, value: str) -> str:
    return mask_credential(value) if is_credential_header(name) else value


def masked_headers(headers: dict[str, str]) -> dict[str, str]:
    """A copy of `headers` with every credential masked (the journal keeps its own copy)."""
    masked = _masked_headers(headers)
    return dict(masked) if masked is headers else masked


def masked_query(query: dict[str, str]) -> dict[str, str]:
    return {k: (mask(v) if k in SECRET_QUERY else v) for k, v in query.items()} if query else {}
