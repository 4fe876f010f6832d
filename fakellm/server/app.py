"""The ASGI application: provider routes go straight to the pipeline, the rest to Starlette."""

from __future__ import annotations

import logging

from starlette.types import Receive, Scope, Send

from fakellm.config import ServerConfig, builtin_scenarios_dir
from fakellm.dialects import all_dialects
from fakellm.errors import ApiError
from fakellm.faults import FaultStage
from fakellm.faults.spec import FaultSpec
from fakellm.ids import IdSource
from fakellm.journal import Journal
from fakellm.scenarios import EchoScenario, Scenario
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.library import ScenarioLibrary
from fakellm.scenarios.validate import check_paths
from fakellm.server.admin import admin_app, key_guard
from fakellm.server.auth import Auth
from fakellm.server.pipeline import Pipeline
from fakellm.server.router import RouteMiss, Router
from fakellm.server.transport import silence_deliberate_drops

ADMIN_PREFIX = "/_fakellm"
logger = logging.getLogger("fakellm")


def build_library(config: ServerConfig) -> ScenarioLibrary:
    """The built-in library (unless turned off) and the user's files; `ValueError` with every message if
    anything is invalid, so the server never starts half-loaded."""
    paths = ([builtin_scenarios_dir()] if config.include_builtin else []) + list(config.scenario_paths)
    report = check_paths(paths)
    for warning in report.warnings:
        logger.warning("%s", warning)
    if report.errors:
        raise ValueError("invalid scenarios:\n" + "\n".join(str(e) for e in report.errors))
    faults = default_faults(config)  # merged into each scenario's settings here, once
    scenarios: list[Scenario] = [
        FileScenario(s.spec, name=s.name, seed=config.seed, faults=faults) for s in report.scenarios
    ]
    if all(s.name != "echo" for s in scenarios):
        scenarios.append(EchoScenario())
    library = ScenarioLibrary(scenarios, default=config.default_scenario)
    if config.default_scenario not in library:
        raise ValueError(
            f"the default scenario '{config.default_scenario}' is not loaded; loaded: {', '.join(library.names)}"
        )
    return library


def default_faults(config: ServerConfig) -> FaultSpec | None:
    """The server-wide latency from `--ttft-ms` / `--tokens-per-second`; scenarios override it."""
    latency: dict[str, float] = {}
    if config.ttft_ms:
        latency["ttft_ms"] = config.ttft_ms
    if config.tokens_per_second is not None:
        latency["tokens_per_second"] = config.tokens_per_second
    return FaultSpec.model_validate({"latency": latency}) if latency else None


class FakeLLMApp:
    def __init__(self, config: ServerConfig | None = None, library: ScenarioLibrary | None = None) -> None:
        self.config = config or ServerConfig()
        self.library = library or build_library(self.config)
        self.journal = Journal(self.config.journal_size)
        self.pipeline = Pipeline(
            self.library,
            faults=FaultStage(default_faults(self.config), seed=self.config.seed),
            auth=Auth(self.config.api_keys),
            journal=self.journal,
            max_body=self.config.max_body,
        )
        self.ids = IdSource(self.config.seed)  # this app's own: another app's requests never move it
        dialects = all_dialects()
        self.router = Router(dialects, self.ids)
        self.admin = admin_app(self.library, self.journal, key_guard(self.pipeline.auth, dialects))
        silence_deliberate_drops()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/" or scope["path"].startswith(ADMIN_PREFIX):
            await self.admin(scope, receive, send)
            return
        found = self.router.resolve(scope)
        if isinstance(found, RouteMiss):
            await self._miss(found, send)
            return
        await self.pipeline.handle(found, receive, send)

    async def _miss(self, miss: RouteMiss, send: Send) -> None:
        ctx = miss.ctx
        if miss.allowed:
            error = ApiError(
                405,
                f"Method {ctx.method} is not allowed for {ctx.path}; use {', '.join(miss.allowed)}.",
                code="method_not_allowed",
                headers={"allow": ", ".join(miss.allowed)},
            )
        else:
            error = ApiError(404, f"Invalid URL ({ctx.method} {ctx.path})", code="unknown_url")
        await self.pipeline.refuse(ctx, error, send)


def create_app(config: ServerConfig | None = None) -> FakeLLMApp:
    return FakeLLMApp(config)
