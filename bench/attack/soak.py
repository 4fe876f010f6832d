"""Soak a real `fakellm serve` process and watch its memory: does RSS level off, or grow with traffic?

Each phase starts its own server (`python -m fakellm serve` on a free 127.0.0.1 port, log level
warning), drives it with a lean asyncio HTTP/1.1 client (32 keep-alive connections), reads the
server's VmRSS from /proc/<pid>/status every `sample_every` requests, and prints RSS at start /
peak / end, throughput and a verdict:

1. mixed: every dialect's chat route (OpenAI, Azure with `api-key`, Groq, Gemini native and
   streamed over SSE, Gemini's OpenAI route), streamed and not, tools, scenarios echo / lorem /
   flaky, and journal reads (`GET /_fakellm/requests?limit=50`);
2. distinct keys: `/s/rate-limited/...`, each request with a new `Authorization: Bearer k-<n>`; the
   limiter sweeps idle buckets, so RSS must level off rather than grow with the keys (see `FULL`
   for why the full form sends 500,000: the level comes after ~130,000-190,000 at full speed; the
   quick form uses a copy of the scenario that refills in 1 ms, so the sweep shows in seconds);
3. large bodies: ~1 MiB user messages against a server with `--journal-max-bytes` set small; RSS
   must stay under the baseline plus the journal's cap plus room for the requests in flight.

Verdicts. Phases 1 and 2: RSS at the end minus RSS at the phase's midpoint (the second half, after
the journal is full and the first buckets have had time to refill) must be at most
`GROWTH_LIMIT_MB`. Over the full form's second half (50,000 requests or more) that is a leak of
under ~200 bytes a request, smaller than one rate-limit bucket pair with its key, or one small journal
entry; below that, allocator noise (arenas, the tail of the key dict's last resize) is indistinct
from a leak. Phase 3: peak RSS at most start + journal cap + `INFLIGHT_MB` (the bodies in flight: at
concurrency 8, each 1 MiB request is held as bytes, str and parsed JSON at once, ~3-4 MiB) + slack.

Full form (about 5 minutes on 2 cores):   python bench/attack/soak.py
Quick form (a few seconds):                python bench/attack/soak.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
CONCURRENCY = 32
GROWTH_LIMIT_MB = 10.0
INFLIGHT_MB = 48.0  # phase 3: 8 requests in flight at ~4 MiB each, plus the replies being sent, doubled
PHASE_TIME_LIMIT_S = 600.0  # no phase runs longer, whatever its count
LARGE_JOURNAL_CAP = 16 * MB  # phase 3's --journal-max-bytes
# Phase 2's full count: the built-in rate-limited scenario (5 a minute) holds a key's budget for 12 s
# after its request (rightly: the key may send 4 more in that time), and the limiter sweeps when it
# holds twice what the last sweep left. So at ~4,000-5,500 keys a second it holds ~50,000-65,000
# budgets and up to twice that before a sweep, ~0.6 kB each: RSS climbs for the first ~130,000-190,000
# keys, then stays flat (measured: 125.7 MB from key 190,000 to 500,000 at 4,000/s). 500,000 keys put
# the whole second half past the climb; 100,000 end in the middle of it.
FULL = {"mixed": 100_000, "keys": 500_000, "large": 3_000}
QUICK = {"mixed": 3_000, "keys": 16_000, "large": 150}

Request = tuple[str, str, dict[str, str], bytes]  # method, path, headers, body

CITY = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": CITY}}
GEMINI = json.dumps({"contents": [{"role": "user", "parts": [{"text": "Repeat with me: hello soak"}]}]}).encode()
GEMINI_TOOL = {"functionDeclarations": [{"name": "get_weather", "parameters": {"type": "OBJECT"}}]}
GEMINI_TOOLS = json.dumps({"contents": [{"role": "user", "parts": [{"text": "?"}]}], "tools": [GEMINI_TOOL]}).encode()
OPENAI_ROUTES = [
    ("/v1/chat/completions", {}),
    ("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", {"api-key": "soak"}),
    ("/openai/v1/chat/completions", {}),
    ("/v1beta/openai/chat/completions", {}),
]
GEMINI_ROUTES = [f"/v1beta/models/gemini-2.5-flash:{m}" for m in ("generateContent", "streamGenerateContent?alt=sse")]
SCENARIOS = ["echo", "lorem", "flaky", "tools"]


def chat(text: str, *, stream: bool = False, tools: bool = False) -> bytes:
    body: dict[str, object] = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
    if stream:
        body["stream"] = True
    if tools:
        body["tools"] = [TOOL]
    return json.dumps(body).encode()


def mixed_request(n: int) -> Request:
    """The n-th request of phase 1: a rotation over routes, scenarios, streaming, and journal reads
    (every 24 requests, each route meets each scenario)."""
    if n % 10 == 9:
        return "GET", "/_fakellm/requests?limit=50", {}, b""
    routes = len(OPENAI_ROUTES) + len(GEMINI_ROUTES)
    route, scenario = n % routes, SCENARIOS[(n // routes) % len(SCENARIOS)]
    headers = {"authorization": "Bearer soak", "content-type": "application/json"}
    if route >= len(OPENAI_ROUTES):
        body = GEMINI_TOOLS if scenario == "tools" else GEMINI
        return "POST", f"/s/{scenario}{GEMINI_ROUTES[route - len(OPENAI_ROUTES)]}", headers, body
    path, extra = OPENAI_ROUTES[route]
    stream = (n // 7) % 2 == 1
    body = chat(f"Repeat with me: soak {n}", stream=stream, tools=scenario == "tools")
    return "POST", f"/s/{scenario}{path}", {**headers, **extra}, body


def key_requests(scenario: str) -> Callable[[int], Request]:
    def make(n: int) -> Request:
        headers = {"authorization": f"Bearer k-{n}", "content-type": "application/json"}
        return "POST", f"/s/{scenario}/v1/chat/completions", headers, chat("Repeat with me: key")

    return make


FILLER = b"lorem ipsum " * (MB // 12)


def large_request(n: int) -> Request:
    body = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"' + str(n).encode() + FILLER + b'"}]}'
    scenario = "echo" if n % 2 else "lorem"
    return "POST", f"/s/{scenario}/v1/chat/completions", {"content-type": "application/json"}, body


# --- the server and its memory -----------------------------------------------------------------


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(*flags: str, startup_s: float = 30.0) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A `fakellm serve` subprocess on a free loopback port; killed on the way out, whatever happens."""
    port = free_port()
    command = [sys.executable, "-m", "fakellm", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--log-level", "warning", "--seed", "1", *flags]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # The server's warnings go to our stderr: a pipe nobody reads would stall it once full.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_s
        while True:
            try:
                httpx.get(url + "/_fakellm/health", timeout=1.0)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"fakellm serve did not start (exit code {process.poll()})") from None
                time.sleep(0.05)
        yield process, url
    finally:
        process.kill()
        process.wait(timeout=10)


