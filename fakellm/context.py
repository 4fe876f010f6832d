"""What the server knows about one request before and besides its body.

The router makes a `RequestContext`; the dialect, the scenario, the fault stage
and the journal all read it, and nobody changes it: what the server decides about
a request on its way (the scenario chosen, the replies, the faults) lives on the
pipeline's `Exchange`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fakellm.ids import IdSource

if TYPE_CHECKING:
    from fakellm.dialects.base import Dialect


_UNSEEDED = IdSource()
# The ASGI scope key under which the server's protocol puts the `time.monotonic()` at which a request's
# bytes were read (`fakellm.server.limits`); a request's schedule counts from it.
ARRIVED = "fakellm.arrived"


@dataclass(frozen=True, init=False)
class RequestContext:
    dialect: Dialect
    method: str
    path: str
    operation: str  # "chat", or another the dialect answers (`RouteSpec.operation`)
    headers: dict[str, str]  # lower-cased names; the last value wins
    query: dict[str, str]
    path_params: dict[str, str]
    scenario_from_path: str | None
    route_path: str  # the path routed on: without `/s/{scenario}` and a trailing slash
    started: float
    wall_time: float
    ids: IdSource  # the app's own id source

    def __init__(
        self,
        dialect: Dialect,
        method: str,
        path: str,
        operation: str,
        headers: dict[str, str],
        query: dict[str, str],
        path_params: dict[str, str] | None = None,
        scenario_from_path: str | None = None,
        route_path: str = "",
        started: float | None = None,
        wall_time: float | None = None,
        ids: IdSource = _UNSEEDED,
    ) -> None:
        # Frozen: assigning to a field raises. The fields are written straight into the instance
        # dict, once, which costs half of what the generated frozen `__init__` does (one
        # `object.__setattr__` a field) on every request; tests pin that every field is set.
        self.__dict__.update(
            dialect=dialect,
            method=method,
            path=path,
            operation=operation,
            headers=headers,
            query=query,
            path_params={} if path_params is None else path_params,
            scenario_from_path=scenario_from_path,
            route_path=route_path,
            started=time.monotonic() if started is None else started,
            wall_time=time.time() if wall_time is None else wall_time,
            ids=ids,
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())
