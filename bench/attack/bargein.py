"""A barge-in storm: many concurrent streams against a real server, each client hanging up at a random moment.

A `FakeLLM` server runs in a thread on 127.0.0.1; the clients, raw asyncio sockets, in a child process
(not taking turns with the server for the interpreter), each knowing when it closed and how many SSE
events it had received (what its kernel held at the hang-up included). The kinds of wait:

- ttft:   a stream with `X-FakeLLM-TTFT-Ms: 4000`, hung up before its first byte;
- slow:   the `slow` scenario (TTFT ~1.5 s, 15 tok/s), hung up before or during the stream;
- trickle: a long stream at 8 tokens a second, hung up mid-stream;
- stall:  the `stall` scenario (headers and a first chunk, then silence), hung up during the silence;
- drop:   the `disconnect` scenario at 20 tokens a second: the server drops it, or the client leaves first;
- whole:  a non-streaming request with `X-FakeLLM-TTFT-Ms: 4000`, hung up while it waits.

Connections open over 2 ms a client (1,000 in 2 s) and hang up after that ramp, so nearly all of a
round are open at once. Half close (FIN), half abort (RST). Then the journal is read, and printed:
every hang-up journaled `disconnected`; the lag from the client's hang-up to `disconnected_at_ms`
(p50/p99/max, target <= 100 ms); every stream journaled with `chunks` equal to the events the client
received (chunks the server wrote after the client closed, before it read the hang-up, are counted apart);
no entry left `pending`; the server loop's task count back where it started; and the server still
answering. Exit status 1 if a target fails. The quick form runs in the test suite; the full one:

    python bench/attack/bargein.py --clients 1000 --rounds 2 --seed 1
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import random
import socket
import statistics
import struct
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from fakellm.journal import JournalEntry
from fakellm.testing.harness import FakeLLM

LAG_TARGET_MS = 100.0
CLIENT_LIMIT_S = 10.0  # no client lives longer than this, whatever happens
SETTLE_S = 5.0
LONG_TEXT = "Repeat with me: " + " ".join(["barge", "in", "storm"] * 40)

RAMP_S_PER_CLIENT = 0.002  # connections open over 2 ms a client: 1,000 in 2 s
# kind: (path, stream, extra headers, earliest hang-up, latest hang-up, user text). The hang-up comes
# that long after the ramp ends (after the request for `drop`), so nearly all of a round are open at once.
KINDS: dict[str, tuple[str, bool, dict[str, str], float, float, str]] = {
    "ttft": ("/v1/chat/completions", True, {"x-fakellm-ttft-ms": "4000"}, 0.05, 1.9, "hi"),
    "slow": ("/s/slow/v1/chat/completions", True, {}, 0.05, 3.0, LONG_TEXT),
    "trickle": (
        "/v1/chat/completions", True, {"x-fakellm-ttft-ms": "50", "x-fakellm-tokens-per-second": "8"}, 0.05, 3.0,
        LONG_TEXT,
    ),
    "stall": ("/s/stall/v1/chat/completions", True, {}, 0.05, 3.0, "hi"),
    "drop": ("/s/disconnect/v1/chat/completions", True, {"x-fakellm-tokens-per-second": "20"}, 0.02, 0.4, LONG_TEXT),
    "whole": ("/v1/chat/completions", False, {"x-fakellm-ttft-ms": "4000"}, 0.05, 1.9, "hi"),
}  # fmt: skip


@dataclass
class Client:
    number: int
    kind: str
    hang_up_after: float
    abort: bool
    start_after: float = 0.0  # a fraction of the ramp
    opened_at: float = 0.0  # wall clock
    closed_at: float = 0.0
    hung_up_at: float | None = None  # wall clock, when the client closed (None: the server ended first)
    events: int = 0  # complete SSE events received (not counting [DONE])
    status: int = 0
    error: str | None = None


@dataclass
class Tally:
    clients: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    hung_up: int = 0
    server_ended: int = 0
    lags_ms: list[float] = field(default_factory=list)
    by_kind_lag_ms: dict[str, float] = field(default_factory=dict)  # the worst per kind
    in_flight: int = 0  # the server wrote one more chunk while the client was closing
    raced_kinds: list[str] = field(default_factory=list)  # the server finished as the client was closing
    failures: list[str] = field(default_factory=list)
    pending: int = 0
    tasks_before: int = 0
    tasks_after: int = 0
    answering: bool = False
    loop_lag_ms: float = 0.0  # the longest the server's loop was busy elsewhere
    gc_ms: float = 0.0  # the longest garbage collection in the server's process
    peak_open: int = 0  # the most client connections open at one time
    seconds: float = 0.0


def request_bytes(client: Client, port: int) -> bytes:
    path, stream, extra, _, _, text = KINDS[client.kind]
    body = json.dumps({"model": "gpt-4o-mini", "stream": stream, "messages": [{"role": "user", "content": text}]})
    headers = {
        "host": f"127.0.0.1:{port}",
        "content-type": "application/json",
        "content-length": str(len(body)),
        "x-bargein-id": str(client.number),
        "connection": "close",  # a response that ends is seen to end: the server closes the connection
        **extra,
    }
    head = f"POST {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode() + body.encode()


def count_events(data: bytes) -> tuple[int, int]:
    """The status and the complete SSE events in what arrived so far (`[DONE]` not counted)."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep:
        return 0, 0
    status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0
    # Chunked framing uses \r\n, so \n\n only ever ends an SSE event.
    return status, rest.count(b"\n\n") - rest.count(b"data: [DONE]\n\n")


