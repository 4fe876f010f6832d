"""`fakellm serve`: build the app from a `ServerConfig`, bind, print where to point clients, run uvicorn.

This is where a server is set up, so process-wide settings (the uvicorn log
filter, the garbage collection policy of `fakellm.server.collector`) are installed here, not by
the app. With `workers` over 1, `fakellm.server.workers`
runs that many of these servers on the one port.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys

import uvicorn

from fakellm.config import ServerConfig
from fakellm.server.admission import admission
from fakellm.server.app import FakeLLMApp
from fakellm.server.collector import Collector
from fakellm.server.limits import uvicorn_limits
from fakellm.server.transport import silence_deliberate_drops
from fakellm.server.urls import startup_banner


def build_server_config(config: ServerConfig) -> tuple[uvicorn.Config, FakeLLMApp]:
    """The app and the uvicorn settings that serve it (raises `ValueError` for invalid scenarios)."""
    app = FakeLLMApp(config)
    silence_deliberate_drops()
    settings = uvicorn.Config(
        app, host=config.host, port=config.port, log_level=config.log_level, access_log=False, **uvicorn_limits(config)
    )
    return settings, app


class Server(uvicorn.Server):
    """uvicorn's server, collecting garbage on fakellm's terms (`fakellm.server.collector`) while it runs."""

    collector: Collector | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            loop, app = asyncio.get_running_loop(), self.config.app
            journal = app.journal if isinstance(app, FakeLLMApp) else None
            waiting = admission(loop)  # requests not yet opened in the journal

            def in_flight() -> int:
                return len(waiting) + (journal.in_flight if journal is not None else 0)

            self.collector = Collector(loop, in_flight)
            self.collector.start()

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.collector is not None:
            self.collector.stop()
        await super().shutdown(sockets)


def serve(config: ServerConfig) -> int:
    """Run until Ctrl-C; the exit status (1 when the scenarios are invalid or the port is taken)."""
    try:
        settings, app = build_server_config(config)
    except ValueError as exc:  # an invalid scenario: never start half-loaded
        print(exc, file=sys.stderr)
        return 1
    shown = "localhost" if config.host in ("0.0.0.0", "::") else config.host
    if config.workers > 1:
        from fakellm.server.workers import run_workers

        names = app.scenario_names
        return run_workers(config, lambda port: startup_banner(f"http://{shown}:{port}", names, metrics=config.metrics))
    # Bind before printing the URLs, so they are only shown once they work (a taken port exits here).
    sock = settings.bind_socket()
    root = f"http://{shown}:{sock.getsockname()[1]}"
    print(startup_banner(root, app.scenario_names, metrics=config.metrics), flush=True)
    server = Server(settings)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl-C it handled after a clean shutdown
        server.run(sockets=[sock])
    return 0 if server.started else 1
