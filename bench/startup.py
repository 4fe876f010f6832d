"""How long `FakeLLM()` takes to be ready (start until it answers), and to stop. Prints figures.

Run: PYTHONPATH=$PWD python bench/startup.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

import httpx

from fakellm import FakeLLM


def first_import_ms() -> float:
    """`from fakellm import FakeLLM` plus the first start, in a fresh interpreter (what one test run pays once)."""
    code = (
        "import time; t=time.perf_counter(); from fakellm import FakeLLM; llm=FakeLLM().start(); "
        "print((time.perf_counter()-t)*1000); llm.stop()"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main(runs: int = 30) -> None:
    starts, firsts, stops = [], [], []
    body = {"model": "m", "messages": [{"role": "user", "content": "ping"}]}
    with httpx.Client() as client:
        for _ in range(runs):
            t0 = time.perf_counter()
            llm = FakeLLM().start()
            t1 = time.perf_counter()
            client.post(f"{llm.openai_base_url}/chat/completions", json=body).raise_for_status()
            t2 = time.perf_counter()
            llm.stop()
            t3 = time.perf_counter()
            starts.append((t1 - t0) * 1000)
            firsts.append((t2 - t0) * 1000)
            stops.append((t3 - t2) * 1000)

    def line(name: str, values: list[float]) -> str:
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
        return f"  {name:<32} median {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms   max {values[-1]:7.1f} ms"

    print(f"FakeLLM start-up, {runs} runs in one process")
    print(line("start() returns", starts))
    print(line("start() + first reply", firsts))
    print(line("stop()", stops))
    print(f"  {'cold: import + first start':<32} {first_import_ms():7.1f} ms (fresh interpreter)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
