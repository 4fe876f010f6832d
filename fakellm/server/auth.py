"""Inbound API keys: without configured keys anything passes; with them, the dialect's own refusal.

Keys come from `--api-key` (server-wide) or a scenario's `api_keys`, which
replace the server-wide ones for that scenario. Comparison is constant-time.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence

from fakellm.context import RequestContext
from fakellm.errors import ApiError


def key_hint(key: str) -> str:
    """A key with its middle masked, as providers quote it back (`sk-ab***wxyz`)."""
    if len(key) <= 8:
        return "*" * len(key)
    return key[:3] + "*" * (len(key) - 7) + key[-4:]


def _matches(given: str, keys: Sequence[bytes]) -> bool:
    encoded = given.encode()
    # Compare against every key so the time taken does not depend on which one matched.
    matched = False
    for expected in keys:
        matched |= hmac.compare_digest(encoded, expected)
    return matched


class Auth:
    def __init__(self, keys: Iterable[str] = ()) -> None:
        self.keys = [k.encode() for k in keys if k]

    @property
    def enabled(self) -> bool:
        return bool(self.keys)

    def accepts(self, key: str | None, scenario_keys: Sequence[str] | None = None) -> bool:
        keys = self.keys if scenario_keys is None else [k.encode() for k in scenario_keys if k]
        if not keys:
            return True
        return bool(key) and _matches(key or "", keys)

    def refusal(self, ctx: RequestContext, scenario_keys: Sequence[str] | None = None) -> ApiError | None:
        """The error to answer with when the request's key is missing or wrong; None when it passes."""
        if scenario_keys is None and not self.keys:  # no keys asked for: anything goes
            return None
        key = ctx.dialect.api_key(ctx)
        if self.accepts(key, scenario_keys):
            return None
        if not key:
            return ApiError(401, code="missing_api_key")
        # The key itself too: each provider masks it its own way when it quotes it back.
        return ApiError(401, code="invalid_api_key", details={"key_hint": key_hint(key), "key": key})

    def check(self, ctx: RequestContext, scenario_keys: Sequence[str] | None = None) -> None:
        refusal = self.refusal(ctx, scenario_keys)
        if refusal is not None:
            raise refusal
