"""The ASGI application: provider routes go straight to the pipeline, the rest to Starlette."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from fakellm.admin import admin_app
from fakellm.auth import Auth
from fakellm.config import ServerConfig
from fakellm.dialects import all_dialects
from fakellm.errors import ApiError
from fakellm.faults import FaultStage
from fakellm.faultspec import FaultSpec
from fakellm.ids import seed_ids
from fakellm.journal import Journal
from fakellm.library import ScenarioLibrary
from fakellm.pipeline import Pipeline
from fakellm.responder import EchoScenario
from fakellm.router import RouteMiss, Router
from fakellm.transport import send_body, silence_deliberate_drops

ADMIN_PREFIX = "/_fakellm"


def build_library(config: ServerConfig) -> ScenarioLibrary:
    return ScenarioLibrary([EchoScenario()], default=config.default_scenario)


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
        seed_ids(self.config.seed)
        self.library = library or build_library(self.config)
        self.journal = Journal(self.config.journal_size)
        self.pipeline = Pipeline(
            self.library,
            faults=FaultStage(default_faults(self.config), seed=self.config.seed),
            auth=Auth(self.config.api_keys),
            journal=self.journal,
            max_body=self.config.max_body,
        )
        self.router = Router(all_dialects())
        self.admin = admin_app(self.library)
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
            )
        else:
            error = ApiError(404, f"Invalid URL ({ctx.method} {ctx.path})", code="unknown_url")
        response = miss.dialect.render_error(error, ctx)
        headers = dict(response.headers)
        if miss.allowed:
            headers["allow"] = ", ".join(miss.allowed)
        await send_body(send, response.status, headers, response.body)


def create_app(config: ServerConfig | None = None) -> FakeLLMApp:
    return FakeLLMApp(config)
