"""Slow and silent clients are dropped: the header deadline, the body deadline, the connection cap."""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Callable

import pytest

from fakellm.config import ServerConfig
from fakellm.server.limits import connection_cap
from fakellm.testing.server_thread import ServerThread

SHORT = 0.3  # seconds: the deadlines these tests set
WAIT = 3.0  # seconds: how long a test waits for the server to act (well past SHORT)
REQUEST = (
    b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: %d\r\n\r\n"
)
BODY = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()


def _connect(server: ServerThread) -> socket.socket:
    sock = socket.create_connection((server.host, server.port), timeout=WAIT)
    return sock


def _read_until_closed(sock: socket.socket) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and how long that took; fails the
    test if the connection is still open after WAIT seconds."""
    start = time.monotonic()
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        except TimeoutError:
            pytest.fail(f"the connection was still open after {WAIT} s; got {data!r}")
        if not chunk:
            break
        data += chunk
    return data, time.monotonic() - start


def _read_response(sock: socket.socket) -> bytes:
    """One whole response with a content-length (headers and body), however the reads split it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed mid-response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed mid-body: {data!r}"
        body += chunk
    return head + b"\r\n\r\n" + body


def _trickle(sock: socket.socket, data: bytes) -> int:
    """Send `data` a byte every 50 ms until the server answers or hangs up; how many bytes went."""
    start = time.monotonic()
    for sent in range(len(data)):
        if time.monotonic() - start > WAIT:
            pytest.fail(f"the server was still reading a byte every 50 ms after {WAIT} s")
        if select.select([sock], [], [], 0.05)[0]:  # something to read: an answer, or the end
            return sent
        try:
            sock.sendall(data[sent : sent + 1])
        except OSError:  # closed under us
            return sent
    return len(data)


def _quick_server(make_server: Callable[..., ServerThread], **settings: object) -> ServerThread:
    return make_server(ServerConfig(header_timeout=SHORT, body_timeout=SHORT, **settings))  # type: ignore[arg-type]


def test_a_silent_connection_is_closed(make_server: Callable[..., ServerThread]) -> None:
    server = _quick_server(make_server)
    with _connect(server) as sock:
        data, took = _read_until_closed(sock)
    assert data == b""  # nothing was asked, so nothing is said
    assert took < WAIT


def test_headers_trickling_in_are_cut_off_with_408(make_server: Callable[..., ServerThread]) -> None:
    server = _quick_server(make_server)
    with _connect(server) as sock:
        head = REQUEST % len(BODY)
        sent = _trickle(sock, head)
        data, _ = _read_until_closed(sock)
    assert sent < len(head)
    assert data.startswith(b"HTTP/1.1 408 ")


def test_headers_without_the_promised_body_get_408_in_the_dialect_shape(
    make_server: Callable[..., ServerThread],
) -> None:
    server = _quick_server(make_server)
    with _connect(server) as sock:
        sock.sendall(REQUEST % 100)
        data, took = _read_until_closed(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in head.lower()
    assert json.loads(body)["error"]["code"] == "request_timeout"
    assert took < WAIT


def test_a_body_trickling_in_gets_408(make_server: Callable[..., ServerThread]) -> None:
    server = _quick_server(make_server)
    with _connect(server) as sock:
        sock.sendall(REQUEST % len(BODY))
        sent = _trickle(sock, BODY)
        data, _ = _read_until_closed(sock)
    assert sent < len(BODY)
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert json.loads(body)["error"]["code"] == "request_timeout"


def test_requests_that_arrive_in_time_are_answered(make_server: Callable[..., ServerThread]) -> None:
    server = _quick_server(make_server)
    with _connect(server) as sock:
        for _ in range(2):  # the deadline starts again for the next request on a kept-alive connection
            sock.sendall(REQUEST % len(BODY) + BODY)
            assert _read_response(sock).startswith(b"HTTP/1.1 200 ")
            time.sleep(SHORT * 1.5)  # idle past the header deadline, within the keep-alive timeout


def test_idle_connections_beyond_the_cap_make_room_for_real_requests(
    make_server: Callable[..., ServerThread],
) -> None:
    server = make_server(ServerConfig(max_connections=5))  # the default deadlines: the idle ones stay
    idle = [_connect(server) for _ in range(10)]
    try:
        time.sleep(0.4)  # past the grace a new connection has to send its request
        with _connect(server) as sock:
            sock.sendall(REQUEST % len(BODY) + BODY)
            assert _read_response(sock).startswith(b"HTTP/1.1 200 ")
        closed = 0
        for sock in idle:
            sock.settimeout(0.2)
            try:
                closed += sock.recv(1) == b""
            except TimeoutError:
                pass
            except ConnectionResetError:
                closed += 1
        assert closed >= 6  # at most 5 connections open at once, the real one among them
    finally:
        for sock in idle:
            sock.close()


def _closed_by_server(sock: socket.socket) -> bool:
    if not select.select([sock], [], [], 0)[0]:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except ConnectionResetError:
        return True


def test_a_flood_past_the_cap_does_not_displace_a_connection_about_to_send(
    make_server: Callable[..., ServerThread],
) -> None:
    # A header deadline of 2 s, so that only the cap closes anything here; a new connection's grace is
    # 0.25 s, far longer than the burst takes.
    server = make_server(ServerConfig(header_timeout=2.0, body_timeout=2.0, max_connections=5))
    with _connect(server) as legit:
        flood = [_connect(server) for _ in range(10)]  # in the same instant, past the cap
        try:
            time.sleep(0.05)  # the server has taken them all in; the legit one is still in its grace
            legit.sendall(REQUEST % len(BODY) + BODY)
            assert _read_response(legit).startswith(b"HTTP/1.1 200 ")
            time.sleep(0.75)  # past the grace: the cap is enforced on the silent ones again
            still_open = [s for s in [legit, *flood] if not _closed_by_server(s)]
            assert len(still_open) <= 5
        finally:
            for sock in flood:
                sock.close()


def test_the_cap_fits_the_file_descriptor_limit() -> None:
    resource = pytest.importorskip("resource")
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        pytest.skip("no file descriptor limit")
    assert connection_cap(10**9) < soft
    assert connection_cap(3) == 3


def test_the_harness_honours_the_deadlines() -> None:
    from fakellm.testing.harness import FakeLLM

    with FakeLLM(header_timeout=SHORT, body_timeout=SHORT) as fake:
        host, port = fake.url.removeprefix("http://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=WAIT) as sock:
            sock.sendall(REQUEST % 100)  # the headers, and none of the promised body
            data, took = _read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 408 ")
    assert took < WAIT