@dataclass
class PhaseResult:
    name: str
    requests: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)  # transport errors and unexpected statuses
    samples: list[tuple[int, int]] = field(default_factory=list)  # (requests done, RSS bytes)
    limit_mb: float = 0.0  # what the verdict allows
    measured_mb: float = 0.0  # what the verdict measured
    bound: str = ""  # how the verdict reads

    @property
    def start(self) -> int:
        return self.samples[0][1]

    @property
    def peak(self) -> int:
        return max(rss for _, rss in self.samples)

    @property
    def end(self) -> int:
        return self.samples[-1][1]

    @property
    def middle(self) -> int:
        half = self.samples[-1][0] / 2
        return next(rss for done, rss in self.samples if done >= half)

    @property
    def passed(self) -> bool:
        return not self.failures and self.measured_mb <= self.limit_mb

    def render(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items()))
        lines = [
            f"{self.name}: {self.requests} requests in {self.seconds:.1f} s ({rate:.0f}/s); statuses {statuses}",
            f"  RSS start {self.start / MB:.1f} MB, peak {self.peak / MB:.1f} MB, middle {self.middle / MB:.1f} MB, "
            f"end {self.end / MB:.1f} MB",
            f"  verdict: {'PASS' if self.passed else 'FAIL'} — {self.bound}: {self.measured_mb:.1f} MB "
            f"(limit {self.limit_mb:.1f} MB); failures {len(self.failures)}",
        ]
        lines += [f"    {failure}" for failure in self.failures[:5]]
        return "\n".join(lines)


