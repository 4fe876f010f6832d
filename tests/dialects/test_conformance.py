"""The conformance set: one small fixture per case in `conformance/`, each a request and what real
2025-2026 provider traffic shows for it (wire-formats.md §6): status, framing, the header set, and the
fields present, absent or equal to a value. Each fixture's first line says what it pins and where the
fact comes from; docs/wire/fidelity.md lists them by §6 item."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

FIXTURES = sorted((Path(__file__).parent / "conformance").glob("*.yaml"))
_MISSING = object()


def pointer(doc: Any, path: str) -> Any:
    """The value at a JSON pointer (`/choices/0/delta`), or `_MISSING`."""
    for part in path.strip("/").split("/") if path.strip("/") else []:
        if isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        elif isinstance(doc, dict) and part in doc:
            doc = doc[part]
        else:
            return _MISSING
    return doc


def events(response: httpx.Response, framing: str | None) -> list[str]:
    """The SSE events of a stream, as the provider separates them."""
    separator = "\r\n\r\n" if framing == "sse-crlf" else "\n\n"
    text = response.text
    assert text.endswith(separator), f"the stream does not end with {separator!r}"
    return text[: -len(separator)].split(separator)


def chunks(response: httpx.Response, framing: str | None) -> list[Any]:
    found = []
    for event in events(response, framing):
        data = [line[len("data: ") :] for line in event.split("\n") if line.startswith("data: ")]
        if data and data[0] != "[DONE]":
            found.append(json.loads(data[0]))
    return found


def check_framing(response: httpx.Response, framing: str) -> None:
    text = response.text
    if framing == "sse-done":
        sent = events(response, framing)
        assert sent[-1] == "data: [DONE]"
        assert all(e.startswith("data: ") for e in sent)
    elif framing == "sse-crlf":
        sent = events(response, framing)
        assert all(e.startswith("data: ") for e in sent)
        assert "[DONE]" not in text
    elif framing == "sse-error-event":
        sent = events(response, framing)
        assert sent[-1].startswith("event: error\ndata: ")
        assert "[DONE]" not in text
    elif framing in ("json-indent-4", "json-indent-2"):
        indent = " " * int(framing[-1])
        assert text.startswith("{\n" + indent + '"'), text[:40]
        assert text.endswith("}\n")
    else:
        raise AssertionError(f"unknown framing {framing!r}")


def check_fields(doc: Any, expect: dict[str, Any], where: str) -> None:
    for path, value in expect.items():
        assert pointer(doc, path) == value, f"{where}{path}: {pointer(doc, path)!r} != {value!r}"


def check_present(doc: Any, paths: list[str], where: str, present: bool = True) -> None:
    for path in paths:
        assert (pointer(doc, path) is not _MISSING) == present, f"{where}{path} {'missing' if present else 'present'}"


def check_matches(doc: Any, patterns: dict[str, str], where: str) -> None:
    for path, pattern in patterns.items():
        value = pointer(doc, path)
        assert isinstance(value, str), f"{where}{path}: {value!r}"
        assert re.fullmatch(pattern, value, re.DOTALL), f"{where}{path}: {value!r} !~ {pattern}"


def check(response: httpx.Response, expect: dict[str, Any]) -> None:
    assert response.status_code == expect["status"], response.text[:500]
    headers = response.headers
    if "content_type" in expect:
        assert headers["content-type"] == expect["content_type"]
    for name in expect.get("headers", []):
        assert name in headers, f"header {name} missing"
    for name in expect.get("no_headers", []):
        assert name not in headers, f"header {name} present"
    for name, value in expect.get("header_values", {}).items():
        assert headers.get(name) == value, f"header {name}: {headers.get(name)!r}"
    distinct = [headers[name] for name in expect.get("distinct_headers", [])]
    assert len(set(distinct)) == len(distinct)
    for text in expect.get("raw_contains", []):
        assert text in response.text
    framing = expect.get("framing")
    if framing is not None:
        check_framing(response, framing)
    if framing is not None and framing.startswith("sse"):
        sent = chunks(response, framing)
        assert sent, "no chunks"
        first, last = sent[0], sent[-1]
        check_fields(first, expect.get("first_chunk", {}), "first chunk ")
        check_fields(last, expect.get("last_chunk", {}), "last chunk ")
        check_present(first, expect.get("present_first_chunk", []), "first chunk ")
        check_present(first, expect.get("absent_first_chunk", []), "first chunk ", present=False)
        check_present(last, expect.get("present_last_chunk", []), "last chunk ")
        check_matches(first, expect.get("matches_first_chunk", {}), "first chunk ")
        for i, chunk in enumerate(sent):
            check_present(chunk, expect.get("every_chunk", []), f"chunk {i} ")
        for i, chunk in enumerate(sent[1:], 1):
            check_present(chunk, expect.get("every_chunk_after_first", []), f"chunk {i} ")
        check_fields(last, expect.get("last_event_data", {}), "error event ")
    else:
        sent = [response.json()]
    if "some_chunk" in expect:
        wanted = expect["some_chunk"]
        assert any(all(pointer(c, p) == v for p, v in wanted.items()) for c in sent), f"no chunk has {wanted}"
    if framing is None or not framing.startswith("sse"):
        body = sent[0]
        check_fields(body, expect.get("body", {}), "")
        check_present(body, expect.get("present", []), "")
        check_present(body, expect.get("absent", []), "", present=False)
        check_matches(body, expect.get("matches", {}), "")


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, ServerThread]]:
    started: dict[str, ServerThread] = {}
    yield started
    for thread in started.values():
        thread.stop()


def server_for(servers: dict[str, ServerThread], settings: dict[str, Any]) -> ServerThread:
    key = json.dumps(settings, sort_keys=True)
    if key not in servers:
        servers[key] = ServerThread(FakeLLMApp(ServerConfig(seed=12, **settings))).start()
    return servers[key]


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_conformance(fixture: Path, servers: dict[str, ServerThread]) -> None:
    case = yaml.safe_load(fixture.read_text(encoding="utf-8"))
    server = server_for(servers, case.get("server", {}))
    request = case["request"]
    response = httpx.request(
        request.get("method", "POST"),
        server.url + request["path"],
        json=request.get("json"),
        headers={k: str(v) for k, v in request.get("headers", {}).items()},
    )
    check(response, case["expect"])


def test_every_dialect_has_fixtures_for_stream_and_errors() -> None:
    names = {f.stem for f in FIXTURES}
    for dialect in ("openai", "azure", "groq", "gemini"):
        assert any(n.startswith(dialect + "-") and ("stream" in n or "sse" in n) for n in names), dialect
        assert any(n.startswith(dialect + "-") and ("not-found" in n) for n in names), dialect
