"""The provider dialects fakellm speaks. Order matters where two dialects share a path:
the first whose `claims()` accepts the request answers it."""

from __future__ import annotations

from fakellm.dialects.base import Dialect, ErrorResponse, RouteSpec
from fakellm.dialects.openai import OpenAIDialect


def all_dialects() -> list[Dialect]:
    return [OpenAIDialect()]


__all__ = ["Dialect", "ErrorResponse", "RouteSpec", "all_dialects"]
