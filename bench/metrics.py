"""What watching a server costs per request: metrics off, metrics on, and a dashboard open too.

In-process through the whole ASGI app (as `bench/dialects.py`), best of N rounds, for the OpenAI route
streamed and not. Three set-ups: `--no-metrics` (nothing listens to the journal: the code path as it
was before the dashboard, plus two flag checks), metrics on (the default: one listener counting each
request's `answer` and `settle`), and metrics on with a live feed open (a chunk listener, as an open
dashboard page: every frame's text is published). Then the same three with `wrk` against real
`fakellm serve` processes, for requests per second (needs wrk: `apt-get install wrk`).

    python bench/metrics.py [--requests 3000] [--rounds 5] [--wrk-seconds 3] [--no-wrk]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

import httpx
from dialects import timed  # bench/dialects.py, beside this file
from throughput import free_port, lua_script, wrk

from fakellm.config import ServerConfig
from fakellm.journal.events import JournalEvent
from fakellm.model import Reply
from fakellm.server.app import FakeLLMApp

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Repeat with me: " + "word " * 15}]}
PATH = "/v1/chat/completions"


def app_for(setup: str) -> Any:
    app = FakeLLMApp(ServerConfig(metrics=setup != "no metrics"))
    if setup == "metrics + live feed":
        sink: list[JournalEvent] = []

        def watcher(event: JournalEvent) -> None:  # what a feed does, short of the JSON and the queue
            sink.append(event)
            if len(sink) > 1000:
                sink.clear()

        app.journal.subscribe(watcher, chunks=True)
    return app


SETUPS = ("no metrics", "metrics", "metrics + live feed")


def in_process(requests: int, rounds: int) -> None:
    results: dict[tuple[str, bool], list[float]] = {}
    apps = {setup: app_for(setup) for setup in SETUPS}
    for _ in range(rounds):  # the set-ups alternate, so drift on a shared machine hits them alike
        for stream in (False, True):
            body = json.dumps({**CHAT, "stream": stream}).encode()
            for setup, app in apps.items():
                us = asyncio.run(timed(app, PATH, {}, body, requests))
                results.setdefault((setup, stream), []).append(us)
                app.journal.clear()
    print(f"µs per request, in-process, best of {rounds} rounds x {requests} requests (OpenAI route, 17 events)")
    for stream in (False, True):
        base = min(results["no metrics", stream])
        for setup in SETUPS:
            best = min(results[setup, stream])
            extra = f"  (+{best - base:.1f} µs)" if setup != "no metrics" else ""
            print(f"  {'stream' if stream else 'json':<6} {setup:<22} {best:7.1f}{extra}")


def listener_work(count: int) -> None:
    """The listeners' own work for one recorded request, timed alone (steadier than the whole path on a
    busy machine): the metrics' `answer` and `settle`, and the events the pipeline makes for them."""
    app = app_for("metrics")
    body = json.dumps({**CHAT, "stream": True}).encode()
    asyncio.run(timed(app, PATH, {}, body, 1))
    entry = app.journal.entries()[-1]
    replies = [Reply(text=entry.text)]
    metrics = app.metrics

    def one_request() -> None:
        metrics(JournalEvent("open", entry))
        metrics(JournalEvent("answer", entry, {"replies": replies}))
        metrics(JournalEvent("settle", entry))

    best = min(timeit.repeat(one_request, number=count, repeat=5)) / count * 1e6
    print(f"the metrics listener's own work per request (open, answer, settle; best of 5 x {count}): {best:.1f} µs")


def start_server(extra: list[str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    command = [sys.executable, "-m", "fakellm", "serve", "--port", str(port), "--log-level", "warning", *extra]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url + "/_fakellm/health", timeout=1)
            return server, url
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("could not start fakellm serve") from None
            time.sleep(0.1)


def with_wrk(seconds: int, rounds: int) -> None:
    if shutil.which("wrk") is None:
        print("wrk is needed for requests per second: apt-get install wrk", file=sys.stderr)
        return
    flags = {"no metrics": ["--no-metrics"], "metrics": []}
    rates: dict[tuple[str, bool], list[float]] = {}
    servers = {setup: start_server(extra) for setup, extra in flags.items()}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            scripts = {stream: lua_script(Path(tmp), {**CHAT, "stream": stream}) for stream in (False, True)}
            for _, url in servers.values():  # warm-up
                for script in scripts.values():
                    wrk(url + PATH, script, 1, 32, 1)
            for _ in range(rounds):  # the set-ups alternate, so drift on a shared machine hits both alike
                for stream, script in scripts.items():
                    for setup, (_, url) in servers.items():
                        rates.setdefault((setup, stream), []).append(wrk(url + PATH, script, seconds, 32, 1))
    finally:
        for server, _ in servers.values():
            server.terminate()
            server.wait(10)
    print(f"requests/s, wrk -t1 -c32, median of {rounds} alternating runs of {seconds} s, one process each")
    for stream in (False, True):
        base = statistics.median(rates["no metrics", stream])
        for setup in flags:
            rate = statistics.median(rates[setup, stream])
            print(f"  {'stream' if stream else 'json':<6} {setup:<12} {rate:9,.0f}  ({rate / base:.3f}x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--wrk-seconds", type=int, default=3)
    parser.add_argument("--no-wrk", action="store_true")
    args = parser.parse_args()
    listener_work(args.requests * 10)
    in_process(args.requests, args.rounds)
    if not args.no_wrk:
        with_wrk(args.wrk_seconds, args.rounds)


if __name__ == "__main__":
    main()