def drain(sock: socket.socket) -> tuple[bytes, bool]:
    """What the kernel holds for `sock` right now, without waiting, and whether the server has closed."""
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return data, False
        if not chunk:
            return data, True
        data += chunk


async def run_client(client: Client, port: int, ramp_s: float) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(client.start_after * ramp_s)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    data = b""
    try:
        await loop.sock_connect(sock, ("127.0.0.1", port))
        client.opened_at = time.time()
        await loop.sock_sendall(sock, request_bytes(client, port))
        hang_up = loop.time() + client.hang_up_after
        limit = loop.time() + CLIENT_LIMIT_S
        while loop.time() < limit:
            remaining = hang_up - loop.time()
            if remaining <= 0:
                # What had arrived when the client hangs up counts as received, read or not.
                rest, closed = drain(sock)
                data += rest
                if not closed:
                    client.hung_up_at = time.time()
                break
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), remaining)
            except TimeoutError:
                continue
            if not chunk:  # the server ended the response (completed, or dropped on purpose)
                break
            data += chunk
    except OSError as exc:
        client.error = f"{type(exc).__name__}: {exc}"
    finally:
        client.status, client.events = count_events(data)
        if client.abort:  # a reset rather than a close
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
        client.closed_at = time.time()


async def count_tasks() -> int:
    return len(asyncio.all_tasks())


def server_tasks(llm: FakeLLM) -> int:
    """Tasks alive on the server's event loop (counted on that loop)."""
    return asyncio.run_coroutine_threadsafe(count_tasks(), llm._thread._server._loop).result(5.0)  # type: ignore


def peak_open(clients: list[Client]) -> int:
    opened = [c for c in clients if c.opened_at]
    moments = sorted([(c.opened_at, 1) for c in opened] + [(c.closed_at, -1) for c in opened])
    peak = current = 0
    for _, step in moments:
        current += step
        peak = max(peak, current)
    return peak


class LoopLag:
    """A task on the server's loop that wakes every 10 ms and notes how late it woke (how long the loop
    was busy elsewhere: no hang-up is noticed faster), and the longest garbage collection in the process."""

    def __init__(self, llm: FakeLLM) -> None:
        self.loop = llm._thread._server._loop  # type: ignore[union-attr]
        self.worst_ms = self.gc_ms = self.gc_start = 0.0
        self.stopping = False
        gc.callbacks.append(self._gc)
        self.future = asyncio.run_coroutine_threadsafe(self._watch(), self.loop)

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.gc_start = time.perf_counter()
        else:
            self.gc_ms = max(self.gc_ms, (time.perf_counter() - self.gc_start) * 1000)

    async def _watch(self) -> None:
        while not self.stopping:
            asked = self.loop.time()
            await asyncio.sleep(0.01)
            self.worst_ms = max(self.worst_ms, (self.loop.time() - asked - 0.01) * 1000)

    def stop(self) -> None:
        self.stopping = True
        gc.callbacks.remove(self._gc)
        self.future.result(5.0)


