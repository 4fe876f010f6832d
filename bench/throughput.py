"""Requests per second of fakellm against a bare Starlette endpoint that returns the same bytes.

Both run in their own uvicorn process with the same settings (one worker,
httptools, uvloop, no access log); wrk drives each with the same load, for the
non-streaming and the streaming echo, in alternating rounds. Each ratio is taken
within a round (the two runs seconds apart) and the median of those is printed, so
a noisy neighbour slowing one round does not skew it. A second yardstick,
`/json-echo`, does the least an honest echo must (parse, check, echo, render).
Needs `wrk` (Debian: `apt-get install wrk`).

    python bench/throughput.py [--duration 3] [--connections 32] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = "Repeat with me: the quick brown fox jumps over the lazy dog, twice over, for the benchmark."
REQUEST = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": MESSAGE}]}
UVICORN = ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning", "--workers", "1"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def uvicorn_process(target: list[str], env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *target, "--port", str(port), *UVICORN],
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", **env},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url + "/", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"could not start {' '.join(target)}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def lua_script(directory: Path, body: dict[str, object]) -> Path:
    path = directory / f"post-{len(list(directory.iterdir()))}.lua"
    path.write_text(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        'wrk.headers["Authorization"] = "Bearer sk-bench"\n'
    )
    return path


def wrk(url: str, script: Path, duration: int, connections: int, threads: int) -> float:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    problems = [line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    if problems:
        print(f"  ! {url}: {'; '.join(problems)}", file=sys.stderr)
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None:
        raise SystemExit(f"unexpected wrk output:\n{out}")
    return float(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds; medians are reported")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk (or brew install wrk)", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        json_script = lua_script(work, REQUEST)
        sse_script = lua_script(work, {**REQUEST, "stream": True})
        with uvicorn_process(["--factory", "fakellm.server.app:create_app"], {}) as fake:
            # The bare app serves exactly the bytes fakellm sends for these requests.
            (work / "reply.json").write_bytes(httpx.post(fake + "/v1/chat/completions", json=REQUEST).content)
            sse = httpx.post(fake + "/v1/chat/completions", json={**REQUEST, "stream": True}).content
            (work / "reply.sse").write_bytes(sse)
            files = {"BENCH_JSON_FILE": str(work / "reply.json"), "BENCH_SSE_FILE": str(work / "reply.sse")}
            with uvicorn_process(["--app-dir", str(ROOT / "bench"), "bare_app:app"], files) as bare:
                targets = {
                    "fakellm json": (fake + "/v1/chat/completions", json_script),
                    "bare json": (bare + "/json", json_script),
                    "minimal echo json (Starlette)": (bare + "/json-echo", json_script),
                    "fakellm sse": (fake + "/v1/chat/completions", sse_script),
                    "bare sse (StreamingResponse, per event)": (bare + "/sse", sse_script),
                    "bare sse (ASGI send, per event)": (bare + "/sse-send", sse_script),
                    "bare sse (ASGI send, one message)": (bare + "/sse-one", sse_script),
                }
                print(
                    f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.rounds} rounds; "
                    f"stream of {sse.count(b'data: ')} events, {len(sse)} bytes",
                    flush=True,
                )
                for url, script in targets.values():  # warm-up
                    wrk(url, script, 1, args.connections, args.threads)
                results: dict[str, list[float]] = {name: [] for name in targets}
                for round_no in range(args.rounds):
                    for name, (url, script) in targets.items():
                        results[name].append(wrk(url, script, args.duration, args.connections, args.threads))
                    print(f"  round {round_no + 1}: " + ", ".join(f"{n}={r[-1]:.0f}" for n, r in results.items()))
    median = {name: statistics.median(values) for name, values in results.items()}
    print()
    print(f"{'target':42} {'req/s (median)':>15}")
    for name, value in median.items():
        print(f"{name:42} {value:15.0f}")
    print()
    streaming = "bare sse (StreamingResponse, per event)"
    for label, top, bottom in (
        ("fakellm / bare, non-streaming", "fakellm json", "bare json"),
        ("fakellm / bare, streaming", "fakellm sse", streaming),
        ("minimal echo / bare, non-streaming", "minimal echo json (Starlette)", "bare json"),
        ("fakellm / minimal echo, non-streaming", "fakellm json", "minimal echo json (Starlette)"),
        ("ASGI send / StreamingResponse, one write per event", "bare sse (ASGI send, per event)", streaming),
        ("ASGI send in one message / StreamingResponse per event", "bare sse (ASGI send, one message)", streaming),
    ):
        ratios = [a / b for a, b in zip(results[top], results[bottom], strict=True)]
        print(f"{label + ':':56} {statistics.median(ratios):.2f}x  (rounds {min(ratios):.2f}-{max(ratios):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
