"""Routing: which dialect answers a path, the `/s/{scenario}/` prefix, and 404/405 in the right shape.

Exact paths are a dictionary look-up; only parameterised routes (Azure
deployments, Gemini models) use regular expressions.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.types import Scope

from fakellm.context import ARRIVED, RequestContext
from fakellm.dialects.base import Dialect, RouteSpec
from fakellm.ids import IdSource

SCENARIO_PREFIX = "/s/"


@dataclass(slots=True)
class _Candidates:
    by_method: dict[str, list[tuple[Dialect, RouteSpec]]] = field(default_factory=dict)


@dataclass(slots=True)
class RouteMiss:
    """No route answered: `allowed` lists the methods the path does accept (405), empty for 404."""

    dialect: Dialect
    ctx: RequestContext
    allowed: list[str]


class Router:
    def __init__(self, dialects: list[Dialect], ids: IdSource | None = None) -> None:
        self.dialects = dialects
        self.ids = ids if ids is not None else IdSource()
        self._exact: dict[str, _Candidates] = {}
        self._patterns: list[tuple[re.Pattern[str], Dialect, RouteSpec]] = []
        for dialect in dialects:
            for spec in dialect.routes:
                if spec.regex:
                    self._patterns.append((spec.compiled(), dialect, spec))
                else:
                    slot = self._exact.setdefault(spec.pattern, _Candidates())
                    slot.by_method.setdefault(spec.method, []).append((dialect, spec))

    def _error_dialect(self, path: str) -> Dialect:
        for dialect in self.dialects:
            if any(path.startswith(p) for p in dialect.error_prefixes):
                return dialect
        return self.dialects[0]

    def _miss(
        self,
        method: str,
        raw_path: str,
        path: str,
        headers: dict[str, str],
        query: dict[str, str],
        scenario: str | None,
        allowed: list[str],
        owners: list[Dialect],
        shared: bool,
    ) -> RouteMiss:
        """A 404 in the shape of the dialect whose client unmistakably sent it (`claims_miss`: google-genai's
        `GET /v1/nothing` is Google's), else of the path's prefix. A 405 in the shape of the dialect whose route pattern
        the path matched (a wrong method on Gemini's `/v1/models/...:generateContent` is Google's), or
        for an exact path several dialects share, of the first that `claims_miss` the request (`POST
        /v1/models` with a Google key is Google's); otherwise of the path's prefix."""

        def context(dialect: Dialect) -> RequestContext:
            return RequestContext(
                dialect, method, raw_path, "", headers, query, {}, scenario, route_path=path, ids=self.ids
            )

        for dialect in owners:
            ctx = context(dialect)
            if not shared or dialect.claims_miss(ctx):
                return RouteMiss(dialect, ctx, allowed)
        if not allowed:  # an unknown path from a client that is unmistakably one provider's gets its 404
            for dialect in self.dialects:
                ctx = context(dialect)
                if dialect.claims_miss(ctx):
                    return RouteMiss(dialect, ctx, allowed)
        dialect = self._error_dialect(path)
        return RouteMiss(dialect, context(dialect), allowed)

    def resolve(self, scope: Scope) -> RequestContext | RouteMiss:
        raw_path: str = scope["path"]
        path = raw_path
        scenario: str | None = None
        if path.startswith(SCENARIO_PREFIX):
            name, _, rest = path[len(SCENARIO_PREFIX) :].partition("/")
            scenario, path = name or None, "/" + rest
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/")
        method: str = scope["method"]
        # The last value of a repeated header wins.
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        raw_query: bytes = scope.get("query_string", b"")
        query = dict(parse_qsl(raw_query.decode("latin-1"))) if raw_query else {}

        allowed: list[str] = []
        candidates: list[tuple[Dialect, RouteSpec, dict[str, str]]] = []
        owners: list[Dialect] = []  # who has the path in another method (405); `shared`: by exact path
        shared = False
        slot = self._exact.get(path)
        if slot is not None:
            found = slot.by_method.get(method)
            if found is not None:
                candidates = [(d, spec, {}) for d, spec in found]
            else:
                allowed = list(slot.by_method)
                owners, shared = [d for routes in slot.by_method.values() for d, _ in routes], True
        else:
            for pattern, dialect, spec in self._patterns:
                match = pattern.match(path)
                if match is None:
                    continue
                if spec.method == method:
                    candidates.append((dialect, spec, match.groupdict()))
                else:
                    owners.append(dialect)
                    if spec.method not in allowed:
                        allowed.append(spec.method)
        if not candidates:
            return self._miss(method, raw_path, path, headers, query, scenario, allowed, owners, shared)
        # The request arrived once, whichever dialect's context asks: when the server read it, if it says.
        started: float = scope.get(ARRIVED) or time.monotonic()
        for dialect, spec, params in candidates:
            ctx = RequestContext(
                dialect,
                method,
                raw_path,
                spec.operation,
                headers,
                query,
                params,
                scenario,
                route_path=path,
                started=started,
                ids=self.ids,
            )
            if len(candidates) == 1 or dialect.claims(ctx):
                return ctx
        return ctx  # nobody claimed it: the last registered dialect is the fallback