def judge(clients: list[Client], llm: FakeLLM, tally: Tally) -> None:
    tally.peak_open = max(tally.peak_open, peak_open(clients))
    entries = {e.headers.get("x-bargein-id"): e for e in llm.app.journal.entries()}
    for client in clients:
        tally.clients += 1
        tally.by_kind[client.kind] = tally.by_kind.get(client.kind, 0) + 1
        entry = entries.get(str(client.number))
        label = f"#{client.number} {client.kind} (hang-up after {client.hang_up_after:.3f} s)"
        if client.error:
            tally.failures.append(f"{label}: client error {client.error}")
            continue
        if entry is None:
            tally.failures.append(f"{label}: not in the journal")
            continue
        if entry.ended == "pending":
            continue  # counted with the journal's pending entries
        if client.hung_up_at is None:  # the server ended it: a drop, or a response complete in time
            tally.server_ended += 1
            expected = "fault" if client.kind == "drop" else "completed"
            if entry.ended != expected or entry.chunks != client.events:
                tally.failures.append(f"{label}: server ended; journal {entry.ended} {entry.chunks} chunks, "
                                      f"client got {client.events} events")  # fmt: skip
            continue
        tally.hung_up += 1
        if entry.ended != "disconnected":
            if entry.ended in ("completed", "fault") and entry.chunks >= client.events:
                tally.raced_kinds.append(client.kind)  # the server had written its last byte already
            else:
                tally.failures.append(f"{label}: hung up but journaled {entry.ended}")
            continue
        assert entry.disconnected_at_ms is not None
        lag = (entry.time + entry.disconnected_at_ms / 1000 - client.hung_up_at) * 1000
        tally.lags_ms.append(lag)
        tally.by_kind_lag_ms[client.kind] = max(tally.by_kind_lag_ms.get(client.kind, lag), lag)
        if entry.chunks > client.events and written_after_hang_up(entry, client):
            tally.in_flight += 1
        elif entry.chunks != client.events:
            tally.failures.append(f"{label}: journal {entry.chunks} chunks, client got {client.events} events")


def written_after_hang_up(entry: JournalEntry, client: Client) -> bool:
    """Chunks the client never saw are fine only if the server wrote them after the client had closed
    but before it read the hang-up (TCP cannot tell it sooner): the first one, when nothing arrived,
    went out after the hang-up; otherwise at most the two frames a stream sends together."""
    assert client.hung_up_at is not None
    if client.events == 0:
        return entry.ttft_ms is not None and entry.time + entry.ttft_ms / 1000 >= client.hung_up_at - 0.002
    return entry.chunks - client.events <= 2


async def storm(port: int, clients: list[Client]) -> None:
    # Connections open over `ramp_s`: the server does not take a thousand new requests in the same
    # instant (that measures its accept queue, not barge-in), yet they are all open at once.
    ramp_s = len(clients) * RAMP_S_PER_CLIENT
    await asyncio.gather(*(run_client(c, port, ramp_s) for c in clients))


def storm_in_child(port: int, clients: list[Client]) -> list[Client]:
    """Run the storm in a child process, so that the clients do not share the server's interpreter
    (and its lock): the lag measured is the server's, not two event loops taking turns."""
    order = json.dumps([dataclasses.asdict(c) for c in clients])
    done = subprocess.run(
        [sys.executable, __file__, "--storm", str(port)],
        input=order, capture_output=True, text=True, timeout=CLIENT_LIMIT_S + 60, check=True,
    )  # fmt: skip
    return [Client(**fields) for fields in json.loads(done.stdout)]


def storm_child(port: int) -> None:
    clients = [Client(**fields) for fields in json.loads(sys.stdin.read())]
    asyncio.run(storm(port, clients))
    print(json.dumps([dataclasses.asdict(c) for c in clients]))


def make_clients(count: int, rng: random.Random, first: int, waits: float = 1.0) -> list[Client]:
    """`count` clients, the kinds in turn; `waits` scales the hang-up windows (the quick form halves them)."""
    kinds, ramp_s = list(KINDS), count * RAMP_S_PER_CLIENT
    clients = []
    for number in range(first, first + count):
        kind = kinds[number % len(kinds)]
        low, high = KINDS[kind][3], KINDS[kind][4] * waits if kind != "drop" else KINDS[kind][4]
        start_after = rng.random()
        rest_of_ramp = 0.0 if kind == "drop" else (1 - start_after) * ramp_s
        hang_up_after = rest_of_ramp + rng.uniform(low, high)
        clients.append(Client(number, kind, hang_up_after, rng.random() < 0.5, start_after))
    return clients


