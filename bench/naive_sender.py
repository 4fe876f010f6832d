"""The yardstick for `bench/timing.py`: the least a streaming fake can do, as a raw ASGI app.

One task per stream that sleeps until each chunk's time (counted from when its task first ran) and
sends it: no scenarios, faults, journal or dialects; the chunks are OpenAI-shaped content deltas of the
request's `Repeat with me:` words. It reads the same `X-FakeLLM-TTFT-Ms` and
`X-FakeLLM-Tokens-Per-Second` headers fakellm does. Run under uvicorn as fakellm is (uvloop, httptools):

    uvicorn bench.naive_sender:app --no-access-log --loop uvloop --http httptools
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

HEAD = [(b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-cache")]
PREFIX = b'data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":'
SUFFIX = b"}}]}\n\n"
DONE = b"data: [DONE]\n\n"


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    started = time.monotonic()
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    headers = dict(scope["headers"])
    ttft = float(headers.get(b"x-fakellm-ttft-ms", b"0")) / 1000
    rate = float(headers.get(b"x-fakellm-tokens-per-second", b"0")) or None
    text = json.loads(body)["messages"][-1]["content"].partition(":")[2].split()
    await send({"type": "http.response.start", "status": 200, "headers": HEAD})
    for index, word in enumerate(text):
        due = started + ttft + (index / rate if rate else 0.0)
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        chunk = PREFIX + json.dumps(word if index == 0 else " " + word).encode() + SUFFIX
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": DONE, "more_body": False})
