"""NaN, Infinity and numbers too large for a double are not JSON: each dialect answers 400 in its own shape.

Python's JSON parser reads them; let in, they would come back bare in the journal listing (which
strict JSON parsers refuse) and could end up in generated tool arguments.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fakellm.testing.server_thread import ServerThread

OPENAI_BODY = '{"model": "m", "messages": [{"role": "user", "content": "go"}], "temperature": %s}'
GEMINI_BODY = '{"contents": [{"role": "user", "parts": [{"text": "go"}]}], "generationConfig": {"temperature": %s}}'
TOOL_BODY = (
    '{"model": "m", "messages": [{"role": "user", "content": "go"}], "tools": [{"type": "function", "function": '
    '{"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "number", "minimum": %s}}}}}]}'
)
GEMINI_TOOL_BODY = (
    '{"contents": [{"role": "user", "parts": [{"text": "go"}]}], "tools": [{"functionDeclarations": '
    '[{"name": "f", "parameters": {"type": "OBJECT", "properties": {"a": {"type": "NUMBER", "minimum": %s}}}}]}]}'
)
ROUTES = {
    "openai": ("/v1/chat/completions", {}),
    "azure": ("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", {"api-key": "k"}),
    "groq": ("/openai/v1/chat/completions", {}),
    "gemini_openai": ("/v1beta/openai/chat/completions", {}),
    "gemini": ("/v1beta/models/gemini-2.5-flash:generateContent", {"x-goog-api-key": "k"}),
}
NOT_JSON = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" + "0" * 400 + ".0"]


def _refuse(name: str) -> Any:
    raise AssertionError(f"{name} is not JSON")


def error_message(dialect: str, response: httpx.Response) -> str:
    """The message of a 400 in `dialect`'s error shape."""
    assert response.status_code == 400, response.text[:300]
    assert "Traceback" not in response.text
    body = json.loads(response.text, parse_constant=_refuse)
    if dialect == "gemini_openai":  # Google's OpenAI-compatible endpoint wraps its error in a list
        [body] = body
    error = body["error"]
    if dialect.startswith("gemini"):
        assert error["code"] == 400
        assert error["status"] == "INVALID_ARGUMENT"
    else:
        assert error["type"] == "invalid_request_error"
    if dialect == "azure":
        assert error["code"] == "BadRequest"
    message = error["message"]
    assert isinstance(message, str)
    return message


def post(server: ServerThread, dialect: str, template: str, literal: str, scenario: str = "") -> httpx.Response:
    path, headers = ROUTES[dialect]
    url = server.url + (f"/s/{scenario}" if scenario else "") + path
    raw = (template % literal).encode()
    return httpx.post(url, content=raw, headers={"content-type": "application/json", **headers})


def tool_template(dialect: str) -> str:
    return GEMINI_TOOL_BODY if dialect == "gemini" else TOOL_BODY


@pytest.mark.parametrize("dialect", sorted(ROUTES))
@pytest.mark.parametrize("literal", NOT_JSON, ids=["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e400-long"])
def test_a_non_json_number_is_a_400_in_the_dialect_shape(server: ServerThread, dialect: str, literal: str) -> None:
    template = GEMINI_BODY if dialect == "gemini" else OPENAI_BODY
    message = error_message(dialect, post(server, dialect, template, literal))
    assert "could not parse the JSON body" in message
    assert "NaN or Infinity" in message


@pytest.mark.parametrize("dialect", sorted(ROUTES))
def test_a_non_json_number_deep_in_a_tool_schema_is_a_400(server: ServerThread, dialect: str) -> None:
    message = error_message(dialect, post(server, dialect, tool_template(dialect), "NaN", scenario="tools"))
    assert "NaN is not a valid JSON value" in message


def test_the_journal_listing_stays_strict_json(server: ServerThread) -> None:
    post(server, "openai", OPENAI_BODY, "Infinity")
    assert post(server, "openai", OPENAI_BODY, "0.5").status_code == 200
    listing = httpx.get(server.url + "/_fakellm/requests")
    assert listing.status_code == 200
    json.loads(listing.text, parse_constant=_refuse)


@pytest.mark.parametrize("dialect", sorted(ROUTES))
def test_finite_numbers_still_pass(server: ServerThread, dialect: str) -> None:
    for literal in ("0.7", "1e308", "-1.7976931348623157e308", "-0.0", "1E-400", "2", "1" + "0" * 400):
        response = post(server, dialect, tool_template(dialect), literal, scenario="tools")
        assert response.status_code == 200, response.text[:300]
        json.loads(response.text, parse_constant=_refuse)
