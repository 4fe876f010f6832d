"""`fakellm serve --workers N`: every worker answers on the one port, and Ctrl-C stops them all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.test_cli import free_port

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
ECHO = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Repeat with me: from a worker"}]}


@contextmanager
def fleet(*args: str) -> Iterator[tuple[subprocess.Popen[str], str, list[int]]]:
    """`fakellm serve --workers ...` in its own process group (as at a terminal); the URL and worker pids."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "fakellm", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                raise AssertionError("fakellm exited:\n" + "".join(lines))
            lines.append(line)
            found = re.search(r"(\d+) workers \(pids ([\d, ]+)\)", line)
            if found:
                yield process, f"http://127.0.0.1:{port}", [int(p) for p in found.group(2).split(", ")]
                return
        raise AssertionError("the workers did not start:\n" + "".join(lines))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def pids_answering(url: str, attempts: int = 200) -> set[int]:
    """The pids that answer health checks, each on a new connection (the kernel spreads connections)."""
    seen: set[int] = set()
    for _ in range(attempts):
        with httpx.Client() as client:  # a new connection, from a new source port
            seen.add(client.get(url + "/_fakellm/health").json()["pid"])
        if len(seen) >= 2:
            break
    return seen


def stopped(pids: list[int], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return True
        time.sleep(0.05)
    return False


def test_two_workers_both_answer_and_ctrl_c_stops_both() -> None:
    with fleet("--workers", "2") as (process, url, workers):
        assert len(workers) == 2
        assert process.pid not in workers
        assert pids_answering(url) == set(workers)
        reply = httpx.post(url + "/v1/chat/completions", json=ECHO, timeout=10)
        assert reply.status_code == 200
        assert reply.json()["choices"][0]["message"]["content"] == "from a worker"
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C at a terminal does: the whole group
        assert process.wait(20) == 0
        assert stopped(workers), "a worker outlived Ctrl-C"


def test_sigint_to_the_supervisor_alone_stops_every_worker() -> None:
    with fleet("--workers", "2") as (process, _, workers):
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 0
        assert stopped(workers)


def test_workers_keep_the_header_deadline() -> None:
    import socket

    with fleet("--workers", "2", "--header-timeout", "0.5") as (_, url, _workers):
        port = int(url.rsplit(":", 1)[1])
        for _ in range(4):  # whichever worker takes the connection closes it when the deadline passes
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n")
                started = time.monotonic()
                data = sock.recv(1024)
                assert data.startswith(b"HTTP/1.1 408"), data
                assert time.monotonic() - started < 3


def test_a_killed_supervisor_takes_its_workers_with_it() -> None:
    with fleet("--workers", "2") as (process, _, workers):
        process.kill()
        process.wait(10)
        assert stopped(workers), "orphaned workers kept running"


def test_workers_must_be_a_sensible_number() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fakellm", "serve", "--workers", "0"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode != 0
    assert "--workers must be from 1" in result.stderr
