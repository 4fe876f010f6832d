"""The yardstick for `throughput.py`: a bare Starlette app that returns fixed bytes.

It reads the request body (any endpoint must) and answers with the bytes fakellm
sent for the same request, read from the files named by `BENCH_JSON_FILE` and
`BENCH_SSE_FILE`. It does nothing else, so it is the ceiling for the same server
settings. The SSE body is offered three ways, to measure how best to stream:
- `/sse`: Starlette `StreamingResponse`, one chunk per event (what most apps write);
- `/sse-send`: the ASGI `send` called directly, one message per event;
- `/sse-one`: the ASGI `send` called directly, the whole stream in one message.
"""

from __future__ import annotations

import os
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
        Route("/sse", sse_endpoint, methods=["POST"]),
        Route("/sse-send", SseSend(one_message=False), methods=["POST"]),
        Route("/sse-one", SseSend(one_message=True), methods=["POST"]),
    ]
)
