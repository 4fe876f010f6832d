"""The yardstick for `throughput.py`: a bare Starlette app that returns fixed bytes.

It reads the request body (any endpoint must) and answers with the bytes fakellm
sent for the same request, read from the files named by `BENCH_JSON_FILE` and
`BENCH_SSE_FILE`. It does nothing else, so it is the ceiling for the same server
settings. The SSE body is offered three ways, to measure how best to stream:
- `/sse`: Starlette `StreamingResponse`, one chunk per event (what most apps write);
- `/sse-send`: the ASGI `send` called directly, one message per event;
- `/sse-one`: the ASGI `send` called directly, the whole stream in one message.

`/json-echo` is a second yardstick: the least work an honest echo must do (parse the JSON, check the
messages, take the last user text, answer `Repeat with me: X` with X, count words, render the reply
with fresh ids), with no scenarios, journal, faults or dialects. It shows what that work costs by itself.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

JSON_BODY = Path(os.environ["BENCH_JSON_FILE"]).read_bytes()
SSE_BODY = Path(os.environ["BENCH_SSE_FILE"]).read_bytes()
SSE_EVENTS = [event + b"\n\n" for event in SSE_BODY.split(b"\n\n") if event]
SSE_TYPE = "text/event-stream; charset=utf-8"
SSE_HEADERS = [(b"content-type", SSE_TYPE.encode()), (b"cache-control", b"no-cache")]


async def json_endpoint(request: Request) -> Response:
    await request.body()
    return Response(JSON_BODY, media_type="application/json")


_REPEAT = re.compile(r"\s*repeat with me\s*:\s*(.*\S)?\s*$", re.IGNORECASE | re.DOTALL)
_ECHO_TEMPLATE = (
    '{"id":"chatcmpl-%s","object":"chat.completion","created":%d,"model":%s,"choices":[{"index":0,'
    '"message":{"role":"assistant","content":%s,"refusal":null,"annotations":[]},"logprobs":null,'
    '"finish_reason":"stop"}],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,'
    '"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":'
    '{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},'
    '"service_tier":"default","system_fingerprint":"fp_f4e1c0ffee"}'
)
_rng = random.Random()


async def json_echo_endpoint(request: Request) -> Response:
    data = json.loads(await request.body())
    messages = data["messages"] if isinstance(data, dict) else None
    if not isinstance(messages, list) or not messages:
        return Response(b'{"error":"messages"}', status_code=400, media_type="application/json")
    last, prompt = "", 3
    for message in messages:
        if not isinstance(message, dict) or not isinstance(message.get("content"), str):
            return Response(b'{"error":"content"}', status_code=400, media_type="application/json")
        prompt += 3 + len(message["content"].split())
        if message.get("role") == "user":
            last = message["content"]
    found = _REPEAT.match(last)
    text = (found.group(1) or "") if found else last
    words = len(text.split())
    body = _ECHO_TEMPLATE % (
        f"{_rng.getrandbits(116):029x}",
        int(time.time()),
        json.dumps(str(data.get("model", ""))),
        json.dumps(text, ensure_ascii=False),
        prompt,
        words,
        prompt + words,
    )
    headers = {"x-request-id": f"req_{_rng.getrandbits(128):032x}", "openai-version": "2020-10-01"}
    return Response(body.encode(), media_type="application/json", headers=headers)


async def sse_endpoint(request: Request) -> Response:
    await request.body()

    async def events() -> AsyncIterator[bytes]:
        for event in SSE_EVENTS:
            yield event

    return StreamingResponse(events(), media_type=SSE_TYPE, headers={"cache-control": "no-cache"})


async def _read_all(receive: Receive) -> None:
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)


class SseSend:
    """A raw ASGI endpoint: `one_message` sends the stream in a single body message."""

    def __init__(self, one_message: bool) -> None:
        self.one_message = one_message

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _read_all(receive)
        await send({"type": "http.response.start", "status": 200, "headers": SSE_HEADERS})
        if self.one_message:
            await send({"type": "http.response.body", "body": SSE_BODY, "more_body": False})
            return
        for event in SSE_EVENTS:
            await send({"type": "http.response.body", "body": event, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


app = Starlette(
    routes=[
        Route("/json", json_endpoint, methods=["POST"]),
        Route("/json-echo", json_echo_endpoint, methods=["POST"]),
        Route("/sse", sse_endpoint, methods=["POST"]),
        Route("/sse-send", SseSend(one_message=False), methods=["POST"]),
        Route("/sse-one", SseSend(one_message=True), methods=["POST"]),
    ]
)
