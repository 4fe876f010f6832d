"""`fakellm record`: set up the proxy from the command's options, bind, print where to point clients,
run uvicorn until Ctrl-C, then say what was recorded."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import uvicorn

from fakellm.config import ServerConfig
from fakellm.record.proxy import RecordingProxy
from fakellm.record.redact import Redactor
from fakellm.record.upstreams import Upstreams
from fakellm.record.writer import ScenarioWriter
from fakellm.server.limits import uvicorn_limits
from fakellm.server.urls import base_urls


def build_proxy(upstreams: Upstreams, out: Path, name: str, redact: list[str], host: str) -> RecordingProxy:
    """The proxy, writing to `out`; `ValueError` (with a message for the user) on a bad option."""
    if not upstreams:
        raise ValueError("give at least one --upstream NAME=URL (openai=https://api.openai.com, …)")
    described = ", ".join(f"{k}={v}" for k, v in sorted(upstreams.urls.items()))
    writer = ScenarioWriter(out, name, f"Recorded from {described}.")
    return RecordingProxy(upstreams, writer, redactor=Redactor(redact), host=host)


def banner(root: str, proxy: RecordingProxy, out: Path, name: str) -> str:
    urls = base_urls(root)
    lines = [f"fakellm record is listening on {root}, recording scenario '{name}' into {out}", ""]
    for dialect, url in sorted(proxy.upstreams.urls.items()):
        lines.append(f"  {dialect:<14} base_url={urls.get(dialect, root)}  ->  {url}")
    lines += ["", f"  replay: fakellm serve --scenarios {out} --default-scenario {name}"]
    return "\n".join(lines)


def record(upstream_specs: list[str], out: Path, name: str, redact: list[str], config: ServerConfig) -> int:
    try:
        upstreams = Upstreams.from_env().merged(Upstreams.parse(upstream_specs))
        proxy = build_proxy(upstreams, out, name, redact, config.host)
    except ValueError as exc:
        print(f"fakellm record: {exc}", file=sys.stderr)
        return 2
    settings = uvicorn.Config(
        proxy,
        host=config.host,
        port=config.port,
        log_level=config.log_level,
        access_log=False,
        lifespan="off",
        server_header=False,  # the upstream's `server` and `date` headers are relayed as they are
        date_header=False,
        **uvicorn_limits(config),
    )
    sock = settings.bind_socket()
    shown = "localhost" if config.host in ("0.0.0.0", "::") else config.host
    print(banner(f"http://{shown}:{sock.getsockname()[1]}", proxy, out, name), flush=True)
    server = uvicorn.Server(settings)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    stats = proxy.stats
    print(f"fakellm record: {stats.recorded} exchange(s) recorded into {out} ({stats.forwarded} forwarded)")
    for why in stats.not_recorded:
        print(f"  not recorded: {why}", file=sys.stderr)
    return 0 if server.started else 1