class Connection:
    """A lean HTTP/1.1 keep-alive client on one socket (httpx spends ~3x the server's CPU per request,
    so with it the soak would measure the client): Content-Length and chunked replies, reconnecting
    when the server closes."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nhost: {self.host}:{self.port}\r\ncontent-length: {len(body)}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.writer.write(head.encode("latin-1") + b"\r\n" + body)
        await self.writer.drain()
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        fields = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
        if "content-length" in fields:
            data = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding") == "chunked":
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size + 2))
            await self.reader.readuntil(b"\r\n")
            data = b"".join(part[:-2] for part in parts)
        else:
            data = await self.reader.read()
            fields["connection"] = "close"
        if fields.get("connection") == "close":
            await self.close()
        return status, data


async def drive(
    name: str,
    pid: int,
    url: str,
    make: Callable[[int], Request],
    count: int,
    *,
    ok: Callable[[int, str], bool],
    sample_every: int,
    concurrency: int = CONCURRENCY,
    time_limit_s: float = PHASE_TIME_LIMIT_S,
) -> PhaseResult:
    """Send `make(0) .. make(count - 1)` over `concurrency` keep-alive connections; sample RSS."""
    result = PhaseResult(name, samples=[(0, rss_bytes(pid))])
    numbers = iter(range(count))
    started = time.perf_counter()
    deadline = started + time_limit_s
    host, port = url.removeprefix("http://").rsplit(":", 1)

    async def worker() -> None:
        connection = Connection(host, int(port))
        try:
            for n in numbers:
                if time.perf_counter() > deadline:
                    result.failures.append(f"time limit {time_limit_s:g} s reached after {result.requests}")
                    return
                method, path, headers, body = make(n)
                try:
                    status, data = await asyncio.wait_for(connection.request(method, path, headers, body), 60.0)
                    if not ok(status, path):
                        result.failures.append(f"{status} <- {method} {path}: {data[:200]!r}")
                except (OSError, EOFError, ValueError, TimeoutError, asyncio.IncompleteReadError) as exc:
                    status = 0
                    result.failures.append(f"{type(exc).__name__}: {exc} <- {method} {path}")
                    await connection.close()
                result.statuses[status] = result.statuses.get(status, 0) + 1
                result.requests += 1
                if result.requests % sample_every == 0:
                    result.samples.append((result.requests, rss_bytes(pid)))
        finally:
            await connection.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    result.samples.append((result.requests, rss_bytes(pid)))
    return result


def judge_growth(result: PhaseResult, limit_mb: float) -> PhaseResult:
    result.limit_mb = limit_mb
    result.measured_mb = (result.end - result.middle) / MB
    result.bound = "growth over the second half"
    return result


def only_200(status: int, path: str) -> bool:
    return status == 200


def mixed_ok(status: int, path: str) -> bool:
    return status == 200 or (status == 503 and path.startswith("/s/flaky/"))  # flaky fails every second on purpose


async def phase_mixed(count: int, sample_every: int) -> PhaseResult:
    with server() as (process, url):
        result = await drive("1 mixed", process.pid, url, mixed_request, count, ok=mixed_ok, sample_every=sample_every)
    return judge_growth(result, GROWTH_LIMIT_MB)


async def phase_keys(count: int, sample_every: int, *, fast_file: Path | None = None) -> PhaseResult:
    flags = ("--scenarios", str(fast_file)) if fast_file else ()
    make = key_requests("soak-limited" if fast_file else "rate-limited")
    with server(*flags) as (process, url):
        result = await drive("2 distinct keys", process.pid, url, make, count, ok=only_200, sample_every=sample_every)
    return judge_growth(result, GROWTH_LIMIT_MB)


async def phase_large(count: int, sample_every: int, journal_cap: int = LARGE_JOURNAL_CAP) -> PhaseResult:
    flags = ("--max-body", str(4 * MB), "--journal-max-bytes", str(journal_cap))
    with server(*flags) as (process, url):
        args = ("3 large bodies", process.pid, url, large_request, count)
        result = await drive(*args, ok=only_200, sample_every=sample_every, concurrency=8)
    result.limit_mb = (journal_cap / MB) + INFLIGHT_MB
    result.measured_mb = (result.peak - result.start) / MB
    result.bound = "peak over start (journal cap + in flight)"
    return result


# A quick form cannot wait the 12 s the built-in rate-limited scenario (5 a minute) takes to refill
# a key's bucket; this one refills in a millisecond, so the sweep is seen within a second.
FAST_LIMITED = """\
name: soak-limited
description: The soak's quick form; 60,000 a minute per key, so idle buckets are swept at once.
defaults:
  rate_limit:
    requests_per_minute: 60000
    per: key
rules:
  - name: echo
    reply:
      echo: true
"""


async def run(mixed: int, keys: int, large: int, *, quick: bool = False) -> list[PhaseResult]:
    """The phases whose count is above 0, in order, each printed as it ends."""
    results = []
    if mixed:
        results.append(await phase_mixed(mixed, max(1, mixed // 50)))
        print(results[-1].render(), flush=True)
    if keys:
        with tempfile.TemporaryDirectory() as folder:
            fast_file = Path(folder) / "soak-limited.yaml" if quick else None
            if fast_file is not None:
                fast_file.write_text(FAST_LIMITED)
            results.append(await phase_keys(keys, max(1, keys // 50), fast_file=fast_file))
        print(results[-1].render(), flush=True)
    if large:
        results.append(await phase_large(large, max(1, large // 50)))
        print(results[-1].render(), flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts (seconds, not minutes)")
    parser.add_argument("--mixed", type=int, default=None, help="phase 1 requests (100,000; quick 3,000; 0 skips)")
    parser.add_argument("--keys", type=int, default=None, help="phase 2 distinct keys (500,000; quick 16,000)")
    parser.add_argument("--large", type=int, default=None, help="phase 3 ~1 MiB requests (3,000; quick 150)")
    args = parser.parse_args()
    counts = QUICK if args.quick else FULL
    given = {name: getattr(args, name) for name in FULL}
    counts = {name: counts[name] if value is None else value for name, value in given.items()}
    results = asyncio.run(run(counts["mixed"], counts["keys"], counts["large"], quick=args.quick))
    failed = [r.name for r in results if not r.passed]
    print("FAIL: " + ", ".join(failed) if failed else "PASS: every phase")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
