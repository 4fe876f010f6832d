"""Putting bytes on the wire: straight to the ASGI `send`, on the schedule the fault stage set.

A stream and a non-streaming reply (a plan of one whole frame) go the same way. With no delays and a
normal ending, the response goes out in one write. Otherwise each frame is sent at its absolute
offset from the request's arrival (stamped when its bytes were read: `fakellm.server.limits`), so
timing does not drift and a request that waited for the loop does not start its schedule late; the
waits go through the loop's one `Pacer` timer, and the frames due by the time a stream wakes go out
in one write. One watcher task notices the client hanging up (barge-in) the moment it does, even
while the sender waits for a frame's time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import Message, Receive, Send

from fakellm.frames import Delivery, StreamPlan
from fakellm.server.pacer import SLACK_S, pacer

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
class Progress:
    """What has gone out so far. The caller owns it, so it is up to date however sending ends
    (a deliberate drop raises `DropConnection` half way)."""

    chunks_sent: int = 0
    first_frame_at: float | None = None  # monotonic
    disconnected_at: float | None = None  # monotonic
    # Set by the caller to watch frames go out: `sent_at` gets each frame's send time (monotonic) when
    # frames go out one by one, `on_sent(chunks_sent)` is called after every write (after the single
    # write, too). Left None, sending costs nothing more.
    sent_at: list[float] | None = None
    on_sent: Callable[[int], None] | None = None


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class _DisconnectWatcher:
    """One task per delayed response that waits for `http.disconnect`, notes when it came, and wakes
    the sender if it is waiting for a frame's time.

    Once the response is complete (or deliberately dropped) the watcher is `retire`d rather than
    cancelled: the server then reports `http.disconnect` by itself, which ends the task quietly. A
    cancelled task would leave a reference cycle behind (its `CancelledError`'s traceback holds the
    frame that holds the watcher that holds the task): garbage only a collection can free, a few
    dozen objects per stream (`fakellm.server.collector` counts on there being none)."""

    def __init__(self, receive: Receive) -> None:
        self.at: float | None = None
        self.retired = False
        self.loop = asyncio.get_running_loop()
        self.pacer = pacer(self.loop)
        self._waiter: asyncio.Future[None] | None = None
        self.task = self.loop.create_task(self._watch(receive))

    async def _watch(self, receive: Receive) -> None:
        while True:
            message: Message = await receive()
            if message["type"] == "http.disconnect":
                if self.retired:  # the server's own report that the response is over
                    return
                self.at = time.monotonic()
                if self._waiter is not None:
                    _wake(self._waiter)
                return

    async def gone_by(self, when: float) -> bool:
        """Wait until `when` (monotonic) or until the client hangs up, whichever comes first;
        True when the client is gone."""
        if self.at is None and when - time.monotonic() > SLACK_S:
            waiter = self._waiter = self.pacer.wait(when)
            try:
                await waiter  # released two turns after its time: a hang-up by then has been seen
            finally:
                if self.at is not None or not waiter.done():  # woken by a hang-up, or cancelled
                    self.pacer.abandoned()
                waiter.cancel()
                self._waiter = None
        elif self.at is None:
            # The server may have seen the client go already (in this loop turn, or before the watcher's
            # first turn) without the watcher having run yet; uvicorn silently discards what is sent
            # after that, and it would be counted as sent. One turn lets the watcher note it first.
            await asyncio.sleep(0)
        return self.at is not None

    def retire(self) -> None:
        """The response is over (what is sent next is its last): a disconnect is no longer news."""
        self.retired = True

    def cancel(self) -> None:
        """Stop watching now (the sender failed or was cancelled); nothing once retired."""
        if not self.retired:
            self.task.cancel()


def _sent(progress: Progress, frames: int = 1) -> None:
    """`frames` went out in one write: each gets its time, and the watcher hears of them once."""
    if progress.sent_at is not None:
        progress.sent_at.extend([time.monotonic()] * frames)
    if progress.on_sent is not None:
        progress.on_sent(progress.chunks_sent)


async def send_plan(
    send: Send,
    receive: Receive,
    plan: StreamPlan,
    delivery: Delivery,
    headers: dict[str, str],
    started: float,
    progress: Progress,
) -> None:
    """Send a framed response with status 200, noting in `progress` what went out; raises
    `DropConnection` when the delivery ends in a drop or a stall."""
    raw = encode_headers(headers)
    frames = plan.frames
    if plan.whole:
        raw.append((b"content-length", str(len(frames[0].data)).encode()))
    start = {"type": "http.response.start", "status": 200, "headers": raw}
    if delivery.offsets is None and delivery.end == "complete":
        await send(start)
        progress.first_frame_at = time.monotonic()
        body = frames[0].data if plan.whole else b"".join([f.data for f in frames]) + plan.tail
        await send({"type": "http.response.body", "body": body, "more_body": False})
        progress.chunks_sent = len(frames)
        if progress.on_sent is not None:
            progress.on_sent(len(frames))
        return

    watcher = _DisconnectWatcher(receive)
    offsets = delivery.offsets or [0.0] * len(frames)
    count, index = len(frames), 0
    try:
        while index < count:
            if await watcher.gone_by(started + offsets[index]):
                progress.disconnected_at = watcher.at
                return
            if index == 0:
                await send(start)
                progress.first_frame_at = time.monotonic()
            if plan.whole:
                watcher.retire()
                await send({"type": "http.response.body", "body": frames[0].data, "more_body": False})
                progress.chunks_sent = 1
                _sent(progress)
                return
            # Every frame due by now goes in this write (those of one moment: a role chunk with the first
            # content chunk, a tool call's opening with its arguments, or frames a late loop caught up on).
            due_by, end = time.monotonic() - started + SLACK_S, index + 1
            while end < count and offsets[end] <= due_by:
                end += 1
            body = frames[index].data if end == index + 1 else b"".join([f.data for f in frames[index:end]])
            last = end == count and delivery.end == "complete"
            if last:  # the terminator goes with the last frames, in the same write
                watcher.retire()
                body += plan.tail
            await send({"type": "http.response.body", "body": body, "more_body": not last})
            progress.chunks_sent = end
            _sent(progress, end - index)
            if last:
                # What follows the last write (the journal, metrics, the server's own bookkeeping) waits a
                # turn: streams ending in the same tick (a burst's do) all get their last bytes out first.
                await asyncio.sleep(0)
                return
            index = end
        if not frames:
            await send(start)
        if delivery.end == "stall":
            await watcher.gone_by(time.monotonic() + delivery.stall_cap)
        if delivery.end != "complete":
            if watcher.at is not None:
                progress.disconnected_at = watcher.at
                return
            watcher.retire()  # the server closes the connection, and reports it
            raise DropConnection
        watcher.retire()
        await send({"type": "http.response.body", "body": plan.tail, "more_body": False})
    finally:
        watcher.cancel()
