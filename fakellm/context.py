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
_SET = object.__setattr__


@dataclass(frozen=True, slots=True, init=False)
class RequestContext:
    dialect: Dialect
    method: str
    path: str
    operation: str  # "chat" or "models"
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
        # Each field set once, with `object.__setattr__` looked up once: the generated frozen `__init__`
        # looks it up per field and costs about twice as much, on every request (tests pin the fields).
        init = _SET
        init(self, "dialect", dialect)
        init(self, "method", method)
        init(self, "path", path)
        init(self, "operation", operation)
        init(self, "headers", headers)
        init(self, "query", query)
        init(self, "path_params", {} if path_params is None else path_params)
        init(self, "scenario_from_path", scenario_from_path)
        init(self, "route_path", route_path)
        init(self, "started", time.monotonic() if started is None else started)
        init(self, "wall_time", time.time() if wall_time is None else wall_time)
        init(self, "ids", ids)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())
