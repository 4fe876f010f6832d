"""Replay first, record what is missing: `--fakellm-record=new` with a cassette that already exists.

Each request goes first to a fakellm serving the cassette. When the cassette has an answer for it, that
answer is sent as recorded; when it has none (fakellm's "no recorded answer" error, marked by its own
header), that error is dropped and the request goes to the recording proxy instead, which forwards it
upstream and appends the exchange to the cassette.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fakellm.config import DEFAULT_MAX_BODY
from fakellm.scenarios.closest import NO_RULE_HEADER

_MARK = NO_RULE_HEADER.encode("latin-1")


class ReplayFirst:
    def __init__(self, replay: ASGIApp, recorder: ASGIApp, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.replay = replay
        self.recorder = recorder
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: the replaying app has start-up work, the proxy none
            await self.replay(scope, receive, send)
            return
        body = await _read(receive, self.max_body)
        missing = False

        async def replay_send(message: Message) -> None:
            nonlocal missing
            if message["type"] == "http.response.start":
                missing = any(name.lower() == _MARK for name, _ in message.get("headers", []))
            if not missing:
                await send(message)

        await self.replay(scope, _again(body, receive), replay_send)
        if missing:
            await self.recorder(scope, _again(body, receive), send)


async def _read(receive: Receive, limit: int) -> bytes:
    """The request body, whole (at most `limit` + 1 bytes are kept: the apps refuse a larger one)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        if size <= limit:
            chunk: bytes = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _again(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives `body` once, then listens to the client (for its hang-up)."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again
