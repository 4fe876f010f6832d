"""What the server knows about one request before and besides its body.

The router makes a `RequestContext`; the dialect, the scenario, the fault stage
and the journal all read it, and nobody changes it: what the server decides about
a request on its way (the scenario chosen, the replies, the faults) lives on the
pipeline's `Exchange`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fakellm.ids import IdSource

if TYPE_CHECKING:
    from fakellm.dialects.base import Dialect


_UNSEEDED = IdSource()


@dataclass(frozen=True, slots=True)
class RequestContext:
    dialect: Dialect
    method: str
    path: str
    operation: str  # "chat" or "models"
    headers: dict[str, str]  # lower-cased names; the last value wins
    query: dict[str, str]
    path_params: dict[str, str] = field(default_factory=dict)
    scenario_from_path: str | None = None
    route_path: str = ""  # the path routed on: without `/s/{scenario}` and a trailing slash
    started: float = field(default_factory=time.monotonic)
    wall_time: float = field(default_factory=time.time)
    ids: IdSource = field(default_factory=lambda: _UNSEEDED)  # the app's own id source

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())
