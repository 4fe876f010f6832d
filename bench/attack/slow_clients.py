"""Silent and slow clients against a real server with short read deadlines, and a normal client beside them.

A `FakeLLM` server runs in a thread on 127.0.0.1 with a header deadline and a body deadline of 0.5 s
and a low connection cap. Raw sockets then hold connections open in every slow way:

- silent:         connect and send nothing;
- header-trickle: the request's headers at one byte every 0.1 s;
- no-body:        complete headers with `Content-Length: 100`, and no body;
- body-trickle:   complete headers, then the body at one byte every 0.1 s;
- flood:          many silent connections at once, more than the connection cap.

Each is timed from its connection to the server closing it (or answering 408); it must be closed no
later than its deadline plus a margin (the header deadline runs from the connection, the body's from
the headers). Meanwhile a normal request goes out every 0.1 s and must get 200 each time (one retry
allowed when its connection is closed unanswered: a connection is never displaced before its request
has been read, but one accepted in the very loop turn as a flood more than the cap's overdraft past it
can still be refused; the retries are counted). Printed:
how long each kind was held (max against the configured deadline), the 408s, the normal requests.
Exit status 1 on a failure. The quick form runs in the test suite; the full one:

    python bench/attack/slow_clients.py --each 20 --flood 300 --max-connections 100
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from fakellm.testing.harness import FakeLLM

HEADER_TIMEOUT = 0.5
BODY_TIMEOUT = 0.5
MARGIN_S = 0.25  # a connection may outlive its deadline by this much (timer granularity, a loaded box)
TRICKLE_S = 0.1  # one byte every this many seconds
CLIENT_LIMIT_S = 5.0  # no client waits longer than this for the server to close
NORMAL_EVERY_S = 0.1

BODY = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).encode()


def head(port: int, length: int) -> bytes:
    return (
        f"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\ncontent-type: application/json\r\n"
        f"content-length: {length}\r\n\r\n"
    ).encode()


@dataclass
class Held:
    kind: str
    held_s: float = 0.0  # from the moment its deadline started to the server closing it
    status: int = 0  # the status the server answered with, if any
    closed: bool = False  # the server closed it (False: the client gave up after CLIENT_LIMIT_S)
    error: str | None = None


@dataclass
class Tally:
    held: list[Held] = field(default_factory=list)
    normal_ok: int = 0
    normal_retried: int = 0  # closed unanswered (refused by the cap), then answered on a new connection
    normal_failed: list[str] = field(default_factory=list)
    normal_slowest_s: float = 0.0
    header_timeout: float = HEADER_TIMEOUT
    body_timeout: float = BODY_TIMEOUT
    max_connections: int = 0
    seconds: float = 0.0


def deadline_of(kind: str, tally: Tally) -> float:
    return tally.body_timeout if kind in ("no-body", "body-trickle") else tally.header_timeout


async def hold(kind: str, port: int) -> Held:
    """Open a connection and misbehave in the way `kind` says until the server closes it."""
    loop = asyncio.get_running_loop()
    result = Held(kind)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    data = b""
    try:
        await loop.sock_connect(sock, ("127.0.0.1", port))
        started = loop.time()
        trickle = b""
        if kind == "header-trickle":
            trickle = head(port, len(BODY)) + BODY
        elif kind == "no-body":
            await loop.sock_sendall(sock, head(port, 100))
            started = loop.time()  # the body deadline runs from the headers
        elif kind == "body-trickle":
            await loop.sock_sendall(sock, head(port, len(BODY)))
            started = loop.time()
            trickle = BODY
        limit = started + CLIENT_LIMIT_S
        next_byte = started + TRICKLE_S
        while loop.time() < limit:
            wait = min(limit, next_byte if trickle else limit) - loop.time()
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), max(wait, 0))
            except TimeoutError:
                if trickle and loop.time() >= next_byte:
                    await loop.sock_sendall(sock, trickle[:1])
                    trickle, next_byte = trickle[1:], next_byte + TRICKLE_S
                continue
            if not chunk:
                result.closed = True
                break
            data += chunk
    except (ConnectionResetError, BrokenPipeError):
        result.closed = True
    except OSError as exc:
        result.error = f"{type(exc).__name__}: {exc}"
    finally:
        result.held_s = loop.time() - started if "started" in locals() else 0.0
        sock.close()
    if data.startswith(b"HTTP/1.1 "):
        result.status = int(data.split(b" ", 2)[1])
    return result


async def normal_request(port: int) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(head(port, len(BODY)).replace(b"\r\n\r\n", b"\r\nconnection: close\r\n\r\n") + BODY)
        data = await asyncio.wait_for(reader.read(-1), 5.0)
    finally:
        writer.close()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0


async def normal_traffic(port: int, stop: asyncio.Event, tally: Tally) -> None:
    """A normal request every NORMAL_EVERY_S until `stop` (bounded: the attack itself is)."""
    while not stop.is_set():
        begin = time.perf_counter()
        try:
            try:
                status = await normal_request(port)
            except ConnectionResetError:
                status = 0
            if status == 0:
                # Closed before a byte of answer: accepted in the same loop turn as a flood far past the
                # cap (see fakellm.server.limits), it can be refused unread. Once more, as clients do.
                tally.normal_retried += 1
                status = await normal_request(port)
        except (OSError, TimeoutError) as exc:
            tally.normal_failed.append(f"{type(exc).__name__}: {exc}")
        else:
            if status == 200:
                tally.normal_ok += 1
            else:
                tally.normal_failed.append(f"status {status}")
        tally.normal_slowest_s = max(tally.normal_slowest_s, time.perf_counter() - begin)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), NORMAL_EVERY_S)


async def attack(port: int, each: int, flood: int, tally: Tally) -> None:
    stop = asyncio.Event()
    traffic = asyncio.create_task(normal_traffic(port, stop, tally))
    kinds = ["silent", "header-trickle", "no-body", "body-trickle"]
    slow = [hold(kind, port) for kind in kinds for _ in range(each)]
    tally.held += await asyncio.gather(*slow)
    tally.held += await asyncio.gather(*(hold("flood", port) for _ in range(flood)))
    stop.set()
    await traffic


def run(each: int = 20, flood: int = 300, max_connections: int = 100) -> Tally:
    tally = Tally(max_connections=max_connections)
    start = time.perf_counter()
    llm = FakeLLM(header_timeout=HEADER_TIMEOUT, body_timeout=BODY_TIMEOUT)
    llm.config = dataclasses.replace(llm.config, max_connections=max_connections)
    with llm:
        port = int(llm.url.rsplit(":", 1)[1])
        asyncio.run(attack(port, each, flood, tally))
    tally.seconds = time.perf_counter() - start
    return tally


def failures(tally: Tally, margin_s: float = MARGIN_S) -> list[str]:
    found = [f"normal request: {f}" for f in tally.normal_failed]
    if tally.normal_ok == 0:
        found.append("no normal request was answered")
    for held in tally.held:
        limit = deadline_of(held.kind, tally) + margin_s
        if held.error:
            found.append(f"{held.kind}: {held.error}")
        elif not held.closed:
            found.append(f"{held.kind}: still open after {CLIENT_LIMIT_S:g} s")
        elif held.held_s > limit:
            found.append(f"{held.kind}: held {held.held_s:.3f} s (limit {limit:.3f} s)")
        elif held.kind in ("no-body", "body-trickle") and held.status != 408:
            found.append(f"{held.kind}: closed with status {held.status or 'none'}, not 408")
    return found


def report(tally: Tally, margin_s: float = MARGIN_S) -> str:
    lines = [
        f"slow clients against header {tally.header_timeout:g} s / body {tally.body_timeout:g} s deadlines, "
        f"{tally.max_connections} connections at most, in {tally.seconds:.1f} s"
    ]
    for kind in ("silent", "header-trickle", "no-body", "body-trickle", "flood"):
        held = [h for h in tally.held if h.kind == kind]
        if not held:
            continue
        longest = max(h.held_s for h in held)
        answered = sum(1 for h in held if h.status == 408)
        lines.append(
            f"  {kind:15} {len(held):4} held max {longest:.3f} s (deadline {deadline_of(kind, tally):g} s, "
            f"margin {margin_s:g} s); 408: {answered}; closed: {sum(h.closed for h in held)}"
        )
    lines.append(
        f"normal requests meanwhile: {tally.normal_ok} x 200 ({tally.normal_retried} after one retry, refused "
        f"in the flood's burst), {len(tally.normal_failed)} failed, "
        f"slowest {tally.normal_slowest_s * 1000:.0f} ms"
    )
    found = failures(tally, margin_s)
    lines.append(f"failures: {len(found)}")
    lines += [f"  {f}" for f in found[:10]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--each", type=int, default=20, help="connections of each slow kind")
    parser.add_argument("--flood", type=int, default=300, help="silent connections opened at once")
    parser.add_argument("--max-connections", type=int, default=100)
    args = parser.parse_args()
    tally = run(args.each, args.flood, args.max_connections)
    print(report(tally))
    sys.exit(1 if failures(tally) else 0)


if __name__ == "__main__":
    main()
