"""Capacity: the most concurrent streams one fakellm worker holds within the timing targets.

For each of the four latency profiles people use, it searches (doubling, then bisecting) for the
largest number of streams, started evenly over one second, for which `bench/timing.py`'s targets hold
on one worker: TTFT error p99 <= 10 ms, inter-chunk error p99 <= 5 ms, every stream complete with its
`[DONE]`, at most 5 ms after its last chunk (p99). Each stream carries about two seconds of tokens, so at the end of
the ramp every one of them is open at once. The server runs on one core and the client on another
(`bench/timing.py`'s lean client); `--with-naive` also measures the naive raw-ASGI sender as a
yardstick for the client.

    PYTHONPATH=$PWD python bench/capacity.py                      # all four profiles (several minutes)
    PYTHONPATH=$PWD python bench/capacity.py --profile fast --max 4000 --with-naive

Needs a quiet machine with at least 2 cores.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import Case, Result, prepare_client, run_case, start

# name: (TTFT ms, tokens per second)
PROFILES = {
    "fast": (200.0, 100.0),
    "standard": (500.0, 60.0),
    "reasoning": (5000.0, 80.0),
    "overloaded": (3000.0, 15.0),
}
TOKEN_SECONDS = 2.0  # of tokens per stream
RAMP_S = 1.0


def case_for(profile: str, streams: int) -> Case:
    ttft, rate = PROFILES[profile]
    return Case(streams, rate, RAMP_S, ttft, max(10, int(rate * TOKEN_SECONDS)))


def search(
    trial: Callable[[int], Result], start_at: int, most: int, log: Callable[[str], None], tries: int = 2
) -> int:
    """The largest stream count whose trial meets the targets: doubling from `start_at` up to `most`,
    then bisecting to within 5 % between the last count that met them and the first that did not. A
    count misses only when `tries` trials in a row miss: one bad second on a shared machine (a
    neighbour, the client's own hiccup) would otherwise halve a figure."""

    def meets(count: int) -> bool:
        for _ in range(tries):
            result = trial(count)
            log(f"    {count:>6} streams: {'meets' if result.meets() else 'misses'} {brief(result)}")
            if result.meets():
                return True
        return False

    good, bad, count = 0, most + 1, start_at
    while count <= most:
        if not meets(count):
            bad = count
            break
        good, count = count, count * 2
    while bad - good > max(5, good // 20):
        count = (good + bad) // 2
        good, bad = (count, bad) if meets(count) else (good, count)
    return good


def brief(result: Result) -> str:
    f = result.figures()
    return (
        f"(TTFT p99 {f['ttft_p99']:.1f} ms, |gap| p99 {f['gap_p99']:.1f} ms, "
        f"[DONE] gap p99 {f['done_after_p99']:.1f} ms, complete {int(f['complete'])}, "
        f"server CPU {f['server_cpu']:.0f}%, client CPU {f['client_cpu']:.0f}%)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--profile", action="append", choices=sorted(PROFILES), default=[])
    parser.add_argument("--start", type=int, default=100, help="the first stream count tried (100)")
    parser.add_argument("--max", type=int, default=8000, help="the most streams tried (8000)")
    parser.add_argument("--with-naive", action="store_true", help="measure the naive sender too")
    parser.add_argument("--tries", type=int, default=2, help="trials that must all miss before a count does (2)")
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    args = parser.parse_args()
    profiles = args.profile or list(PROFILES)
    kinds = ["fakellm", "naive"] if args.with_naive else ["fakellm"]
    core = prepare_client()
    servers = {kind: start(kind, core) for kind in kinds}

    def log(line: str) -> None:
        if not args.quiet:
            print(line, flush=True)

    found: dict[tuple[str, str], int] = {}
    try:
        for profile in profiles:
            for kind in kinds:
                process, port = servers[kind]
                ttft, rate = PROFILES[profile]
                log(f"{profile} (TTFT {ttft:g} ms, {rate:g} tok/s), {kind}:")

                def trial(streams: int, process: object = process, port: int = port, profile: str = profile) -> Result:
                    return run_case(process, port, case_for(profile, streams))  # type: ignore[arg-type]

                found[(profile, kind)] = search(trial, args.start, args.max, log, args.tries)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(10)
    print("\nconcurrent streams one worker holds (TTFT error p99 <= 10 ms, inter-chunk p99 <= 5 ms, [DONE] on time):")
    print(f"{'profile':>11} {'TTFT':>7} {'tok/s':>6} " + " ".join(f"{kind:>8}" for kind in kinds))
    for profile in profiles:
        ttft, rate = PROFILES[profile]
        held = " ".join(f"{found[(profile, kind)]:>8}" for kind in kinds)
        print(f"{profile:>11} {ttft / 1000:>6g}s {rate:>6g} {held}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
