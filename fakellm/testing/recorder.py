"""`Recorder`: `fakellm record`'s proxy on a free port in a background thread (pytest cassettes, scripts).

It offers the URL helpers of `FakeLLM` (`url`, `base_urls()`, `openai_base_url`, …, `env()`), so a
test points its clients at it the same way whether it records or replays. Its `env()` holds base
URLs only: while recording, the clients' own keys (the real ones) must reach the upstream.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from starlette.types import ASGIApp

from fakellm.config import DEFAULT_HOST
from fakellm.record.proxy import RecordingProxy, RecordStats
from fakellm.record.redact import Redactor
from fakellm.record.replay_first import ReplayFirst
from fakellm.record.upstreams import Upstreams
from fakellm.record.writer import ScenarioWriter
from fakellm.server.urls import base_urls
from fakellm.testing.client_urls import ClientUrls
from fakellm.testing.server_thread import ServerThread


class Recorder(ClientUrls):
    """Records every exchange through it into `path`, as scenario `name`."""

    def __init__(
        self,
        upstreams: Upstreams,
        path: Path,
        name: str,
        *,
        redact: tuple[str, ...] = (),
        host: str = DEFAULT_HOST,
        port: int = 0,
        replay: ASGIApp | None = None,
    ) -> None:
        """`replay`: an app answering from what `path` already holds; requests it has no recorded answer
        for are recorded (`--fakellm-record=new` with an existing cassette)."""
        self.path = path
        self.name = name
        self.proxy = RecordingProxy(upstreams, ScenarioWriter(path, name), redactor=Redactor(redact), host=host)
        self.app: ASGIApp = self.proxy if replay is None else ReplayFirst(replay, self.proxy)
        self._host, self._port = host, port
        self._thread: ServerThread | None = None

    def start(self) -> Recorder:
        if self._thread is None:
            self._thread = ServerThread(self.app, self._host, self._port, own_headers=False).start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.stop()
            self._thread = None
            self.proxy.forget_client()  # its loop has ended, and with it its connections

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def stats(self) -> RecordStats:
        return self.proxy.stats

    @property
    def url(self) -> str:
        if self._thread is None:
            raise RuntimeError("the recorder is not running: use `with Recorder(...) as recorder:`")
        return self._thread.url

    def base_urls(self) -> dict[str, str]:
        return base_urls(self.url)

    def env(self) -> dict[str, str]:
        """Base URLs for each official SDK (no keys: the real ones go through)."""
        return self.base_url_env()
