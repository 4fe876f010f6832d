"""Microseconds per request for each dialect, streamed and not, through the whole ASGI app in-process.

No sockets: each request goes through routing, parsing, the scenario, the fault stage, framing and
the journal, and the bytes are collected from the ASGI `send`. This isolates what a dialect's
framing costs (Azure used to re-parse every frame the OpenAI dialect wrote, and cost ~9x per frame).

    python bench/dialects.py [--requests 3000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import time
from typing import Any

MESSAGE = "Repeat with me: the quick brown fox jumps over the lazy dog, twice over, for the benchmark."
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": MESSAGE}]}
GEMINI = {"contents": [{"role": "user", "parts": [{"text": MESSAGE}]}]}
TARGETS: dict[str, tuple[str, dict[str, str], dict[str, Any]]] = {
    "openai": ("/v1/chat/completions", {}, CHAT),
    "azure": ("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", {"api-key": "k"}, CHAT),
    "groq": ("/openai/v1/chat/completions", {}, CHAT),
    "gemini_openai": ("/v1beta/openai/chat/completions", {}, CHAT),
    "gemini": ("/v1beta/models/gemini-2.5-flash:generateContent", {}, GEMINI),
    "gemini (sse)": ("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", {}, GEMINI),
}


def create_app() -> Any:
    for module in ("fakellm.server.app", "fakellm.app"):  # the layout before and after 0.2
        try:
            return importlib.import_module(module).create_app()
        except ModuleNotFoundError:
            continue
    raise SystemExit("fakellm is not importable")


async def timed(app: Any, path: str, headers: dict[str, str], body: bytes, count: int) -> float:
    route, _, query = path.partition("?")
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers += [(k.encode(), v.encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "method": "POST",
        "path": route,
        "query_string": query.encode(),
        "headers": raw_headers,
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 1),
    }
    sink: list[Any] = []
    message = {"type": "http.request", "body": body, "more_body": False}

    async def receive() -> dict[str, Any]:
        return message

    async def send(msg: dict[str, Any]) -> None:
        sink.append(msg)

    start = time.perf_counter()
    for _ in range(count):
        await app(dict(scope), receive, send)
        sink.clear()
    return (time.perf_counter() - start) / count * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    app = create_app()
    rows: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for name, (path, headers, payload) in TARGETS.items():
            for stream in (False, True):
                if name == "gemini (sse)" and not stream:
                    continue
                body = dict(payload)
                if stream and "messages" in body:
                    body["stream"] = True
                label = name if name.startswith("gemini (") else f"{name} {'stream' if stream else 'json'}"
                us = asyncio.run(timed(app, path, headers, json.dumps(body).encode(), args.requests))
                rows.setdefault(label, []).append(us)
    print(f"µs per request, in-process, best of {args.rounds} rounds x {args.requests} requests")
    best = {label: min(values) for label, values in rows.items()}
    for label, us in best.items():
        print(f"  {label:<22} {us:8.1f}")
    print(f"  azure stream / openai stream: {best['azure stream'] / best['openai stream']:.2f}x")
    print(f"  azure json / openai json:     {best['azure json'] / best['openai json']:.2f}x")


if __name__ == "__main__":
    main()
