"""A representative set of requests whose exact response bytes are pinned (`tests/golden/wire.json`).

Every dialect, streamed and not, tools, reasoning, `n > 1`, usage, each fault and each error shape.
The app is driven in-process through ASGI with a frozen clock and a fixed seed, so the only things
that vary between runs are random identifiers; `normalise` replaces each distinct one with a
numbered placeholder of the same length (the same id twice stays the same placeholder), so a change
in the order ids are drawn does not matter but any other byte does.

    python -m tests.support.golden_cases   # rewrite tests/support/golden/wire.json (only when a change is intended)
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden" / "wire.json"
FROZEN_TIME = 1_765_000_000.0
SEED = 7

USER = "Repeat with me: golden bytes, 'quoted' \"twice\" é 🙂"
CHAT = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": USER}],
}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city"],
        },
    },
}
GEMINI = {
    "contents": [{"role": "user", "parts": [{"text": USER}]}],
    "systemInstruction": {"parts": [{"text": "Be brief."}]},
}
GEMINI_TOOLS = {
    **GEMINI,
    "tools": [
        {
            "functionDeclarations": [
                {
                    "name": "get_weather",
                    "description": "Weather for a city",
                    "parameters": {"type": "OBJECT", "properties": {"city": {"type": "STRING"}}, "required": ["city"]},
                }
            ]
        }
    ],
}
TOOL_RESULT = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "18 C and sunny"},
    ],
    "tools": [WEATHER_TOOL],
}
MALFORMED_KINDS = ("truncated_json", "missing_data_prefix", "missing_blank_line", "wrong_content_type")
FAST = {"x-fakellm-ttft-ms": "0", "x-fakellm-tokens-per-second": "1000000"}


@dataclass(slots=True)
class Case:
    name: str
    method: str
    path: str
    body: Any = None  # JSON value, raw bytes, or None
    headers: dict[str, str] = field(default_factory=dict)
    app: str = "open"  # "open": any key; "keyed": --api-key sk-right
    repeat: int = 1  # send this many times, keep the last answer (counters, budgets)
    hang_up_after: float | None = None  # the client disconnects this many seconds after sending


def _chat(**extra: Any) -> dict[str, Any]:
    return {**CHAT, **extra}


def _dialect_chat_routes() -> dict[str, tuple[str, dict[str, str]]]:
    return {
        "openai": ("/v1/chat/completions", {"authorization": "Bearer sk-right"}),
        "azure": ("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", {"api-key": "sk-right"}),
        "azure_v1": ("/openai/v1/chat/completions", {"api-key": "sk-right"}),
        "groq": ("/openai/v1/chat/completions", {"authorization": "Bearer sk-right"}),
        "gemini_openai": ("/v1beta/openai/chat/completions", {"authorization": "Bearer sk-right"}),
    }


def cases() -> list[Case]:
    out: list[Case] = []
    for dialect, (path, key) in _dialect_chat_routes().items():

        def prefix(scenario: str, path: str = path) -> str:
            return f"/s/{scenario}{path}"

        out += [
            Case(f"{dialect}/echo", "POST", path, _chat(), key),
            Case(f"{dialect}/echo-stream", "POST", path, _chat(stream=True), key),
            Case(
                f"{dialect}/echo-stream-usage",
                "POST",
                path,
                _chat(stream=True, stream_options={"include_usage": True}),
                key,
            ),
            Case(f"{dialect}/n2", "POST", path, _chat(n=2), key),
            Case(f"{dialect}/n2-stream", "POST", path, _chat(n=2, stream=True), key),
            Case(f"{dialect}/max-tokens", "POST", path, _chat(max_tokens=3, stream=True), key),
            Case(f"{dialect}/tools", "POST", prefix("tools"), _chat(tools=[WEATHER_TOOL]), key),
            Case(f"{dialect}/tools-stream", "POST", prefix("tools"), _chat(tools=[WEATHER_TOOL], stream=True), key),
            Case(f"{dialect}/tool-result", "POST", prefix("tools"), TOOL_RESULT, key),
            Case(f"{dialect}/reasoning", "POST", prefix("reasoning"), _chat(), key),
            Case(f"{dialect}/reasoning-stream", "POST", prefix("reasoning"), _chat(stream=True), key),
            Case(f"{dialect}/lorem-stream", "POST", prefix("lorem"), _chat(stream=True), key),
            Case(f"{dialect}/slow-stream", "POST", prefix("slow"), _chat(stream=True), {**key, **FAST}),
            Case(f"{dialect}/flaky", "POST", prefix("flaky"), _chat(), key, repeat=2),
            Case(f"{dialect}/rate-limited", "POST", prefix("rate-limited"), _chat(), key, repeat=6),
            Case(f"{dialect}/rate-limited-ok", "POST", prefix("rate-limited"), _chat(stream=True), key),
            Case(f"{dialect}/midstream-error", "POST", prefix("midstream-error"), _chat(stream=True), key),
            Case(f"{dialect}/disconnect", "POST", prefix("disconnect"), _chat(stream=True), key),
            Case(f"{dialect}/stall", "POST", prefix("stall"), _chat(stream=True), key, hang_up_after=0.2),
            Case(f"{dialect}/error-header", "POST", path, _chat(), {**key, "x-fakellm-error-status": "429"}),
            Case(
                f"{dialect}/error-header-503",
                "POST",
                path,
                _chat(stream=True),
                {**key, "x-fakellm-error-status": "503"},
            ),
            Case(f"{dialect}/bad-json", "POST", path, b'{"model": "m", "messages": [', key),
            Case(
                f"{dialect}/bad-field",
                "POST",
                path,
                {"model": "m", "messages": [{"role": "wizard", "content": "x"}]},
                key,
            ),
            Case(
                f"{dialect}/wrong-key",
                "POST",
                path,
                _chat(),
                {k: ("Bearer sk-wrong" if k == "authorization" else "sk-wrong") for k in key},
                app="keyed",
            ),
            Case(f"{dialect}/no-key", "POST", path, _chat(), {}, app="keyed"),
            Case(f"{dialect}/unknown-scenario", "POST", prefix("nope"), _chat(), key),
            Case(f"{dialect}/method", "GET", path, None, key),
        ]
        for kind in MALFORMED_KINDS:
            out.append(
                Case(f"{dialect}/malformed-{kind}", "POST", prefix(f"malformed-{kind}"), _chat(stream=True), key)
            )
    gemini_key = {"x-goog-api-key": "sk-right"}
    for version in ("v1beta", "v1"):
        base = f"/{version}/models/gemini-2.5-flash"
        out += [
            Case(f"gemini-{version}/generate", "POST", f"{base}:generateContent", GEMINI, gemini_key),
            Case(f"gemini-{version}/sse", "POST", f"{base}:streamGenerateContent?alt=sse", GEMINI, gemini_key),
            Case(f"gemini-{version}/array", "POST", f"{base}:streamGenerateContent", GEMINI, gemini_key),
        ]
    g = "/v1beta/models/gemini-2.5-flash"
    thinking = {**GEMINI, "generationConfig": {"thinkingConfig": {"includeThoughts": True}, "candidateCount": 2}}
    for scenario, body in (("tools", GEMINI_TOOLS), ("reasoning", thinking), ("reasoning", GEMINI)):
        label = f"{scenario}-thoughts" if body is thinking else scenario
        for method, query in (
            ("generate", ":generateContent"),
            ("sse", ":streamGenerateContent?alt=sse"),
            ("array", ":streamGenerateContent"),
        ):
            out.append(Case(f"gemini/{label}-{method}", "POST", f"/s/{scenario}{g}{query}", body, gemini_key))
    for scenario, extra, repeat in (
        ("flaky", {}, 2),
        ("rate-limited", {}, 6),
        ("midstream-error", {}, 1),
        ("disconnect", {}, 1),
    ):
        for method, query in (("sse", ":streamGenerateContent?alt=sse"), ("array", ":streamGenerateContent")):
            out.append(
                Case(
                    f"gemini/{scenario}-{method}",
                    "POST",
                    f"/s/{scenario}{g}{query}",
                    GEMINI,
                    {**gemini_key, **extra},
                    repeat=repeat,
                )
            )
    for kind in MALFORMED_KINDS:
        out.append(
            Case(
                f"gemini/malformed-{kind}",
                "POST",
                f"/s/malformed-{kind}{g}:streamGenerateContent?alt=sse",
                GEMINI,
                gemini_key,
            )
        )
    out += [
        Case("gemini/bad-json", "POST", f"{g}:generateContent", b"{", gemini_key),
        Case("gemini/bad-field", "POST", f"{g}:generateContent", {"contents": "x"}, gemini_key),
        Case("gemini/wrong-key", "POST", f"{g}:generateContent", GEMINI, {"x-goog-api-key": "sk-wrong"}, app="keyed"),
        Case("gemini/no-key", "POST", f"{g}:generateContent", GEMINI, {}, app="keyed"),
        Case("gemini/no-key-array", "POST", f"{g}:streamGenerateContent", GEMINI, {}, app="keyed"),
        Case(
            "gemini/error-header",
            "POST",
            f"{g}:generateContent",
            GEMINI,
            {**gemini_key, "x-fakellm-error-status": "503"},
        ),
        Case("gemini/unknown-route", "POST", "/v1beta/nothing", GEMINI, gemini_key),
        Case("gemini/models", "GET", "/v1beta/models", None, gemini_key),
        Case("gemini/models-v1", "GET", "/v1/models", None, gemini_key),
        Case("openai/models", "GET", "/v1/models", None, {}),
        Case("openai/models-bare", "GET", "/models", None, {}),
        Case("openai/models-scenario", "GET", "/s/tools/v1/models", None, {}),
        Case("azure/models", "GET", "/openai/models", None, {"api-key": "k"}),
        Case("groq/models", "GET", "/openai/v1/models", None, {}),
        Case("gemini_openai/models", "GET", "/v1beta/openai/models", None, {}),
        Case("openai/unknown-route", "POST", "/v1/nothing", CHAT, {}),
        Case("azure/unknown-route", "POST", "/openai/deployments/x/nothing", CHAT, {}),
        Case(
            "azure/missing-api-version", "POST", "/openai/deployments/gpt-4o/chat/completions", CHAT, {"api-key": "k"}
        ),
        Case("groq/unknown-route", "POST", "/openai/v1/nothing", CHAT, {}),
        Case("gemini_openai/unknown-route", "POST", "/v1beta/openai/nothing", CHAT, {}),
        Case(
            "openai/too-large",
            "POST",
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "x" * 2_000_000}]},
            {},
        ),
        Case("openai/model-picks-scenario", "POST", "/v1/chat/completions", {**CHAT, "model": "fakellm/reasoning"}, {}),
        Case("openai/header-picks-scenario", "POST", "/v1/chat/completions", CHAT, {"x-fakellm-scenario": "tools"}),
        Case("openai/reasoning-content", "POST", "/s/reasoning-content/v1/chat/completions", _chat(stream=True), {}),
        Case("openai/reasoning-content-json", "POST", "/s/reasoning-content/v1/chat/completions", _chat(), {}),
        Case(
            "openai/no-obfuscation",
            "POST",
            "/v1/chat/completions",
            _chat(stream=True, stream_options={"include_obfuscation": False}),
            {},
        ),
        Case(
            "groq/reasoning-parsed",
            "POST",
            "/s/reasoning/openai/v1/chat/completions",
            _chat(stream=True, reasoning_format="parsed"),
            {},
        ),
        Case(
            "groq/reasoning-hidden",
            "POST",
            "/s/reasoning/openai/v1/chat/completions",
            _chat(reasoning_format="hidden"),
            {},
        ),
        Case(
            "groq/reasoning-include",
            "POST",
            "/s/reasoning/openai/v1/chat/completions",
            _chat(include_reasoning=True),
            {},
        ),
        Case("groq/bad-reasoning-format", "POST", "/openai/v1/chat/completions", _chat(reasoning_format="loud"), {}),
        Case(
            "gemini_openai/thoughts",
            "POST",
            "/s/reasoning/v1beta/openai/chat/completions",
            _chat(stream=True, extra_body={"google": {"thinking_config": {"include_thoughts": True}}}),
            {},
        ),
        Case(
            "gemini_openai/thoughts-json",
            "POST",
            "/s/reasoning/v1beta/openai/chat/completions",
            _chat(extra_body={"google": {"thinking_config": {"include_thoughts": True}}}),
            {},
        ),
    ]
    return out


def extra_scenarios() -> list[dict[str, Any]]:
    """Test-only scenarios: each malformed kind, and DeepSeek-style reasoning_content."""
    scenarios: list[dict[str, Any]] = [
        {
            "name": f"malformed-{kind}",
            "defaults": {"stream": {"malformed": kind, "malformed_at": 1}},
            "rules": [{"reply": {"text": "one two three four five"}}],
        }
        for kind in MALFORMED_KINDS
    ]
    scenarios.append(
        {
            "name": "reasoning-content",
            "rules": [{"reply": {"text": "The answer.", "reasoning": "Some thought.", "reasoning_content": True}}],
        }
    )
    return scenarios


# --- driving the app -------------------------------------------------------------------------------

_TOKENS = [
    re.compile(r"chatcmpl-[A-Za-z0-9]+"),
    re.compile(r"call_[A-Za-z0-9]+"),
    re.compile(r"req_[A-Za-z0-9]+"),
    re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    re.compile(r'(?<="obfuscation":")[A-Za-z0-9]*'),
    re.compile(r'(?<="responseId": ")[A-Za-z0-9]+'),
    re.compile(r'(?<="id":")[A-Za-z0-9]{23}(?=")'),
    re.compile(r'(?<="seed":)[0-9]+'),
]


def normalise(texts: list[str]) -> list[str]:
    """Replace each distinct random token with `<n:length>`, numbered by first appearance across `texts`."""
    seen: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        token = match.group(0)
        if token not in seen:
            seen[token] = f"<{len(seen)}:{len(token)}>"
        return seen[token]

    out = []
    for text in texts:
        for pattern in _TOKENS:
            text = pattern.sub(placeholder, text)
        out.append(text)
    return out


async def _drive(app: Any, case: Case) -> dict[str, Any]:
    path, _, query = case.path.partition("?")
    if isinstance(case.body, bytes):
        body = case.body
    elif case.body is None:
        body = b""
    else:
        body = json.dumps(case.body, ensure_ascii=False).encode()
    headers = [(b"host", b"127.0.0.1:8000"), (b"content-type", b"application/json")]
    headers += [(k.encode(), v.encode()) for k, v in case.headers.items()]
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": case.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    messages: list[dict[str, Any]] = []
    sent_body = False
    hung_up = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        if case.hang_up_after is not None:
            await asyncio.sleep(case.hang_up_after)
        else:
            await hung_up.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    ending = "complete"
    try:
        await asyncio.wait_for(app(scope, receive, send), timeout=10)
    except Exception as exc:  # a deliberate drop ends the ASGI call with an exception
        ending = type(exc).__name__
    finally:
        hung_up.set()
    start = next((m for m in messages if m["type"] == "http.response.start"), None)
    chunks = [m.get("body", b"") for m in messages if m["type"] == "http.response.body"]
    closed = any(m["type"] == "http.response.body" and not m.get("more_body", False) for m in messages)
    return {
        "status": start["status"] if start else None,
        "headers": [[k.decode(), v.decode()] for k, v in start["headers"]] if start else [],
        "body": b"".join(chunks).decode("utf-8", "backslashreplace"),
        "closed": closed,
        "ending": ending,
    }


def _make_app(kind: str) -> Any:
    from fakellm.config import ServerConfig
    from fakellm.server.app import FakeLLMApp, build_library
    from fakellm.testing.layers import scenario_from_dict

    config = ServerConfig(seed=SEED, api_keys=["sk-right"] if kind == "keyed" else [], max_body=1_000_000)
    library = build_library(config)
    for spec in extra_scenarios():
        library.replace(scenario_from_dict(spec, SEED, spec["name"]))
    return FakeLLMApp(config, library=library)


class _FrozenClock:
    @staticmethod
    def monotonic() -> float:
        return 1000.0


def run_case(case: Case) -> dict[str, Any]:
    """The normalised answer to `case` from a fresh, seeded app with a frozen clock."""
    from fakellm.faults import ratelimit

    real_time, real_clock = time.time, ratelimit.time
    time.time = lambda: FROZEN_TIME  # type: ignore[assignment]
    ratelimit.time = _FrozenClock()  # type: ignore[assignment]  # budgets refill with time
    try:
        app = _make_app(case.app)

        async def go() -> dict[str, Any]:
            answer: dict[str, Any] = {}
            for _ in range(case.repeat):
                answer = await _drive(app, case)
            return answer

        answer = asyncio.run(go())
    finally:
        time.time = real_time  # type: ignore[assignment]
        ratelimit.time = real_clock  # type: ignore[assignment]
    texts = normalise([answer["body"], *(v for _, v in answer["headers"])])
    answer["body"] = texts[0]
    answer["headers"] = [[k, v] for (k, _), v in zip(answer["headers"], texts[1:], strict=True)]
    return answer


def load() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def record() -> None:
    results = {case.name: run_case(case) for case in cases()}
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(results)} cases to {GOLDEN}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    record()
