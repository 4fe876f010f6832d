"""Timing benchmark: do clients see the latency they asked for, with hundreds of concurrent streams?

Starts `fakellm serve --ttft-ms 300 --tokens-per-second 50` in a subprocess, opens N connections, sends
N streaming requests at once, and timestamps every content event as it arrives (a minimal raw-socket
client on uvloop, so the client adds as little delay of its own as possible). Prints the observed TTFT
and inter-chunk interval minus the configured ones, p50 and p99, in milliseconds.

    PYTHONPATH=$PWD python bench/timing.py            # 100, 500, 1000 streams
    PYTHONPATH=$PWD python bench/timing.py 500 --words 40
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

TTFT_MS = 300.0
TOKENS_PER_SECOND = 50.0
MARKER = b'"delta":{"content":"'  # a content chunk (the role chunk carries `"role"` first)


@dataclass
class StreamTiming:
    sent: float = 0.0
    events: list[float] = field(default_factory=list)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def request_bytes(words: int) -> bytes:
    text = "Repeat with me: " + " ".join(f"w{i}" for i in range(words))
    body = json.dumps({"model": "bench", "messages": [{"role": "user", "content": text}], "stream": True}).encode()
    head = (
        "POST /v1/chat/completions HTTP/1.1\r\nhost: bench\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer sk-bench\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def one_stream(
    host: str, port: int, payload: bytes, go: asyncio.Event, delay: float, timing: StreamTiming
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    await go.wait()
    if delay:
        await asyncio.sleep(delay)
    timing.sent = time.monotonic()
    writer.write(payload)
    buffer = b""
    seen = 0
    while True:
        data = await reader.read(65536)
        now = time.monotonic()
        if not data:
            break
        buffer += data
        count = buffer.count(MARKER)
        timing.events.extend([now] * (count - seen))
        seen = count
        if b"data: [DONE]" in buffer:
            break
    writer.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def run(n: int, words: int, ramp: float, host: str, port: int) -> dict[str, float]:
    go = asyncio.Event()
    timings = [StreamTiming() for _ in range(n)]
    payload = request_bytes(words)
    tasks = [asyncio.create_task(one_stream(host, port, payload, go, ramp * i / n, t)) for i, t in enumerate(timings)]
    await asyncio.sleep(0.5 + n / 1000)  # let every connection open before the burst
    go.set()
    await asyncio.gather(*tasks)
    ttft = [(t.events[0] - t.sent) * 1000 - TTFT_MS for t in timings if t.events]
    gaps = [
        (b - a) * 1000 - 1000 / TOKENS_PER_SECOND for t in timings for a, b in zip(t.events, t.events[1:], strict=False)
    ]
    complete = sum(1 for t in timings if len(t.events) == words)
    return {
        "streams": n,
        "complete": complete,
        "ttft_p50": percentile(ttft, 50),
        "ttft_p99": percentile(ttft, 99),
        "gap_p50": percentile(gaps, 50),
        "gap_p99": percentile(gaps, 99),
        "gap_abs_p99": percentile([abs(g) for g in gaps], 99),
        "gap_mean": statistics.fmean(gaps),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("streams", nargs="*", type=int, default=[100, 500, 1000])
    parser.add_argument("--words", type=int, default=60, help="content chunks per stream (60: 1.5 s per stream)")
    parser.add_argument(
        "--ramp",
        type=float,
        default=1.0,
        help="start the streams evenly over this many seconds (1.0; all are open together at the end of it); "
        "0 sends every request in the same instant",
    )
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fakellm",
            "serve",
            "--port",
            str(port),
            "--no-builtin",
            "--log-level",
            "warning",
            "--ttft-ms",
            str(TTFT_MS),
            "--tokens-per-second",
            str(TOKENS_PER_SECOND),
        ],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print("fakellm did not start", file=sys.stderr)
                    return 1
                time.sleep(0.05)
        print(
            f"configured: TTFT {TTFT_MS:.0f} ms, {TOKENS_PER_SECOND:.0f} tokens/s "
            f"(interval {1000 / TOKENS_PER_SECOND:.0f} ms), {args.words} content chunks per stream, "
            f"streams started over {args.ramp:g} s"
        )
        print("observed minus configured, in ms (one server process; client on the same machine):")
        columns = [("streams", 7), ("complete", 8), ("TTFT p50", 9), ("TTFT p99", 9)]
        columns += [("gap p50", 8), ("gap p99", 8), ("|gap| p99", 9), ("server CPU", 10), ("client CPU", 10)]
        print(" ".join(f"{name:>{width}}" for name, width in columns))
        for n in args.streams:
            server_cpu, client_cpu, wall = cpu_seconds(server.pid), time.process_time(), time.monotonic()
            result = asyncio.run(run(n, args.words, args.ramp, "127.0.0.1", port))
            wall = time.monotonic() - wall
            result["server_cpu"] = (cpu_seconds(server.pid) - server_cpu) / wall * 100
            result["client_cpu"] = (time.process_time() - client_cpu) / wall * 100
            print(
                f"{n:>7} {int(result['complete']):>8} {result['ttft_p50']:>9.2f} {result['ttft_p99']:>9.2f} "
                f"{result['gap_p50']:>8.2f} {result['gap_p99']:>8.2f} {result['gap_abs_p99']:>9.2f} "
                f"{result['server_cpu']:>9.0f}% {result['client_cpu']:>9.0f}%",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
