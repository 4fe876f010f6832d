"""`fakellm.server.router`: exact and parameterised routes, the `/s/{scenario}/` prefix, claims, 404 and 405."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from fakellm.context import RequestContext
from fakellm.dialects import all_dialects
from fakellm.dialects.base import RouteSpec
from fakellm.dialects.openai import OpenAIDialect
from fakellm.server.router import RouteMiss, Router


def scope(path: str, method: str = "POST", headers: dict[str, str] | None = None, query: bytes = b"") -> Any:
    raw = [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    return {"type": "http", "path": path, "method": method, "headers": raw, "query_string": query, "client": None}


def resolve(router: Router, *args: Any, **kwargs: Any) -> RequestContext:
    found = router.resolve(scope(*args, **kwargs))
    assert isinstance(found, RequestContext), found
    return found


@pytest.fixture
def router() -> Router:
    return Router(all_dialects())


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [
        ("POST", "/v1/chat/completions", "chat"),
        ("POST", "/chat/completions", "chat"),
        ("GET", "/v1/models", "models"),
        ("GET", "/models", "models"),
    ],
)
def test_openai_routes_resolve(router: Router, method: str, path: str, operation: str) -> None:
    ctx = resolve(router, path, method)
    assert ctx.dialect.name == "openai"
    assert ctx.operation == operation
    assert ctx.scenario_from_path is None


def test_trailing_slash_is_ignored(router: Router) -> None:
    assert resolve(router, "/v1/chat/completions/").operation == "chat"


def test_scenario_prefix_is_stripped_and_recorded(router: Router) -> None:
    ctx = resolve(router, "/s/slow/v1/chat/completions")
    assert ctx.scenario_from_path == "slow"
    assert ctx.path == "/s/slow/v1/chat/completions"  # the journal shows what the client called
    assert ctx.operation == "chat"


def test_headers_are_lower_cased_and_query_parsed(router: Router) -> None:
    ctx = resolve(router, "/v1/models", "GET", headers={"X-FakeLLM-Scenario": "tools"}, query=b"a=1&b=two")
    assert ctx.header("x-fakellm-scenario") == "tools"
    assert ctx.header("X-FAKELLM-SCENARIO") == "tools"
    assert ctx.query == {"a": "1", "b": "two"}


def test_unknown_path_is_a_miss_without_allowed_methods(router: Router) -> None:
    found = router.resolve(scope("/v1/nothing"))
    assert isinstance(found, RouteMiss)
    assert found.allowed == []
    assert found.dialect.name == "openai"


def test_wrong_method_is_a_miss_listing_allowed_methods(router: Router) -> None:
    found = router.resolve(scope("/v1/chat/completions", "GET"))
    assert isinstance(found, RouteMiss)
    assert found.allowed == ["POST"]


class _Deployments(OpenAIDialect):
    """A parameterised route that only claims requests carrying an `api-key` header."""

    name: ClassVar[str] = "deployments"
    routes: ClassVar[tuple[RouteSpec, ...]] = (
        RouteSpec("POST", r"/openai/deployments/(?P<deployment>[^/]+)/chat/completions", "chat", regex=True),
        RouteSpec("POST", "/v1/chat/completions", "chat"),
    )
    error_prefixes: ClassVar[tuple[str, ...]] = ("/openai/",)

    def claims(self, ctx: RequestContext) -> bool:
        return "api-key" in ctx.headers


@pytest.fixture
def shared() -> Router:
    return Router([_Deployments(), OpenAIDialect()])


def test_regex_route_fills_path_params(shared: Router) -> None:
    ctx = resolve(shared, "/openai/deployments/gpt-4o/chat/completions", headers={"api-key": "k"})
    assert ctx.path_params == {"deployment": "gpt-4o"}
    assert ctx.dialect.name == "deployments"


def test_regex_route_wrong_method_is_405(shared: Router) -> None:
    found = shared.resolve(scope("/openai/deployments/x/chat/completions", "GET"))
    assert isinstance(found, RouteMiss)
    assert found.allowed == ["POST"]
    assert found.dialect.name == "deployments"  # the error speaks the dialect of the path's prefix


def test_shared_path_goes_to_the_dialect_that_claims_it(shared: Router) -> None:
    assert resolve(shared, "/v1/chat/completions", headers={"api-key": "k"}).dialect.name == "deployments"
    assert resolve(shared, "/v1/chat/completions").dialect.name == "openai"


def test_unclaimed_regex_route_falls_back_to_the_last_candidate(shared: Router) -> None:
    assert resolve(shared, "/openai/deployments/x/chat/completions").dialect.name == "deployments"


@pytest.mark.parametrize("path", ["/v1/models", "/v1/models/", "/s/echo/v1/models/"])
def test_list_models_is_openai_without_a_google_key_whatever_the_path_dressing(router: Router, path: str) -> None:
    assert resolve(router, path, "GET").dialect.name == "openai"
    assert resolve(router, path, "GET", headers={"x-goog-api-key": "k"}).dialect.name == "gemini"


@pytest.mark.parametrize(
    ("method", "path", "headers", "dialect"),
    [
        ("GET", "/v1/models/gemini-2.5-flash:generateContent", {}, "gemini"),
        ("PUT", "/v1/models/gemini-2.5-flash:streamGenerateContent", {"x-goog-api-key": "k"}, "gemini"),
        ("POST", "/v1/models", {"x-goog-api-key": "k"}, "gemini"),
        ("POST", "/v1/models", {"x-goog-api-client": "google-genai-sdk/1.0"}, "gemini"),
        ("POST", "/v1/models", {"authorization": "Bearer k"}, "openai"),
        ("GET", "/v1/chat/completions", {"x-goog-api-key": "k"}, "openai"),
        ("GET", "/openai/deployments/d/chat/completions", {}, "azure"),
        ("GET", "/openai/v1/chat/completions", {"api-key": "k"}, "groq"),  # pinned by the golden wire file
    ],
)
def test_a_wrong_method_is_refused_in_the_shape_of_the_dialect_that_has_the_path(
    router: Router, method: str, path: str, headers: dict[str, str], dialect: str
) -> None:
    found = router.resolve(scope(path, method, headers))
    assert isinstance(found, RouteMiss)
    assert found.allowed
    assert found.dialect.name == dialect
    assert found.ctx.dialect is found.dialect


@pytest.mark.parametrize(
    ("method", "path", "headers", "dialect", "operation", "model"),
    [
        ("GET", "/v1/models/gpt-4o", {}, "openai", "model", "gpt-4o"),
        ("GET", "/models/fakellm/echo", {}, "openai", "model", "fakellm/echo"),
        ("GET", "/s/tools/v1/models/ft:gpt-4o:org::x1", {}, "openai", "model", "ft:gpt-4o:org::x1"),
        ("GET", "/v1/models/gemini-2.5-flash", {"x-goog-api-key": "k"}, "gemini", "model", "gemini-2.5-flash"),
        ("GET", "/v1/models/gemini-2.5-flash", {"x-goog-api-client": "genai"}, "gemini", "model", "gemini-2.5-flash"),
        ("GET", "/v1beta/models/gemini-2.5-flash", {}, "gemini", "model", "gemini-2.5-flash"),
        ("POST", "/v1/models/gemini-2.5-flash:countTokens", {}, "gemini", "count_tokens", "gemini-2.5-flash"),
        ("POST", "/v1beta/models/g:countTokens", {}, "gemini", "count_tokens", "g"),
        ("GET", "/openai/v1/models/qwen/qwen3-32b", {}, "groq", "model", "qwen/qwen3-32b"),
        ("GET", "/openai/v1/models/gpt-4o", {"api-key": "k"}, "azure", "model", "gpt-4o"),
        ("GET", "/openai/models/gpt-4o", {"api-key": "k"}, "azure", "model", "gpt-4o"),
        ("GET", "/v1beta/openai/models/gemini-2.5-flash", {}, "gemini_openai", "model", "gemini-2.5-flash"),
    ],
)
def test_read_routes_resolve_to_the_dialect_and_model(
    router: Router, method: str, path: str, headers: dict[str, str], dialect: str, operation: str, model: str
) -> None:
    ctx = resolve(router, path, method, headers=headers)
    assert (ctx.dialect.name, ctx.operation, ctx.path_params["model"]) == (dialect, operation, model)


def test_an_unknown_path_from_a_google_client_is_refused_in_googles_shape(router: Router) -> None:
    google = router.resolve(scope("/v1/embeddings-or-so", "GET", {"x-goog-api-key": "k"}))
    assert isinstance(google, RouteMiss)
    assert (google.dialect.name, google.allowed) == ("gemini", [])
    other = router.resolve(scope("/v1/embeddings-or-so", "GET"))
    assert isinstance(other, RouteMiss)
    assert other.dialect.name == "openai"
