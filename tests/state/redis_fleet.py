"""Fixtures' helpers for the fleet tests: a throw-away `redis-server`, and `fakellm serve` processes
sharing it. Without a `redis-server` binary the tests skip, unless `FAKELLM_REQUIRE_REDIS` is set
(CI sets it): then they fail, so CI never passes by skipping them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

REQUIRE = "FAKELLM_REQUIRE_REDIS"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        if os.environ.get(REQUIRE):
            pytest.fail(f"redis-server is not installed, and {REQUIRE} is set: the fleet tests must run here")
        pytest.skip("redis-server is not installed (apt-get install redis-server); the fleet tests need one")
    return found


class RedisServer:
    """`redis-server` on a free port, without persistence; `stop()` and `start()` again on the same port."""

    def __init__(self) -> None:
        self.binary = redis_binary()
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class Replica:
    """One `fakellm serve --state redis://...` process on its own port."""

    def __init__(self, state: str, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "fakellm", "serve", "--port", str(self.port), "--state", state, *args]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )

    def wait_up(self) -> Replica:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"fakellm exited: {self.process.communicate()[1]}")
            try:
                httpx.get(self.url + "/_fakellm/health", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("fakellm did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def chat(scenario: str, text: str = "hi", **extra: object) -> dict[str, object]:
    return {"model": f"fakellm/{scenario}", "messages": [{"role": "user", "content": text}], **extra}