def run(clients: int = 100, rounds: int = 1, seed: int = 1, waits: float = 1.0) -> Tally:
    rng = random.Random(seed)
    tally = Tally()
    start = time.perf_counter()
    llm = FakeLLM(seed=seed, journal_size=clients * rounds + 100)
    llm.config = dataclasses.replace(llm.config, max_connections=clients + 100)  # above the storm's size
    with llm:
        port = int(llm.url.rsplit(":", 1)[1])
        tally.tasks_before = server_tasks(llm)
        lag = LoopLag(llm)
        for at in range(rounds):
            batch = make_clients(clients, rng, at * clients, waits)
            batch = storm_in_child(port, batch)
            llm.app.journal.wait_settled(SETTLE_S)
            judge(batch, llm, tally)
        lag.stop()
        tally.loop_lag_ms, tally.gc_ms = lag.worst_ms, lag.gc_ms
        tally.pending = sum(1 for e in llm.app.journal.entries() if e.ended == "pending")
        deadline = time.monotonic() + SETTLE_S
        while (after := server_tasks(llm)) > tally.tasks_before and time.monotonic() < deadline:
            time.sleep(0.05)
        tally.tasks_after = after
        with urllib.request.urlopen(llm.url + "/_fakellm/health", timeout=5) as health:
            tally.answering = health.status == 200
        tally.failures += llm.take_surprises()
    tally.seconds = time.perf_counter() - start
    return tally


def ok(tally: Tally, lag_target_ms: float = LAG_TARGET_MS) -> bool:
    return (
        not tally.failures
        and tally.pending == 0
        and tally.tasks_after <= tally.tasks_before
        and tally.answering
        and max(tally.lags_ms, default=0.0) <= lag_target_ms
        and min(tally.lags_ms, default=0.0) >= -5.0  # journaled before the hang-up: the clocks disagree
    )


def report(tally: Tally) -> str:
    lags = tally.lags_ms
    p99 = sorted(lags)[min(len(lags) - 1, int(0.99 * len(lags)))] if lags else 0.0
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(tally.by_kind.items()))
    raced = ", ".join(f"{k} {tally.raced_kinds.count(k)}" for k in sorted(set(tally.raced_kinds)))
    worst = ", ".join(f"{k} {v:.1f}" for k, v in sorted(tally.by_kind_lag_ms.items()))
    exact = tally.clients - len(tally.failures) - tally.in_flight - len(tally.raced_kinds)
    lines = [
        f"{tally.clients} barge-in clients in {tally.seconds:.1f} s ({kinds}); at most {tally.peak_open} open at once",
        f"hung up: {tally.hung_up} (journaled disconnected: {len(lags)}, server finished first: "
        f"{len(tally.raced_kinds)}{' - ' + raced if raced else ''}); ended by the server: {tally.server_ended}",
        f"hang-up -> disconnected_at lag: p50 {statistics.median(lags) if lags else 0:.1f} ms, "
        f"p99 {p99:.1f} ms, max {max(lags, default=0):.1f} ms (target <= {LAG_TARGET_MS:g} ms); "
        f"worst by kind: {worst}; the server loop was busy up to {tally.loop_lag_ms:.1f} ms at a time "
        f"(longest garbage collection {tally.gc_ms:.1f} ms)",
        f"chunks = events received: {exact} exact, "
        f"{tally.in_flight} with chunks written after the hang-up, before the server read it; "
        f"failures: {len(tally.failures)}",
        f"pending entries: {tally.pending}; server tasks before {tally.tasks_before}, after {tally.tasks_after}; "
        f"still answering: {'yes' if tally.answering else 'NO'}",
    ]
    lines += [f"  {line}" for line in tally.failures[:10]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000, help="concurrent clients per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--waits", type=float, default=1.0, help="scale the hang-up windows by this")
    parser.add_argument("--storm", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the child's part
    args = parser.parse_args()
    if args.storm:
        storm_child(args.storm)
        return
    tally = run(args.clients, args.rounds, args.seed, args.waits)
    print(report(tally))
    sys.exit(0 if ok(tally) else 1)


if __name__ == "__main__":
    main()
