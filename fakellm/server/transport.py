"""Putting bytes on the wire: straight to the ASGI `send`, on the schedule the fault stage set.

With no delays and a normal ending, a stream goes out in one write. Otherwise each frame is sent
at its absolute offset from the request's arrival (so timing does not drift),
and one watcher task notices the client hanging up (barge-in) the moment it does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from starlette.types import Message, Receive, Send

from fakellm.faults import Delivery
from fakellm.frames import StreamPlan

Headers = list[tuple[bytes, bytes]]


class DropConnection(Exception):
    """Raised to make the server close the socket mid-response, as a dying upstream does."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DropConnection))


def silence_deliberate_drops() -> None:
    """Keep uvicorn from logging a deliberate drop as an application error."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())


def encode_headers(headers: dict[str, str]) -> Headers:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


async def send_body(send: Send, status: int, headers: dict[str, str], body: bytes) -> None:
    raw = encode_headers(headers)
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


@dataclass(slots=True)
class StreamResult:
    chunks_sent: int = 0
    first_frame_at: float | None = None  # monotonic
    disconnected_at: float | None = None  # monotonic


class _DisconnectWatcher:
    """One task per delayed stream that waits for `http.disconnect` and notes when it came."""

    def __init__(self, receive: Receive) -> None:
        self.at: float | None = None
        self.task = asyncio.ensure_future(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        while True:
            message: Message = await receive()
            if message["type"] == "http.disconnect":
                self.at = time.monotonic()
                return

    @property
    def gone(self) -> bool:
        return self.at is not None

    def cancel(self) -> None:
        self.task.cancel()


async def send_stream(
    send: Send,
    receive: Receive,
    plan: StreamPlan,
    delivery: Delivery,
    headers: dict[str, str],
    started: float,
) -> StreamResult:
    """Send a framed stream; raises `DropConnection` when the delivery ends in a drop or stall."""
    start = {"type": "http.response.start", "status": 200, "headers": encode_headers(headers)}
    result = StreamResult()
    frames = plan.frames
    if delivery.offsets is None and delivery.end == "complete":
        await send(start)
        result.first_frame_at = time.monotonic()
        body = b"".join([f.data for f in frames]) + plan.tail
        await send({"type": "http.response.body", "body": body, "more_body": False})
        result.chunks_sent = len(frames)
        return result

    watcher = _DisconnectWatcher(receive)
    loop = asyncio.get_running_loop()
    # Offsets are measured on the monotonic clock from `started`; the loop's clock is monotonic too.
    base = loop.time() - (time.monotonic() - started)
    offsets = delivery.offsets or [0.0] * len(frames)
    try:
        for index, frame in enumerate(frames):
            wait = base + offsets[index] - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if watcher.gone:
                result.disconnected_at = watcher.at
                return result
            if index == 0:
                await send(start)
                result.first_frame_at = time.monotonic()
            await send({"type": "http.response.body", "body": frame.data, "more_body": True})
            result.chunks_sent += 1
        if not frames:
            await send(start)
        if delivery.end == "stall":
            await asyncio.wait({watcher.task}, timeout=delivery.stall_cap)
        if delivery.end != "complete":
            if watcher.gone:
                result.disconnected_at = watcher.at
                return result
            raise DropConnection
        # After the last send the server reports `http.disconnect` by itself, so stop watching first.
        watcher.cancel()
        await send({"type": "http.response.body", "body": plan.tail, "more_body": False})
        return result
    finally:
        watcher.cancel()
