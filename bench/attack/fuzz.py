"""Fuzz every route of every dialect, in-process, and count what should never happen.

A seeded generator takes valid requests for each route (chat in every dialect, the models routes,
the journal API, unknown paths) and breaks them: fields removed, retyped, nested deep, huge or
non-finite numbers, hostile strings, broken JSON and UTF-8, odd query strings, fault headers with
odd values, every built-in scenario by path. Each request goes through the whole ASGI app; the
client hangs up after a short wait, so a request that waits on purpose (latency, stalls) ends too.

Counted: responses with a 5xx status that was not injected on purpose, exceptions that escaped the
app (other than the deliberate drop), requests that took longer than the time limit, and the
slowest request. The quick form runs in the test suite; the full one on demand:

    python bench/attack/fuzz.py --requests 25000 --seed 1
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp

HANG_UP_AFTER_S = 0.02
LIMIT_S = 2.0

CHAT: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Repeat with me: hi"}],
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            },
        }
    ],
}
GEMINI: dict[str, Any] = {
    "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
    "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT", "properties": {}}}]}],
    "generationConfig": {"candidateCount": 1, "maxOutputTokens": 20},
}
RESPONSES: dict[str, Any] = {
    "model": "gpt-4.1",
    "instructions": "Be brief.",
    "input": [
        {"role": "user", "content": [{"type": "input_text", "text": "Repeat with me: hi"}]},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"},
    ],
    "tools": [{"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}],
    "text": {"format": {"type": "json_schema", "name": "w", "schema": {"type": "object"}}},
    "reasoning": {"effort": "low", "summary": "auto"},
    "max_output_tokens": 64,
    "stream": True,
}
ANTHROPIC: dict[str, Any] = {
    "model": "claude-sonnet-4-5",
    "max_tokens": 200,
    "system": [{"type": "text", "text": "Be brief."}],
    "messages": [
        {"role": "user", "content": [{"type": "text", "text": "Repeat with me: hi"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_01a", "name": "f", "input": {"x": 1}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01a", "content": "ok"}]},
    ],
    "tools": [{"name": "f", "input_schema": {"type": "object", "properties": {"x": {"type": "integer"}}}}],
    "tool_choice": {"type": "auto"},
    "thinking": {"type": "adaptive"},
    "stream": True,
}
SCENARIOS = [
    "echo", "lorem", "script", "tools", "reasoning", "slow", "flaky", "rate-limited",
    "midstream-error", "disconnect", "stall", "malformed", "nope",
]  # fmt: skip
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/v1/chat/completions", CHAT),
    ("POST", "/chat/completions", CHAT),
    ("POST", "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", CHAT),
    ("POST", "/openai/v1/chat/completions", CHAT),
    ("POST", "/v1beta/openai/chat/completions", CHAT),
    ("POST", "/v1beta/models/gemini-2.5-flash:generateContent", GEMINI),
    ("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", GEMINI),
    ("POST", "/v1beta/models/gemini-2.5-flash:streamGenerateContent", GEMINI),
    ("POST", "/v1/models/gemini-2.5-flash:generateContent", GEMINI),
    ("GET", "/v1/models", None),
    ("POST", "/v1/messages", ANTHROPIC),
    ("POST", "/v1/messages/count_tokens", {k: v for k, v in ANTHROPIC.items() if k not in ("max_tokens", "stream")}),
    ("GET", "/v1/models/claude-sonnet-4-5", None),
    ("GET", "/models", None),
    ("GET", "/v1beta/models", None),
    ("GET", "/openai/v1/models", None),
    ("GET", "/_fakellm/requests", None),
    ("GET", "/_fakellm/requests/1", None),
    ("GET", "/_fakellm/scenarios", None),
    ("GET", "/_fakellm/health", None),
    ("GET", "/", None),
    ("POST", "/v1/responses", RESPONSES),
    ("POST", "/openai/v1/responses", RESPONSES),
    ("POST", "/openai/responses?api-version=2025-04-01-preview", RESPONSES),
    ("GET", "/v1/responses/resp_0123/input_items?limit=5&order=asc", None),
    ("DELETE", "/v1/responses/resp_0123", None),
    ("POST", "/v1/responses/resp_0123/cancel", None),
    ("POST", "/v1/nothing", CHAT),
    ("PUT", "/v1/chat/completions", CHAT),
]
STRINGS = ["", " ", "\x00", "\ud800", "é🙂", "a" * 5000, "{{ user }}", "data: [DONE]\n\n", "</think>", "%C2%B2", "²"]
# Keys of provider requests and of the JSON schemas tools carry (which the `tools` scenario generates from).
KEYS = [
    "type", "content", "role", "x", "parts", "text", "properties", "items", "minItems", "maxItems",
    "minLength", "maxLength", "minimum", "maximum", "pattern", "enum", "$ref", "$defs", "anyOf", "required",
]  # fmt: skip
DEEP = re.compile(r'"__DEEP_(\\d+)__"')
HEADERS = ["x-fakellm-ttft-ms", "x-fakellm-tokens-per-second", "x-fakellm-error-status", "x-fakellm-seed"]


def random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(12 if depth < 4 else 8)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.choice([0, -1, 1, 2**31, -(2**63), 10**30, 1e308, -0.0, 0.5])
    if kind == 3:
        return rng.choice([math.nan, math.inf, -math.inf])
    if kind in (4, 5, 6, 7):
        return rng.choice(STRINGS)
    if kind in (8, 9):
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 10:
        return {rng.choice(KEYS): random_value(rng, depth + 1) for _ in range(rng.randrange(1, 4))}
    return f"__DEEP_{rng.choice([50, 600, 3000])}__"  # `encode` writes it as arrays nested this deep


def mutate(rng: random.Random, value: Any, depth: int = 0) -> Any:
    """A copy of `value` with a few random changes somewhere inside."""
    if rng.random() < 0.25 or depth > 6:
        return random_value(rng)
    if isinstance(value, dict) and value:
        out = dict(value)
        key = rng.choice(list(out))
        roll = rng.random()
        if roll < 0.3:
            del out[key]
        elif roll < 0.4:
            out[rng.choice(STRINGS) or "k"] = random_value(rng)
        else:
            out[key] = mutate(rng, out[key], depth + 1)
        return out
    if isinstance(value, list) and value:
        out_list = list(value)
        index = rng.randrange(len(out_list))
        out_list[index] = mutate(rng, out_list[index], depth + 1)
        if rng.random() < 0.2:
            out_list.append(random_value(rng))
        return out_list
    return random_value(rng)


def encode(rng: random.Random, body: Any) -> bytes:
    text = json.dumps(body, ensure_ascii=rng.random() < 0.5, allow_nan=True)
    text = DEEP.sub(lambda m: "[" * int(m.group(1)) + "1" + "]" * int(m.group(1)), text)
    data = text.encode("utf-8", "surrogatepass")
    roll = rng.random()
    if roll < 0.05:
        return data[: rng.randrange(len(data) + 1)]
    if roll < 0.08:
        return data.replace(b"hi", b"\xff\xfe", 1)
    if roll < 0.1:
        return b""
    return data


def query_noise(rng: random.Random) -> str:
    pairs = [
        f"{rng.choice(['limit', 'offset', 'status', 'stream', 'method', 'key', 'alt', 'api-version'])}="
        f"{rng.choice(['1', '-1', '--1', '%C2%B2', '9' * 5000, 'true', 'x', ''])}"
        for _ in range(rng.randrange(3))
    ]
    return "&".join(pairs)


@dataclass
class Tally:
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)  # 5xx not injected, with the request
    escaped: list[str] = field(default_factory=list)
    too_slow: list[str] = field(default_factory=list)
    slowest_s: float = 0.0
    suspects: list[tuple[str, str]] = field(default_factory=list)  # 5xx answers, judged against the journal


def build(rng: random.Random) -> tuple[str, str, bytes, list[tuple[bytes, bytes]]]:
    method, target, body = rng.choice(ROUTES)
    path, _, query = target.partition("?")
    if rng.random() < 0.4 and not path.startswith("/_fakellm") and path != "/":
        path = f"/s/{rng.choice([*SCENARIOS, 'tools', 'tools'])}{path}"
    if rng.random() < 0.3:
        query = "&".join(q for q in (query, query_noise(rng)) if q)
    if path.startswith("/_fakellm/requests/") and rng.random() < 0.5:
        path = "/_fakellm/requests/" + rng.choice(["%C2%B2", "-1", "0", "9" * 400, "x"])
    raw = encode(rng, mutate(rng, body) if body is not None and rng.random() < 0.85 else body or {})
    headers = [(b"content-type", rng.choice([b"application/json", b"text/plain"]))]
    if rng.random() < 0.3:
        name = rng.choice(HEADERS)
        value = rng.choice(["0", "-5", "1_000", "nan", "inf", "1e400", "503", "429", "600", "abc", ""])
        headers.append((name.encode(), value.encode()))
    if rng.random() < 0.2:
        headers.append((b"x-fakellm-scenario", rng.choice(SCENARIOS).encode()))
    if rng.random() < 0.6:
        headers.append((b"anthropic-version", rng.choice([b"2023-06-01", b"2026-10-21", b"", b"latest"])))
    if rng.random() < 0.2:
        headers.append((b"authorization", b"Bearer " + rng.choice(STRINGS).encode("utf-8", "surrogatepass")))
    return method, path + ("?" + query if query else ""), raw, headers


async def one(
    app: Any, method: str, target: str, body: bytes, headers: list[tuple[bytes, bytes]], tally: Tally
) -> None:
    path, _, query = target.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8000"), (b"content-length", str(len(body)).encode()), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent = False
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(HANG_UP_AFTER_S)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    label = f"{method} {target[:120]} body={body[:120]!r}"
    start = time.perf_counter()
    try:
        await asyncio.wait_for(app(scope, receive, send), timeout=LIMIT_S)
    except TimeoutError:
        tally.too_slow.append(label)
    except Exception as exc:
        if type(exc).__name__ != "DropConnection":
            tally.escaped.append(f"{type(exc).__name__}: {exc} <- {label}")
    took = time.perf_counter() - start
    tally.slowest_s = max(tally.slowest_s, took)
    tally.requests += 1
    status = statuses[0] if statuses else 0
    tally.by_status[status] = tally.by_status.get(status, 0) + 1
    if status >= 500:
        tally.suspects.append((dict(headers).get(b"x-fuzz-id", b"").decode(), f"{status} <- {label}"))


async def run(requests: int, seed: int, concurrency: int = 32) -> Tally:
    app = FakeLLMApp(ServerConfig(seed=seed, journal_size=requests + 10))
    rng = random.Random(seed)
    tally = Tally()
    batch = []
    for number in range(requests):
        method, target, body, headers = build(rng)
        batch.append((method, target, body, [*headers, (b"x-fuzz-id", str(number).encode())]))
    for at in range(0, len(batch), concurrency):
        await asyncio.gather(*(one(app, *request, tally) for request in batch[at : at + concurrency]))
    # A 5xx is fine only when the journal says it was injected on purpose (a fault scenario, a header).
    endings = {e.headers.get("x-fuzz-id", ""): e.ended for e in app.journal.entries()}
    tally.server_errors = [label for fuzz_id, label in tally.suspects if endings.get(fuzz_id) != "fault"]
    # The journal API must still answer for what was stored.
    await one(app, "GET", "/_fakellm/requests?limit=1000", b"", [], tally)
    return tally


def report(tally: Tally, seconds: float) -> str:
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(tally.by_status.items()))
    lines = [
        f"{tally.requests} fuzzed requests in {seconds:.1f} s; statuses {statuses}",
        f"5xx not injected: {len(tally.server_errors)}; exceptions escaped: {len(tally.escaped)}; "
        f"over {LIMIT_S:g} s: {len(tally.too_slow)}; slowest: {tally.slowest_s * 1000:.0f} ms",
    ]
    for title, items in (("5xx", tally.server_errors), ("escaped", tally.escaped), ("slow", tally.too_slow)):
        lines += [f"  {title}: {item}" for item in items[:5]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    tally = asyncio.run(run(args.requests, args.seed))
    print(report(tally, time.perf_counter() - start))
    sys.exit(1 if tally.server_errors or tally.escaped or tally.too_slow else 0)


if __name__ == "__main__":
    main()
