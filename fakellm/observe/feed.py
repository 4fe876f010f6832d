"""`GET /_fakellm/events`: the journal's events as a Server-Sent Events stream, for the live view.

On connecting, a `hello` event carries the most recent requests; then every request's `open`,
`answer`, `chunk` (the reply text as it goes out) and `settle` follow as they happen. Each watcher
has a bounded queue: one that cannot keep up gets a `lag` event and is let go (the page reconnects
and starts from a fresh `hello`), so a slow browser never holds the server's memory. A comment line
every few seconds keeps proxies from closing an idle feed.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from fakellm.journal import Journal, JournalEntry
from fakellm.journal.events import JournalEvent
from fakellm.observe.agents import agent_of

HELLO_ENTRIES = 50  # requests sent on connecting
QUEUE_SIZE = 4096  # events a watcher may fall behind by before it is let go
MAX_WATCHERS = 16  # feeds open at once
KEEP_ALIVE_S = 10.0
USER_TEXT_SHOWN = 500  # characters of the last user message in a summary


def summary(entry: JournalEntry) -> dict[str, Any]:
    """What the live view shows of one request (the detail view asks for the rest)."""
    user = entry.user_text
    return {
        "id": entry.id,
        "time": entry.time,
        "method": entry.method,
        "path": entry.path,
        "dialect": entry.dialect,
        "agent": agent_of(entry.headers),
        "tag": entry.headers.get("x-fakellm-dashboard", ""),
        "scenario": entry.scenario,
        "rule": entry.rule,
        "model": entry.model,
        "user": user if len(user) <= USER_TEXT_SHOWN else user[:USER_TEXT_SHOWN] + "…",
        "stream": entry.stream,
        "status": entry.status,
        "ended": entry.ended,
        "chunks": entry.chunks,
        "ttft_ms": entry.ttft_ms,
        "total_ms": entry.total_ms,
        "disconnected_at_ms": entry.disconnected_at_ms,
        "fault": entry.fault,
        "error": entry.error,
        "reply": entry.text if entry.ended != "pending" else "",
        "tool_calls": [c["name"] for c in entry.tool_calls],
    }


def _sse(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n".encode()


class Watcher:
    """One open feed: a journal listener filling a bounded queue on the feed's own event loop."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.loop = asyncio.get_running_loop()
        self.thread = threading.get_ident()
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_SIZE)
        self.lagged = False

    def __call__(self, event: JournalEvent) -> None:
        data = {"id": event.entry.id, **event.data} if event.kind == "chunk" else summary(event.entry)
        message = _sse(event.kind, data)
        if threading.get_ident() == self.thread:
            self._put(message)
        else:  # a journal written from another thread (a harness driving the app in-process)
            self.loop.call_soon_threadsafe(self._put, message)

    def _put(self, message: bytes) -> None:
        if self.lagged:
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.lagged = True  # `messages` says so instead of sending what is left

    async def messages(self) -> AsyncIterator[bytes]:
        entries = self.journal.entries()[-HELLO_ENTRIES:]
        yield _sse("hello", {"entries": [summary(e) for e in entries]})
        while True:
            try:
                message = await asyncio.wait_for(self.queue.get(), KEEP_ALIVE_S)
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if self.lagged:
                yield _sse("lag", {"message": "the feed fell behind; reconnect for a fresh view"})
                return
            yield message


class Feed:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.watchers = 0

    async def endpoint(self, request: Request) -> Response:
        if self.watchers >= MAX_WATCHERS:
            error = {"message": f"At most {MAX_WATCHERS} live feeds may be open.", "type": "fakellm_error"}
            return JSONResponse({"error": {**error, "code": "too_many_feeds"}}, status_code=503)
        watcher = Watcher(self.journal)

        async def stream() -> AsyncIterator[bytes]:
            self.watchers += 1
            self.journal.subscribe(watcher, chunks=True)
            try:
                async for message in watcher.messages():
                    yield message
            finally:
                self.journal.unsubscribe(watcher)
                self.watchers -= 1

        headers = {"cache-control": "no-cache", "x-accel-buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream; charset=utf-8", headers=headers)
