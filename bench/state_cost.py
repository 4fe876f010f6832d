"""What a shared state store costs a request: `--state memory` against `--state redis://...`.

Starts a throw-away `redis-server` and, in turn, `fakellm serve` with each kind of state, then sends
the same non-streaming requests one after another on one kept-alive connection (a raw socket: the
client adds the same small cost to both) and prints the median and p99 time per request and the
difference. Three scenarios: `echo` (with Redis: the journal's id and entry, two round trips),
`flaky` (an error counter too) and `rate-limited` (a budget, taken by a Lua script; 5 a minute, so
after the first five these are the 429 path, which costs the same round trip).

    PYTHONPATH=$PWD python bench/state_cost.py               # --requests 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

SCENARIOS = ("echo", "flaky", "rate-limited")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"{process.args!r} exited") from None
            time.sleep(0.05)
    raise SystemExit(f"{process.args!r} did not start")


def request_bytes(scenario: str) -> bytes:
    body = json.dumps({"model": f"fakellm/{scenario}", "messages": [{"role": "user", "content": "hi"}]}).encode()
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer sk-bench\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def exchange(sock: socket.socket, payload: bytes) -> None:
    """Send one request and read its whole response (by content-length)."""
    sock.sendall(payload)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = int(
        next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    )
    while len(rest) < length:
        rest += sock.recv(65536)


def measure(port: int, scenario: str, requests: int) -> list[float]:
    payload = request_bytes(scenario)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(50):  # warm up
            exchange(sock, payload)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            exchange(sock, payload)
            times.append((time.perf_counter() - started) * 1e6)
    return times


def serve(state: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [sys.executable, "-m", "fakellm", "serve", "--port", str(port), "--log-level", "error", "--state", state]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=os.environ.copy())
    wait_port(port, process)
    return process, port


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    binary = shutil.which("redis-server")
    if binary is None:
        print("redis-server is not installed", file=sys.stderr)
        return 1
    redis_port = free_port()
    redis = subprocess.Popen(
        [binary, "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    servers = {}
    try:
        wait_port(redis_port, redis)
        for state in ("memory", f"redis://127.0.0.1:{redis_port}/0"):
            servers[state.split(":")[0]] = serve(state)
        print(f"{args.requests} sequential requests a round, best median of {args.rounds} rounds (microseconds):")
        columns = (("scenario", 13), ("memory p50", 11), ("redis p50", 10), ("added p50", 10))
        columns += (("memory p99", 11), ("redis p99", 10))
        print(" ".join(f"{name:>{width}}" for name, width in columns))
        for scenario in SCENARIOS:
            figures = {}
            for kind, (_, port) in servers.items():
                rounds = [measure(port, scenario, args.requests) for _ in range(args.rounds)]
                best = min(rounds, key=statistics.median)
                figures[kind] = (statistics.median(best), sorted(best)[int(len(best) * 0.99)])
            (m50, m99), (r50, r99) = figures["memory"], figures["redis"]
            print(f"{scenario:>13} {m50:>11.0f} {r50:>10.0f} {r50 - m50:>10.0f} {m99:>11.0f} {r99:>10.0f}", flush=True)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(10)
        redis.terminate()
        redis.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
