"""`FakeLLM`: a real fakellm server on a free port in a background thread, for tests and scripts.

`with FakeLLM() as llm:` (or `async with`) starts it and stops it on exit; the
journal is `llm.requests`. Scenarios can be swapped while it runs, and
`reset()` puts everything back as it was at start (the pytest plugin does this
between tests).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Unpack

from fakellm.config import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_HOST,
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_SCENARIO,
    ServerConfig,
)
from fakellm.context import RequestContext
from fakellm.errors import ApiError
from fakellm.journal import FilterCriteria
from fakellm.journal.view import DEFAULT_SETTLE_TIMEOUT, Requests
from fakellm.model import ChatRequest
from fakellm.scenarios import Outcome, Scenario
from fakellm.scenarios.closest import NO_RULE_CODE
from fakellm.scenarios.format import Rule
from fakellm.server.app import AppSnapshot, FakeLLMApp, build_library
from fakellm.server.urls import base_urls
from fakellm.testing.client_urls import ClientUrls
from fakellm.testing.layers import RuleLayer, ScenarioSource, rule_from, scenario_from_dict, split_sources
from fakellm.testing.server_thread import ServerThread

DEFAULT_CLIENT_KEY = "sk-fakellm-test"
AZURE_API_VERSION = "2024-10-21"


class FakeLLMSurpriseError(AssertionError):
    """Something happened on the server that the test did not ask for: an unmatched request in
    strict mode, or an exception inside fakellm."""


class _Strict:
    """Wraps a scenario so that, in strict mode, a request no rule matched is refused and reported."""

    def __init__(self, inner: Scenario, harness: FakeLLM) -> None:
        self.inner = inner
        self._harness = harness
        self.name = inner.name
        self.description = inner.description
        self.api_keys: list[str] | None = getattr(inner, "api_keys", None)
        self.seed: int | None = getattr(inner, "seed", None)  # for what the pipeline generates to obey a request
        self.strict_models: bool = bool(getattr(inner, "strict_models", False))

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
        try:
            outcome = self.inner.respond(request, ctx)
        except ApiError as error:
            if error.code == NO_RULE_CODE:  # a recorded scenario refusing an unrecorded request: always a surprise
                self._harness._surprise(f"fakellm: {error.message}")
            raise
        if outcome.rule is None and self._harness.strict:
            message = (
                f"fakellm strict mode: no rule of scenario '{self.name}' matched this request "
                f"({ctx.method} {ctx.path}, model {request.model!r}, last user message {request.last_user_text!r})."
            )
            self._harness._surprise(message)
            raise ApiError(400, message, code="fakellm_no_rule_matched")
        return outcome

    def model_ids(self) -> list[str]:
        return self.inner.model_ids()

    def reset(self) -> None:
        self.inner.reset()


def _keys(api_key: str | Iterable[str] | None) -> tuple[str, ...]:
    if api_key is None:
        return ()
    return (api_key,) if isinstance(api_key, str) else tuple(api_key)


class FakeLLM(ClientUrls):
    """A fakellm server for one test session, script or `with` block.

    `scenarios`: scenario files or directories, dicts in the scenario file format, or scenario objects,
    loaded beside the built-in library (`builtin=False` leaves it out). `api_key`: the key(s) clients must
    send (any key passes without it). `strict`: refuse and report requests no rule matched.
    `header_timeout` / `body_timeout`: seconds a client may take to send a request's headers / body.
    `replay_speed`: how many times as fast recorded timings play (0: at once).
    `strict_models`: a model name the provider does not serve gets the provider's 404 (`--strict-models`).
    """

    def __init__(
        self,
        scenarios: ScenarioSource | Iterable[ScenarioSource] = (),
        *,
        api_key: str | Iterable[str] | None = None,
        seed: int | None = None,
        strict: bool = False,
        default_scenario: str = DEFAULT_SCENARIO,
        builtin: bool = True,
        journal_size: int = DEFAULT_JOURNAL_SIZE,
        host: str = DEFAULT_HOST,
        port: int = 0,
        settle_timeout: float = DEFAULT_SETTLE_TIMEOUT,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        replay_speed: float = 1.0,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        strict_models: bool = False,
    ) -> None:
        self._initial_scenarios, paths = split_sources(scenarios, seed)
        self.config = ServerConfig(
            host=host,
            port=port,
            scenario_paths=tuple(paths),
            include_builtin=builtin,
            default_scenario=default_scenario,
            api_keys=_keys(api_key),
            seed=seed,
            journal_size=journal_size,
            header_timeout=header_timeout,
            replay_speed=replay_speed,
            body_timeout=body_timeout,
            strict_models=strict_models,
        )
        self.strict = strict
        self.settle_timeout = settle_timeout
        self._surprises: list[str] = []
        self._lock = threading.Lock()
        self._app: FakeLLMApp | None = None
        self._thread: ServerThread | None = None
        self._baseline: AppSnapshot | None = None  # what reset() restores, taken at start
        self._baseline_strict = strict

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeLLM:
        if self._thread is not None:
            return self
        app = FakeLLMApp(self.config, library=build_library(self.config, extra=self._initial_scenarios))
        for name in app.scenario_names:
            loaded = app.scenario(name)
            if loaded is not None:
                app.add_scenario(_Strict(loaded, self))
        self._app = app
        self._thread = ServerThread(app, self.config.host, self.config.port).start()
        self._baseline, self._baseline_strict = app.snapshot(), self.strict
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if exc_type is None:
                self.check()
        finally:
            self.stop()

    async def __aenter__(self) -> FakeLLM:
        return await asyncio.to_thread(self.start)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.__exit__, exc_type, exc, tb)

    @property
    def app(self) -> FakeLLMApp:
        if self._app is None:
            raise RuntimeError("FakeLLM is not running: use `with FakeLLM() as llm:` or call start()")
        return self._app

    @property
    def running(self) -> bool:
        return self._thread is not None

    # --- where to point clients ------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http://127.0.0.1:PORT`, the server root."""
        if self._thread is None:
            raise RuntimeError("FakeLLM is not running: use `with FakeLLM() as llm:` or call start()")
        return self._thread.url

    def base_urls(self, scenario: str | None = None) -> dict[str, str]:
        """Each client's base URL (keys: openai, byo, azure, gemini, gemini_openai, groq, anthropic, and responses
        and azure_responses, which equal openai's and azure's); with `scenario`,
        URLs that pick that scenario through the `/s/{name}/` prefix."""
        return base_urls(f"{self.url}/s/{scenario}" if scenario else self.url)

    @property
    def api_key(self) -> str:
        """A key the server accepts: the first configured one, or a placeholder when any key passes."""
        keys = self.app.api_keys
        return keys[0] if keys else DEFAULT_CLIENT_KEY

    def env(self) -> dict[str, str]:
        """Environment variables that point each official SDK at this server (for code that builds its
        own client): OPENAI_BASE_URL, AZURE_OPENAI_ENDPOINT, GOOGLE_GEMINI_BASE_URL, GROQ_BASE_URL,
        ANTHROPIC_BASE_URL and keys."""
        key = self.api_key
        keys = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "GEMINI_API_KEY", "GROQ_API_KEY", "ANTHROPIC_API_KEY")
        return {**self.base_url_env(), **dict.fromkeys(keys, key), "OPENAI_API_VERSION": AZURE_API_VERSION}

    # --- scenarios and settings, changeable while running ----------------------------------------

    def add_scenario(self, scenario: Scenario | dict[str, Any]) -> None:
        """Load a scenario (an object, or a dict in the scenario file format), replacing one of that name."""
        if isinstance(scenario, dict):
            scenario = scenario_from_dict(scenario, self.config.seed, "the scenario")
        self.app.add_scenario(_Strict(scenario, self))

    def add_rule(
        self, rule: Rule | dict[str, Any] | None = None, /, *, scenario: str | None = None, **fields: Any
    ) -> Rule:
        """Answer matching requests as this rule says, in front of `scenario` (default: the default one;
        a name not loaded creates it). Rules added to a scenario are tried in the order they were added;
        when none matches, the scenario answers as before. Takes the scenario file's rule fields, and its
        match conditions directly: `add_rule(user="weather", reply="Sunny", latency={"ttft_ms": 200})`."""
        built = rule_from(rule, dict(fields))
        name = scenario or self.default_scenario
        loaded = self.app.scenario(name)
        current = loaded.inner if isinstance(loaded, _Strict) else loaded
        if isinstance(current, RuleLayer):
            layer = current.with_rule(built, self.config.seed)
        else:
            layer = RuleLayer(name, [built], current, self.config.seed)
        self.add_scenario(layer)
        return built

    def remove_scenario(self, name: str) -> None:
        self.app.remove_scenario(name)

    @property
    def scenarios(self) -> list[str]:
        return self.app.scenario_names

    @property
    def default_scenario(self) -> str:
        return self.app.default_scenario

    @default_scenario.setter
    def default_scenario(self, name: str) -> None:
        """The scenario that answers requests which do not pick one (by path, header or model)."""
        self.app.set_default_scenario(name)

    def set_api_keys(self, api_key: str | Iterable[str] | None) -> None:
        """Change which keys the server accepts (None: any key)."""
        self.app.set_api_keys(_keys(api_key))

    # --- the journal and surprises ---------------------------------------------------------------

    @property
    def requests(self) -> Requests:
        """Every request the server has seen (bounded; the oldest are dropped), oldest first."""
        return Requests(self.app.journal, settle_timeout=self.settle_timeout)

    def assert_called(self, times: int | None = None, **criteria: Unpack[FilterCriteria]) -> None:
        """At least one request (or exactly `times`) matching the given fields (any `JournalFilter` field:
        scenario, dialect, status, ended, rule, path, method, stream), else a readable failure."""
        self.requests.filter(**criteria).assert_called(times)

    def assert_not_called(self, **criteria: Unpack[FilterCriteria]) -> None:
        self.requests.filter(**criteria).assert_not_called()

    def clear(self) -> None:
        """Empty the journal."""
        self.app.journal.clear()

    def _surprise(self, message: str) -> None:
        with self._lock:
            self._surprises.append(message)

    def take_surprises(self) -> list[str]:
        """Surprises since the last call: unmatched requests (strict mode) and exceptions inside fakellm."""
        self.app.journal.wait_settled(self.settle_timeout)
        errors = self.app.take_server_errors()
        with self._lock:
            found = self._surprises + [f"fakellm raised an exception answering {e}" for e in errors]
            self._surprises = []
        return found

    def check(self) -> None:
        """Raise `FakeLLMSurpriseError` if the server met anything the test did not ask for."""
        found = self.take_surprises()
        if found:
            lines = "\n".join(f"  - {s}" for s in found)
            raise FakeLLMSurpriseError(f"fakellm saw {len(found)} surprise(s):\n{lines}")

    def reset(self) -> None:
        """Back to the state at start: scenarios, default, keys, strictness, scenario and fault counters;
        the journal is emptied and pending surprises are dropped."""
        app = self.app
        if self._baseline is not None:
            app.restore(self._baseline)
        self.strict = self._baseline_strict
        self.take_surprises()
        app.reset()
