"""Running a fakellm app on a free port in a background thread (tests, the harness, benchmarks).

uvicorn's own server notices a stop request on a 0.1 s tick and then waits a
further fixed 0.1 s; a test suite that starts a server per test pays that every
time, so this server is woken at once and lets go as soon as its connections do.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp

from fakellm.config import DEFAULT_HOST, ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.server.limits import uvicorn_limits
from fakellm.server.transport import silence_deliberate_drops

# How long open responses (a stalled stream, say) may take to finish once the server stops.
STOP_GRACE_S = 1.0


class _PromptServer(uvicorn.Server):
    """A uvicorn server that stops within milliseconds of `wake()`."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._woken = asyncio.Event()

    def wake(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already finished: nothing to wake
                self._loop.call_soon_threadsafe(self._woken.set)

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 864000
            # The tick still comes every 0.1 s (it refreshes the Date header); a wake cuts it short.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), 0.1)
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_GRACE_S
        while (self.server_state.connections or self.server_state.tasks) and loop.time() < deadline:
            if self.force_exit:
                break
            await asyncio.sleep(0.002)
        for task in list(self.server_state.tasks):
            task.cancel()


class ServerThread:
    def __init__(
        self, app: FakeLLMApp | ASGIApp, host: str = DEFAULT_HOST, port: int = 0, *, own_headers: bool = True
    ) -> None:
        """`own_headers=False`: uvicorn adds no `server` or `date` header (a proxy relays the upstream's)."""
        self.app = app
        silence_deliberate_drops()  # process-wide, so installed here, where a server is set up (not by the app)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        limits = uvicorn_limits(app.config if isinstance(app, FakeLLMApp) else ServerConfig())
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            server_header=own_headers,
            date_header=own_headers,
            **limits,
        )
        self._server = _PromptServer(config)
        self._thread = threading.Thread(target=self._run, name=f"fakellm:{self.port}", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def start(self, timeout: float = 10.0) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("fakellm did not start")
            time.sleep(0.002)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._server.should_exit = True
        self._server.wake()
        self._thread.join(timeout)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout)
        self._socket.close()
