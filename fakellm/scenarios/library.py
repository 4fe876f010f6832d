"""The loaded scenarios, and how a request picks one.

Order of precedence: the path prefix `/s/{name}/`, the `X-FakeLLM-Scenario`
header, a model named `fakellm/{name}`, then the default scenario.
"""

from __future__ import annotations

from collections.abc import Iterable

from fakellm.config import DEFAULT_SCENARIO
from fakellm.context import RequestContext
from fakellm.dialects.base import MODEL_PREFIX
from fakellm.errors import ApiError
from fakellm.model import ChatRequest
from fakellm.scenarios import Scenario

SCENARIO_HEADER = "x-fakellm-scenario"


class ScenarioLibrary:
    def __init__(self, scenarios: Iterable[Scenario], default: str = DEFAULT_SCENARIO) -> None:
        self._by_name: dict[str, Scenario] = {}
        for scenario in scenarios:
            if scenario.name in self._by_name:
                raise ValueError(f"two scenarios are named {scenario.name!r}")
            self._by_name[scenario.name] = scenario
        self.default = default

    @property
    def names(self) -> list[str]:
        return sorted(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def get(self, name: str) -> Scenario:
        scenario = self._by_name.get(name)
        if scenario is None:
            raise ApiError(
                404,
                f"Scenario '{name}' is not loaded. Loaded scenarios: {', '.join(self.names)}.",
                code="scenario_not_found",
                param="scenario",
            )
        return scenario

    def replace(self, scenario: Scenario) -> None:
        """Add a scenario, or swap one of the same name (used by the test harness)."""
        self._by_name[scenario.name] = scenario

    def remove(self, name: str) -> None:
        self._by_name.pop(name, None)

    def requested_name(self, ctx: RequestContext, model: str | None) -> str:
        if ctx.scenario_from_path:
            return ctx.scenario_from_path
        header = ctx.header(SCENARIO_HEADER)
        if header:
            return header.strip()
        if model and model.startswith(MODEL_PREFIX):
            return model[len(MODEL_PREFIX) :]
        return self.default

    def select(self, ctx: RequestContext, request: ChatRequest | None) -> Scenario:
        return self.get(self.requested_name(ctx, request.model if request else None))

    def reset(self) -> None:
        for scenario in self._by_name.values():
            scenario.reset()

    def model_ids(self) -> list[str]:
        ids = [MODEL_PREFIX + name for name in self.names]
        for name in self.names:
            ids += [m for m in self._by_name[name].model_ids() if m not in ids]
        return ids
