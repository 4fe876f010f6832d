"""Hostile tool schemas through the real server, in every dialect that takes tools: a quick, small 200, never a 500.

The `tools` scenario calls the first offered tool with arguments made from its schema; the schema
comes from the request, so it must not decide how long the server works or how much it sends.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

LIMIT_SECONDS = 2.0
LIMIT_BYTES = 64_000
OPENAI_ROUTES = {
    "openai": ("/s/tools/v1/chat/completions", {}),
    "azure": ("/s/tools/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", {"api-key": "k"}),
    "groq": ("/s/tools/openai/v1/chat/completions", {}),
    "gemini_openai": ("/s/tools/v1beta/openai/chat/completions", {}),
}
GEMINI_ROUTE = ("/s/tools/v1beta/models/gemini-2.5-flash:generateContent", {"x-goog-api-key": "k"})
DIALECTS = [*OPENAI_ROUTES, "gemini"]


def recursive_defs(width: int) -> dict[str, Any]:
    node = {"type": "object", "properties": {f"p{i}": {"$ref": "#/$defs/N"} for i in range(width)}}
    return {"type": "object", "$defs": {"N": node}, "properties": {"a": {"$ref": "#/$defs/N"}}}


def prop(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {"a": schema}, "required": ["a"]}


def request_for(dialect: str, parameters: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Path, headers and body of a request offering one tool `f` with `parameters`, in `dialect`'s shape."""
    if dialect == "gemini":
        path, headers = GEMINI_ROUTE
        body: dict[str, Any] = {
            "contents": [{"role": "user", "parts": [{"text": "go"}]}],
            "tools": [{"functionDeclarations": [{"name": "f", "parameters": parameters}]}],
        }
        return path, headers, body
    path, headers = OPENAI_ROUTES[dialect]
    tool = {"type": "function", "function": {"name": "f", "parameters": parameters}}
    return path, headers, {"model": "m", "messages": [{"role": "user", "content": "go"}], "tools": [tool]}


def _refuse(name: str) -> Any:
    raise AssertionError(f"the reply holds {name}, which strict JSON parsers refuse")


def call_tool(server: ServerThread, dialect: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The generated arguments, checking the reply was a quick, small 200 in strict JSON."""
    path, headers, body = request_for(dialect, parameters)
    start = time.perf_counter()
    response = httpx.post(server.url + path, json=body, headers=headers, timeout=30)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.text[:500]
    assert elapsed < LIMIT_SECONDS, f"{elapsed:.1f}s"
    assert len(response.content) < LIMIT_BYTES, f"{len(response.content)} bytes"
    reply = json.loads(response.text, parse_constant=_refuse)
    if dialect == "gemini":
        args = reply["candidates"][0]["content"]["parts"][0]["functionCall"]["args"]
    else:
        args = json.loads(
            reply["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], parse_constant=_refuse
        )
    assert isinstance(args, dict)
    return args


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    thread = ServerThread(FakeLLMApp(ServerConfig())).start()
    yield thread
    thread.stop()


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("count", [200_000, 1e308], ids=["200000", "1e308"])
def test_a_huge_min_items_gives_a_few_items_quickly(server: ServerThread, dialect: str, count: float) -> None:
    args = call_tool(server, dialect, prop({"type": "array", "items": {"type": "integer"}, "minItems": count}))
    assert 1 <= len(args["a"]) <= 32


@pytest.mark.parametrize("dialect", DIALECTS)
def test_self_referencing_defs_give_a_small_reply(server: ServerThread, dialect: str) -> None:
    args = call_tool(server, dialect, recursive_defs(5))
    assert isinstance(args["a"], dict)


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize(
    ("schema", "kind"),
    [
        ({"type": "array", "minItems": "x"}, list),
        ({"type": "array", "maxItems": None}, list),
        ({"type": "string", "minLength": []}, str),
        ({"type": "integer", "minimum": 10**400, "maximum": None}, int),
    ],
    ids=["minItems-string", "maxItems-null", "minLength-array", "minimum-too-big"],
)
def test_wrong_typed_keywords_are_ignored_not_a_500(
    server: ServerThread, dialect: str, schema: dict[str, Any], kind: type
) -> None:
    assert isinstance(call_tool(server, dialect, prop(schema))["a"], kind)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_zod_int_bounds_give_a_small_integer(server: ServerThread, dialect: str) -> None:
    limit = 2**53 - 1
    value = call_tool(server, dialect, prop({"type": "integer", "minimum": -limit, "maximum": limit}))["a"]
    assert 0 <= value <= 100


@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_widest_number_bounds_give_a_finite_number(server: ServerThread, dialect: str) -> None:
    value = call_tool(server, dialect, prop({"type": "number", "minimum": -1.7e308, "maximum": 1.7e308}))["a"]
    assert 0 <= value <= 100
