"""`fakellm serve --workers N`: N processes answering on one port.

Each worker is a whole fakellm (its own app, uvicorn server and event loop, with the protocol of
`fakellm.server.limits`: the header and body deadlines and the connection cap hold in every worker)
listening on its own socket bound with `SO_REUSEPORT`, so the kernel spreads new connections over
them. The supervisor holds the port (bound, not listening) from before the first worker starts, so
`--port 0` works and the port cannot be taken between workers; it prints the banner once every
worker listens, and stops them all on Ctrl-C or SIGTERM (each finishes what it is sending, as a
single server does). A worker notices within a tick if its supervisor dies, and stops too, so no
worker outlives it. A worker that exits by itself stops the fleet (exit status 1): a fake server
that silently runs one worker short would spread its traffic unevenly.

Per-run state (sequences, counters, budgets, the journal) is per worker unless `--state` names a
Redis they share.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import time
from dataclasses import replace
from multiprocessing.synchronize import Event
from typing import Any

import uvicorn

from fakellm.config import ServerConfig
from fakellm.server.serve import Server

STARTUP_TIMEOUT_S = 60.0  # for every worker to be listening
STOP_TIMEOUT_S = 10.0  # for the workers to finish after SIGTERM, before they are killed
POLL_S = 0.2


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to (host, port) with `SO_REUSEPORT`, not yet listening."""
    if not hasattr(socket, "SO_REUSEPORT"):
        raise OSError("--workers needs SO_REUSEPORT (Linux, macOS or a BSD)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class WorkerServer(Server):
    """uvicorn's server that says when it is listening, and stops when its supervisor is gone."""

    def __init__(self, settings: uvicorn.Config, ready: Event, supervisor: int) -> None:
        super().__init__(settings)
        self.ready = ready
        self.supervisor = supervisor

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.ready.set()

    async def on_tick(self, counter: int) -> bool:
        if os.getppid() != self.supervisor:  # orphaned: the supervisor died without stopping us
            self.should_exit = True
        return await super().on_tick(counter)


def run_worker(config: ServerConfig, ready: Event, supervisor: int) -> None:
    """One worker's process: a whole server on its own `SO_REUSEPORT` socket."""
    from fakellm.server.serve import build_server_config  # this module is imported by serve

    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled
        settings, _ = build_server_config(config)
        sock = reuseport_socket(config.host, config.port)
        sock.listen(2048)
        WorkerServer(settings, ready, supervisor).run(sockets=[sock])


def run_workers(config: ServerConfig, banner: Any) -> int:
    """Start `config.workers` workers on one port and supervise them until Ctrl-C or SIGTERM; the exit
    status. `banner(port)` is printed once all of them listen."""
    try:
        holder = reuseport_socket(config.host, config.port)
    except OSError as exc:
        print(f"fakellm serve: cannot bind {config.host}:{config.port}: {exc}", file=sys.stderr)
        return 1
    port = holder.getsockname()[1]
    worker_config = replace(config, port=port, workers=1)
    spawn = multiprocessing.get_context("spawn")
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    workers = []
    try:
        for _ in range(config.workers):
            ready = spawn.Event()
            process = spawn.Process(target=run_worker, args=(worker_config, ready, os.getpid()), daemon=False)
            process.start()
            workers.append((process, ready))
        note = (
            ""
            if config.shared_state
            else " Sequences, counters, budgets and the journal are per worker: --state redis://... shares them."
        )
        status = _supervise(workers, banner, port, lambda: stopping, note)
    finally:
        _stop(workers)
        holder.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return status


def _supervise(workers: list[tuple[Any, Event]], banner: Any, port: int, stopping: Any, note: str) -> int:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    announced = False
    while not stopping():
        if not announced and all(ready.is_set() for _, ready in workers):
            print(banner(port), flush=True)
            pids = ", ".join(str(process.pid) for process, _ in workers)
            print(f"{len(workers)} workers (pids {pids}); Ctrl-C stops them all.{note}", flush=True)
            announced = True
        if not announced and time.monotonic() > deadline:
            print("fakellm serve: the workers did not start in time", file=sys.stderr)
            return 1
        for process, _ in workers:
            if not process.is_alive():
                print(f"fakellm serve: worker {process.pid} exited ({process.exitcode}); stopping", file=sys.stderr)
                return 1
        time.sleep(POLL_S)
    return 0


def _stop(workers: list[tuple[Any, Event]]) -> None:
    """SIGTERM to every worker still running (a Ctrl-C at a terminal reached them already; a second
    SIGINT would make uvicorn drop its connections), then wait; kill what is left after the timeout."""
    for process, _ in workers:
        if process.is_alive() and process.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process, _ in workers:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            process.kill()
            process.join(1.0)
