"""Inbound API keys: without configured keys anything passes; with them, the dialect's own refusal."""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from fakellm.context import RequestContext
from fakellm.errors import ApiError


def key_hint(key: str) -> str:
    """A key with its middle masked, as providers quote it back (`sk-ab***wxyz`)."""
    if len(key) <= 8:
        return "*" * len(key)
    return key[:3] + "*" * (len(key) - 7) + key[-4:]


class Auth:
    def __init__(self, keys: Iterable[str] = ()) -> None:
        self.keys = [k.encode() for k in keys if k]

    @property
    def enabled(self) -> bool:
        return bool(self.keys)

    def accepts(self, key: str | None) -> bool:
        if not self.keys:
            return True
        if not key:
            return False
        given = key.encode()
        # Compare against every key so the time taken does not depend on which one matched.
        matched = False
        for expected in self.keys:
            matched |= hmac.compare_digest(given, expected)
        return matched

    def check(self, ctx: RequestContext) -> None:
        if not self.keys:
            return
        key = ctx.dialect.api_key(ctx)
        if not key:
            raise ApiError(401, code="missing_api_key")
        if not self.accepts(key):
            raise ApiError(401, code="invalid_api_key", details={"key_hint": key_hint(key)})
