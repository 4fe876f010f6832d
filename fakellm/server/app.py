"""The ASGI application: provider routes go straight to the pipeline, the rest to Starlette.

`FakeLLMApp` also has a small control API for the test harness (scenarios, the
default scenario, keys, a snapshot to restore, a reset of per-run state); code
outside the server changes a running app only through it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import Receive, Scope, Send

from fakellm.config import ServerConfig, builtin_scenarios_dir
from fakellm.dialects import DIALECTS, all_dialects
from fakellm.errors import ApiError
from fakellm.faults import FaultStage
from fakellm.faults.spec import FaultSpec
from fakellm.ids import IdSource
from fakellm.journal import Journal
from fakellm.observe import Dashboard, Metrics
from fakellm.scenarios import EchoScenario, Scenario
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.library import ScenarioLibrary
from fakellm.scenarios.validate import check_paths
from fakellm.server.admin import admin_app, key_guard, scenario_keys
from fakellm.server.auth import Auth
from fakellm.server.hosts import HostPolicy
from fakellm.server.pipeline import Pipeline
from fakellm.server.router import RouteMiss, Router
from fakellm.server.transport import send_body, silence_deliberate_drops
from fakellm.state import open_store

ADMIN_PREFIX = "/_fakellm"
OWN_PATHS = frozenset({"/", "/metrics"})  # fakellm's own routes outside ADMIN_PREFIX
logger = logging.getLogger("fakellm")


def build_library(config: ServerConfig, extra: Iterable[Scenario] = ()) -> ScenarioLibrary:
    """The built-in library (unless turned off), the user's files, then `extra` scenarios (made in Python;
    they replace loaded ones of the same name); `ValueError` with every message if anything is invalid,
    so the server never starts half-loaded."""
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
    by_name = {s.name: s for s in scenarios} | {s.name: s for s in extra}
    by_name.setdefault(EchoScenario.name, EchoScenario())
    library = ScenarioLibrary(by_name.values(), default=config.default_scenario)
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


@dataclass(frozen=True, slots=True)
class AppSnapshot:
    """What `FakeLLMApp.restore` puts back: the loaded scenarios (the objects themselves, so their
    per-run state is theirs to reset), the default scenario and the accepted keys."""

    scenarios: tuple[Scenario, ...]
    default_scenario: str
    api_keys: tuple[str, ...]


class FakeLLMApp:
    def __init__(self, config: ServerConfig | None = None, library: ScenarioLibrary | None = None) -> None:
        self.config = config or ServerConfig()
        self.library = library or build_library(self.config)
        config = self.config
        self.journal = Journal(config.journal_size, config.journal_max_bytes, config.journal_entry_max_bytes)
        # None: per-run state stays in this process (`--state memory`).
        self.state = open_store(
            config.state, journal_size=config.journal_size, journal_max_bytes=config.journal_max_bytes
        )
        self.pipeline = Pipeline(
            self.library,
            faults=FaultStage(
                default_faults(self.config),
                seed=self.config.seed,
                rate_limit_max_clients=config.rate_limit_max_clients,
                replay_speed=config.replay_speed,
                state=self.state,
            ),
            auth=Auth(self.config.api_keys),
            journal=self.journal,
            max_body=self.config.max_body,
            server_errors_kept=self.config.server_errors_kept,
            body_timeout=self.config.body_timeout,
            state=self.state,
            strict_models=self.config.strict_models,
        )
        self.ids = IdSource(self.config.seed)  # this app's own: another app's requests never move it
        dialects = all_dialects()
        self.router = Router(dialects, self.ids)
        self.hosts = HostPolicy(self.config.allowed_hosts, self.config.host)
        self.metrics = Metrics(self.journal) if config.metrics else None
        guard = key_guard(self.pipeline.auth, dialects, self.library)
        dashboard = Dashboard(
            self.journal,
            self.library,
            DIALECTS,
            guard,
            allows_host=lambda name: self.hosts.allows_host(name, ""),
            keys_configured=lambda: bool(self.pipeline.auth.enabled or scenario_keys(self.library)),
            metrics=self.metrics is not None,
            exposed=not self.hosts.loopback_only,
        )
        self.admin = admin_app(
            self.library, self.journal, guard, dashboard.routes(), self.metrics, self.state, self.reset_all
        )

    # --- control: what a test harness may change while the server runs ---------------------------

    @property
    def scenario_names(self) -> list[str]:
        return self.library.names

    def scenario(self, name: str) -> Scenario | None:
        """The loaded scenario of that name, or None."""
        return self.library.get(name) if name in self.library else None

    def add_scenario(self, scenario: Scenario) -> None:
        """Load a scenario, replacing one of the same name."""
        self.library.replace(scenario)

    def remove_scenario(self, name: str) -> None:
        self.library.remove(name)

    @property
    def default_scenario(self) -> str:
        """The scenario that answers requests which do not pick one (by path, header or model)."""
        return self.library.default

    def set_default_scenario(self, name: str) -> None:
        if name not in self.library:
            raise ValueError(f"no scenario named {name!r}; loaded: {', '.join(self.library.names)}")
        self.library.default = name

    @property
    def api_keys(self) -> tuple[str, ...]:
        """The keys the server accepts (empty: any key), besides a scenario's own."""
        return tuple(key.decode() for key in self.pipeline.auth.keys)

    def set_api_keys(self, keys: Iterable[str]) -> None:
        self.pipeline.auth.keys = [key.encode() for key in keys if key]

    @property
    def server_errors(self) -> tuple[str, ...]:
        """Unexpected exceptions raised while answering, oldest first (a bug in fakellm or a scenario):
        the last `config.server_errors_kept` of them; `server_error_count` counts them all."""
        return tuple(self.pipeline.errors.recent)

    @property
    def server_error_count(self) -> int:
        """How many unexpected exceptions there have been, kept or not."""
        return self.pipeline.errors.count

    def take_server_errors(self) -> list[str]:
        """The unexpected exceptions kept since the last call; each is handed out once."""
        return self.pipeline.errors.take()

    def snapshot(self) -> AppSnapshot:
        names = self.library.names
        return AppSnapshot(tuple(self.library.get(n) for n in names), self.library.default, self.api_keys)

    def restore(self, snapshot: AppSnapshot) -> None:
        """The scenarios, default scenario and keys as they were at `snapshot` (per-run state is kept:
        see `reset`)."""
        kept = {s.name for s in snapshot.scenarios}
        for name in self.library.names:
            if name not in kept:
                self.library.remove(name)
        for scenario in snapshot.scenarios:
            self.library.replace(scenario)
        self.set_default_scenario(snapshot.default_scenario)
        self.set_api_keys(snapshot.api_keys)

    def reset(self) -> None:
        """Per-run state back to the start: scenario sequences, fault counters and rate-limit windows;
        the journal and the dialects' stored responses are emptied."""
        self.library.reset()
        self.pipeline.faults.reset()
        self.journal.clear()
        for dialect in self.router.dialects:
            dialect.reset()

    async def reset_all(self) -> None:
        """`reset`, and the shared store's state too (every replica's): `POST /_fakellm/reset`."""
        self.reset()
        if self.state is not None:
            await self.state.reset()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OWN_PATHS or scope["path"].startswith(ADMIN_PREFIX):
            refusal = self.hosts.refusal(scope) if scope["type"] == "http" else None
            if refusal is not None:
                await _admin_refusal(refusal, send)
                return
            await self.admin(scope, receive, send)
            return
        found = self.router.resolve(scope)
        ctx = found.ctx if isinstance(found, RouteMiss) else found
        headers = ctx.headers
        refusal = self.hosts.judge(scope, headers.get("host"), headers.get("origin"), headers.get("sec-fetch-site"))
        if refusal is not None:  # in the dialect's shape, and journaled: a wrong name is a common mistake
            await self.pipeline.refuse(ctx, refusal, send)
            return
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


async def _admin_refusal(error: ApiError, send: Send) -> None:
    """A refusal on fakellm's own routes, in their JSON error shape."""
    body = {"error": {"message": error.message, "type": "fakellm_error", "code": error.code}}
    await send_body(send, error.status, {"content-type": "application/json"}, json.dumps(body).encode())


def create_app(config: ServerConfig | None = None) -> FakeLLMApp:
    """uvicorn's `--factory` entry point (`uvicorn --factory fakellm.server.app:create_app`): setting up
    a server, so it also installs the uvicorn log filter that `FakeLLMApp` itself leaves alone."""
    silence_deliberate_drops()
    return FakeLLMApp(config)
