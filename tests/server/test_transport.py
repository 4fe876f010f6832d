"""The transport as the journal sees it, through a real server: what went out before a deliberate
drop, and a client hanging up while the response waits for its time."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from fakellm.journal import JournalEntry
from fakellm.testing.server_thread import ServerThread
from tests.support.raw_http import json_post

SLOW_TTFT_MS = 3000  # long enough that the journal must not wait for it


def chat(stream: bool) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello there"}], "stream": stream}


def settled_entry(server: ServerThread, within: float) -> JournalEntry:
    """The last journal entry, once no request is in flight; fails if that takes longer than `within`."""
    assert server.app.journal.wait_settled(within), f"the request was still pending after {within} s"
    return server.app.journal.entries()[-1]


def test_a_dropped_stream_is_journaled_with_what_went_out(make_server: Callable[..., ServerThread]) -> None:
    server = make_server()
    received = bytearray()

    def read() -> None:
        with httpx.stream("POST", server.url + "/s/disconnect/v1/chat/completions", json=chat(True)) as response:
            for chunk in response.iter_raw():
                received.extend(chunk)

    with pytest.raises(httpx.RemoteProtocolError):
        read()
    events = [e for e in bytes(received).split(b"\n\n") if e]
    entry = settled_entry(server, 5)
    assert len(events) == 4  # the role chunk and three content chunks, then the connection drops
    assert (entry.ended, entry.fault, entry.status) == ("fault", "disconnect", 200)
    assert entry.chunks == len(events)
    assert entry.ttft_ms is not None
    assert entry.disconnected_at_ms is None  # the server dropped it; the client did not hang up


def hang_up_early(server: ServerThread, path: str, body: dict[str, Any], after: float) -> bytes:
    """Send a whole request on a raw socket, close it `after` seconds later; what came back by then."""
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(json_post(server, path, body, {"X-FakeLLM-TTFT-Ms": str(SLOW_TTFT_MS)}))
        sock.settimeout(after)
        try:
            return sock.recv(65536)
        except TimeoutError:
            return b""


@pytest.mark.parametrize("stream", [True, False], ids=["stream", "json"])
def test_a_hang_up_before_the_first_token_is_journaled_at_once(
    make_server: Callable[..., ServerThread], stream: bool
) -> None:
    server = make_server()
    hung_up = time.monotonic()
    assert hang_up_early(server, "/v1/chat/completions", chat(stream), after=0.2) == b""
    entry = settled_entry(server, within=1.5)  # well before the first token's time (3 s)
    assert time.monotonic() - hung_up < 2
    # Nothing went out, not even the status line: the journal says so (status 0), and `ended` says why.
    assert (entry.ended, entry.status, entry.chunks, entry.ttft_ms) == ("disconnected", 0, 0, None)
    assert entry.disconnected_at_ms is not None
    assert 150 <= entry.disconnected_at_ms < 1500
    assert entry.total_ms is not None
    assert entry.total_ms < 1500


def test_a_hang_up_mid_stream_is_journaled_with_the_chunks_sent(make_server: Callable[..., ServerThread]) -> None:
    server = make_server()
    body = chat(True)
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        payload = json.dumps(body).encode()
        sock.sendall(
            (
                "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "X-FakeLLM-Tokens-Per-Second: 0.5\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n"
            ).encode()
            + payload
        )
        first = sock.recv(65536)  # the headers and what goes out at once
        assert first.startswith(b"HTTP/1.1 200")
    entry = settled_entry(server, within=1.5)  # the second word is due 2 s after the first
    assert entry.ended == "disconnected"
    assert entry.chunks >= 1
    assert entry.ttft_ms is not None
    assert entry.disconnected_at_ms is not None


def test_a_hang_up_mid_upload_is_journaled_as_disconnected(make_server: Callable[..., ServerThread]) -> None:
    server = make_server(api_keys=["sk-right"])  # a wrong key would be the answer, had anyone been there to hear it
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-wrong\r\n"
            b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"model": '
        )
        time.sleep(0.1)
    entry = settled_entry(server, within=1.5)
    assert (entry.ended, entry.status, entry.chunks) == ("disconnected", 0, 0)
    assert entry.error == "The client disconnected before the request body was complete."
    assert entry.disconnected_at_ms is not None


def test_frames_are_not_counted_once_the_server_knows_the_client_is_gone() -> None:
    """A client gone before the first frame's time (the server read the request and the hang-up in one
    go): uvicorn drops whatever is sent after that without a word, so none of it may count as sent."""
    import asyncio

    from fakellm.frames import Delivery, Frame, StreamPlan
    from fakellm.server.transport import Progress, send_plan

    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}  # as uvicorn answers once the connection is lost

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    plan = StreamPlan("text/event-stream", [Frame(b"data: 1\n\n"), Frame(b"data: 2\n\n")], b"data: [DONE]\n\n")
    progress = Progress()
    delivery = Delivery(offsets=[0.0, 0.0], end="drop")
    asyncio.run(send_plan(send, receive, plan, delivery, {}, time.monotonic(), progress))
    assert progress.chunks_sent == 0
    assert progress.disconnected_at is not None
    assert sent == []
