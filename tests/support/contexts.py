"""Request contexts for tests that call a dialect or a stage directly, without a server."""

from __future__ import annotations

from typing import Any

from fakellm.context import RequestContext
from fakellm.dialects.base import Dialect


def context_for(dialect: Dialect, *, path: str = "/", operation: str = "chat", **fields: Any) -> RequestContext:
    headers, query = fields.pop("headers", {}), fields.pop("query", {})
    return RequestContext(dialect, "POST", path, operation, headers, query, **fields)
