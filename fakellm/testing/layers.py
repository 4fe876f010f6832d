"""Scenarios given to `FakeLLM` in Python: objects, dicts in the scenario file format, paths, and rules
added while the server runs (`llm.add_rule(...)`).

An added rule sits in front of a scenario: the added rules are tried in the order they were added, and
when none matches, the scenario answers as it did before.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from fakellm.context import RequestContext
from fakellm.model import ChatRequest
from fakellm.scenarios import Outcome, Scenario
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.format import Match, Rule, ScenarioFile

ScenarioSource = Scenario | dict[str, Any] | ScenarioFile | str | Path
# Keyword arguments of `add_rule` that are conditions: they go into the rule's `match`.
MATCH_FIELDS = frozenset(name for name in Match.model_fields if name != "not_") | {"not"}


def split_sources(
    sources: ScenarioSource | Iterable[ScenarioSource], seed: int | None
) -> tuple[list[Scenario], list[Path]]:
    """Scenario objects (dicts and `ScenarioFile`s turned into scenarios) and the paths to load as files."""
    if isinstance(sources, str | Path | dict | ScenarioFile) or hasattr(sources, "respond"):
        sources = [sources]  # type: ignore[list-item]
    scenarios: list[Scenario] = []
    paths: list[Path] = []
    for index, source in enumerate(sources):
        if isinstance(source, str | Path):
            paths.append(Path(source))
        elif isinstance(source, dict | ScenarioFile):
            scenarios.append(scenario_from_dict(source, seed, f"scenario #{index + 1}"))
        else:
            scenarios.append(source)
    return scenarios, paths


def scenario_from_dict(source: dict[str, Any] | ScenarioFile, seed: int | None, where: str) -> Scenario:
    try:
        spec = source if isinstance(source, ScenarioFile) else ScenarioFile.model_validate(source)
    except ValidationError as exc:
        raise ValueError(f"{where} is not a valid scenario:\n{exc}") from None
    if not spec.name:
        raise ValueError(f"{where} needs a `name` (only files can take their name from the file name)")
    return FileScenario(spec, name=spec.name, seed=seed)


def rule_from(rule: Rule | dict[str, Any] | None, fields: dict[str, Any]) -> Rule:
    """A rule from a `Rule`, a dict in the file format, or keywords where conditions (`user=`, `model=`,
    `tool=`, ...) may be given directly instead of inside `match=`."""
    data: dict[str, Any] = rule.model_dump(exclude_unset=True, by_alias=True) if isinstance(rule, Rule) else {}
    data.update(dict(rule) if isinstance(rule, dict) else {})
    conditions = {k: fields.pop(k) for k in list(fields) if k in MATCH_FIELDS}
    data.update(fields)
    if conditions:
        data["match"] = {**(data.get("match") or {}), **conditions}
    try:
        return Rule.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"not a valid rule:\n{exc}") from None


class RuleLayer:
    """Rules added in Python in front of a scenario (or alone, for a scenario that did not exist)."""

    def __init__(self, name: str, rules: list[Rule], base: Scenario | None, seed: int | None) -> None:
        self.name = name
        self.base = base
        self.rules = rules
        self.description = base.description if base else "rules added in Python"
        self.api_keys: list[str] | None = getattr(base, "api_keys", None)
        spec = ScenarioFile.model_validate({"name": name, "rules": rules})
        self._added = FileScenario(spec, name=name, seed=seed)

    def with_rule(self, rule: Rule, seed: int | None) -> RuleLayer:
        layer = RuleLayer(self.name, [*self.rules, rule], self.base, seed)
        layer._added.continue_from(self._added)  # adding a rule must not restart the earlier ones' sequences
        return layer

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
        outcome = self._added.respond(request, ctx)
        if outcome.rule is None and self.base is not None:
            return self.base.respond(request, ctx)
        return outcome

    def model_ids(self) -> list[str]:
        return self.base.model_ids() if self.base else []

    def reset(self) -> None:
        self._added.reset()
        if self.base is not None:
            self.base.reset()
