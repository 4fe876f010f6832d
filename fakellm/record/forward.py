"""Forwarding one request upstream and relaying the answer to the client as it arrives.

The request goes with its method, path, query, body and the client's own headers (its key
included: the proxy holds none), hop-by-hop headers aside; `Host` names the upstream. The answer
comes back with its status and headers (hop-by-hop aside) and its body bytes exactly as they arrive,
each relayed at once. `Accept-Encoding` is narrowed to what the recorder can read back (gzip,
deflate), so a compressed answer still reaches the client unchanged.
"""

from __future__ import annotations

import asyncio
import time

import httpx
from starlette.types import Message, Receive, Send

from fakellm.record.capture import Capture

# RFC 9110 §7.6.1 and the ones every proxy drops; `host` and `content-length` are set anew.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length"}
READABLE_ENCODINGS = ("gzip", "deflate", "identity")


def request_headers(raw: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The client's headers to send upstream (repeated ones kept, in order)."""
    listed = {
        token.strip().lower()
        for name, value in raw
        if name.lower() == b"connection"
        for token in value.decode("latin-1").split(",")
    }
    kept: list[tuple[bytes, bytes]] = []
    for name, value in raw:
        lower = name.decode("latin-1").lower()
        if lower in _NOT_FORWARDED or lower in listed:
            continue
        if lower == "accept-encoding":
            wanted = [e.strip() for e in value.decode("latin-1").split(",")]
            readable = [e for e in wanted if e.split(";")[0].strip().lower() in READABLE_ENCODINGS]
            if not readable:
                continue
            value = ", ".join(readable).encode("latin-1")
        kept.append((name, value))
    return kept


def response_headers(headers: httpx.Headers) -> list[tuple[bytes, bytes]]:
    listed = {t.strip().lower() for v in headers.get_list("connection") for t in v.split(",")}
    return [(k, v) for k, v in headers.raw if k.decode("latin-1").lower() not in HOP_BY_HOP | listed]


class Relay:
    """Sends one request upstream and relays the answer; `run` returns when the answer has been
    relayed whole, or the client hung up (the upstream request is then closed: cancelled)."""

    def __init__(self, client: httpx.AsyncClient, capture: Capture) -> None:
        self.client = client
        self.capture = capture
        self.complete = False  # the last byte has been handed to the server

    async def run(self, request: httpx.Request, receive: Receive, send: Send) -> bool:
        """True when the client hung up before the answer was relayed whole."""
        relay = asyncio.ensure_future(self._relay(request, send))
        watcher = asyncio.ensure_future(_disconnected(receive))
        try:
            await asyncio.wait({relay, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if relay.done() or self.complete:
                await relay  # raises what the relay raised (an unreachable upstream)
                return False
            self.capture.hang_up(time.monotonic())
            relay.cancel()
            await asyncio.gather(relay, return_exceptions=True)
            return True
        finally:
            watcher.cancel()
            relay.cancel()

    async def _relay(self, request: httpx.Request, send: Send) -> None:
        capture = self.capture
        response = await self.client.send(request, stream=True)
        try:
            headers = {k.lower(): v for k, v in response.headers.items()}
            capture.response(response.status_code, headers)
            start: Message = {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": response_headers(response.headers),
            }
            await send(start)
            async for chunk in response.aiter_raw():
                if chunk:
                    capture.data(chunk, time.monotonic())
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            capture.end(time.monotonic())
            self.complete = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()  # mid-body: closes the upstream connection, cancelling the request


async def _disconnected(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
