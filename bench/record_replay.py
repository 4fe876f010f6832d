"""How faithfully a recording replays its timing: record streams through `fakellm record`'s proxy from an
upstream fakellm with latency, then replay them at several `--replay-speed`s and print the recorded and
replayed time to first content (TTFT) and to the last content chunk.

Two views: the server's (the recording's `timing`, measured by the proxy from the request's arrival,
against the replaying server's journal) isolates the replay; the client's includes the client and the
loopback round trip in both. The proxy's own cost shows as the client's TTFT through it minus direct.

    python bench/record_replay.py [--runs 10] [--ttft-ms 300] [--tokens-per-second 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import yaml

from fakellm.record.upstreams import Upstreams
from fakellm.testing.harness import FakeLLM
from fakellm.testing.recorder import Recorder


def timed_stream(url: str, text: str) -> tuple[float, float]:
    """Milliseconds to the first and to the last content event, as the client sees them."""
    body = {"model": "gpt-4o-mini", "stream": True, "messages": [{"role": "user", "content": text}]}
    started = time.monotonic()
    first = last = 0.0
    with httpx.stream("POST", url + "/chat/completions", json=body, timeout=60) as response:
        for line in response.iter_lines():
            if line.startswith("data: {") and '"content":"' in line and '"content":""' not in line:
                last = (time.monotonic() - started) * 1000
                first = first or last
    return first, last


def p50(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--ttft-ms", type=float, default=300)
    parser.add_argument("--tokens-per-second", type=float, default=50)
    args = parser.parse_args()
    latency = {"ttft_ms": args.ttft_ms, "tokens_per_second": args.tokens_per_second, "jitter_ms": 20}
    latency |= {"distribution": "uniform", "seed": 1}
    reply = {"reply": {"generate": {"sentences": 3}}}
    scenario = {"name": "upstream", "defaults": {"latency": latency}, "rules": [reply]}
    recording = Path(tempfile.mkdtemp()) / "bench.yaml"
    questions = [f"question {i}" for i in range(args.runs)]
    with FakeLLM([scenario], default_scenario="upstream", seed=3, builtin=False) as upstream:
        timed_stream(upstream.openai_base_url, "warm-up")
        direct = [timed_stream(upstream.openai_base_url, q) for q in questions]
        with Recorder(Upstreams({"openai": upstream.url}), recording, "bench") as proxy:
            timed_stream(proxy.openai_base_url, "warm-up")
            through = [timed_stream(proxy.openai_base_url, q) for q in questions]
    rules = yaml.safe_load(recording.read_text(encoding="utf-8"))["rules"][1:]
    recorded = [(r["timing"]["ttft_ms"], r["timing"]["chunk_offsets_ms"][-1]) for r in rules]
    print(f"upstream: TTFT {args.ttft_ms:g} ms ±20, {args.tokens_per_second:g} tokens/s, {args.runs} streams")
    print(
        f"client TTFT p50: direct {p50([d[0] for d in direct]):.1f} ms, through the proxy "
        f"{p50([t[0] for t in through]):.1f} ms; recorded by the proxy {p50([r[0] for r in recorded]):.1f} ms"
    )
    print(
        f"\n{'speed':>6} {'TTFT want':>10} {'server':>8} {'|diff| p50':>10} {'max':>6} {'client':>8}"
        f" {'last want':>10} {'server':>8} {'|diff| p50':>10}"
    )
    for speed in (1.0, 2.0, 0.5, 0.0):
        with FakeLLM([recording], default_scenario="bench", replay_speed=speed) as replay:
            timed_stream(replay.openai_base_url, "warm-up")
            client = [timed_stream(replay.openai_base_url, q) for q in questions]
            entries = list(replay.requests.wait(len(questions) + 1))[1:]
        scale = 1 / speed if speed else 0.0
        want = [(r[0] * scale, r[1] * scale) for r in recorded]
        server_ttft = [e.ttft_ms or 0.0 for e in entries]
        ttft_diff = [abs(s - w[0]) for s, w in zip(server_ttft, want, strict=True)]
        # The last content's time on the server is not journaled: the client's, less its TTFT overhead.
        last = [c[1] - (c[0] - s) for c, s in zip(client, server_ttft, strict=True)]
        last_diff = [abs(x - w[1]) for x, w in zip(last, want, strict=True)]
        print(
            f"{speed:>6g} {p50([w[0] for w in want]):>8.1f}ms {p50(server_ttft):>6.1f}ms {p50(ttft_diff):>8.1f}ms "
            f"{max(ttft_diff):>4.1f}ms {p50([c[0] for c in client]):>6.1f}ms {p50([w[1] for w in want]):>8.1f}ms "
            f"{p50(last):>6.1f}ms {p50(last_diff):>8.1f}ms"
        )


if __name__ == "__main__":
    main()
