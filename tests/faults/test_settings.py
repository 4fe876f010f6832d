"""Where a request's fault settings come from: the server defaults and the scenario's, merged once
when the library is built; the `X-FakeLLM-*` headers over them per request. Keys are not a fault."""

from __future__ import annotations

import pydantic
import pytest

from fakellm.config import ServerConfig
from fakellm.dialects.openai import OpenAIDialect
from fakellm.faults.spec import FaultSpec
from fakellm.model import ChatRequest, Message, TextPart
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.format import Defaults, ScenarioFile
from fakellm.server.app import build_library
from tests.support.contexts import context_for

CTX = context_for(OpenAIDialect())
REQUEST = ChatRequest("openai", "m", [Message("user", [TextPart("hi")])])


def faults_of(scenario: object) -> FaultSpec:
    outcome = scenario.respond(REQUEST, CTX)  # type: ignore[attr-defined]
    assert outcome.faults is not None
    return outcome.faults


def test_server_defaults_are_merged_into_every_file_scenario_when_the_library_is_built() -> None:
    library = build_library(ServerConfig(ttft_ms=250, tokens_per_second=40))
    flaky = faults_of(library.get("flaky"))  # sets an error, no latency: the server's latency applies
    assert flaky.latency is not None
    assert (flaky.latency.ttft_ms, flaky.latency.tokens_per_second) == (250, 40)
    assert flaky.error is not None
    slow = faults_of(library.get("slow"))  # sets its own latency: it wins, field by field
    assert slow.latency is not None
    assert (slow.latency.ttft_ms, slow.latency.tokens_per_second, slow.latency.jitter_ms) == (1500, 15, 20)


def test_a_rule_goes_over_the_scenario_which_goes_over_the_server() -> None:
    spec = ScenarioFile.model_validate(
        {
            "name": "layers",
            "defaults": {"latency": {"ttft_ms": 100}, "error": {"status": 503, "every": 2}},
            "rules": [{"reply": "x", "latency": {"tokens_per_second": 5}}],
        }
    )
    server = FaultSpec.model_validate({"latency": {"ttft_ms": 900, "jitter_ms": 7}})
    merged = faults_of(FileScenario(spec, faults=server))
    assert merged.latency is not None
    assert (merged.latency.ttft_ms, merged.latency.tokens_per_second, merged.latency.jitter_ms) == (100, 5, 7)
    assert merged.error is not None
    assert merged.error.every == 2
    assert faults_of(FileScenario(spec)).latency.jitter_ms == 0  # type: ignore[union-attr]


def test_api_keys_are_a_scenario_default_not_a_fault_setting() -> None:
    with pytest.raises(pydantic.ValidationError):
        FaultSpec.model_validate({"api_keys": ["sk-a"]})
    spec = ScenarioFile.model_validate({"name": "private", "defaults": {"api_keys": ["sk-a"]}, "rules": []})
    assert isinstance(spec.defaults, Defaults)
    assert FileScenario(spec).api_keys == ["sk-a"]
    assert "api_keys" not in faults_of(FileScenario(spec)).model_fields_set
