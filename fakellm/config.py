"""Server settings, from the command line, environment variables or the Python harness.

`ServerConfig` owns every default a server setting has; the command line, the
harness and the stages read them from here. It is frozen and checked when made:
a bad value is a `ValueError` that names the setting.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_SCENARIO = "echo"
DEFAULT_MAX_BODY = 16 * 1024 * 1024  # bytes
DEFAULT_JOURNAL_SIZE = 1000  # requests kept
DEFAULT_JOURNAL_MAX_BYTES = 64 * 1024 * 1024  # bodies and texts the journal holds in all; the oldest go first
DEFAULT_JOURNAL_ENTRY_MAX_BYTES = 256 * 1024  # characters of texts one entry keeps; the rest is cut, with a marker
DEFAULT_SERVER_ERRORS_KEPT = 100  # unexpected server errors kept for the harness (all are counted)
LogLevel = Literal["critical", "error", "warning", "info", "debug"]
DEFAULT_LOG_LEVEL: LogLevel = "info"
LOG_LEVELS: tuple[str, ...] = get_args(LogLevel)
MAX_PORT = 65535
# Running in public: how long a client may take to send a request, and how many may be connected.
DEFAULT_HEADER_TIMEOUT = 10.0  # seconds from a request's first byte (or the connection) to its last header
DEFAULT_BODY_TIMEOUT = 30.0  # seconds for the whole body, once the headers are in
DEFAULT_KEEP_ALIVE_TIMEOUT = 5.0  # seconds an idle keep-alive connection stays open
DEFAULT_MAX_CONNECTIONS = 1000  # open connections (and requests in flight); more get 503
DEFAULT_RATE_LIMIT_MAX_CLIENTS = 100_000  # rate-limit budgets (scenario, client key) kept; the LRU goes first
DEFAULT_RESPONSES_KEPT = 1000  # stored Responses API responses kept (per dialect); the oldest go first
DEFAULT_RESPONSES_MAX_BYTES = 64 * 1024 * 1024  # their estimated size in all; the oldest go first
MAX_WORKERS = 256  # processes `--workers` may start
MEMORY_STATE = "memory"  # `--state`: per-run state held in the process; or a `redis://HOST:PORT/DB` URL
STATE_SCHEMES = ("redis://", "rediss://", "unix://")


def builtin_scenarios_dir() -> Path:
    """The shipped library: inside the wheel, or `scenarios/` beside the package in a checkout."""
    package = Path(__file__).resolve().parent
    for candidate in (package / "_builtin_scenarios", package.parent / "scenarios"):
        if candidate.is_dir():
            return candidate
    return package.parent / "scenarios"


def env_host() -> str:
    return os.environ.get("FAKELLM_HOST") or DEFAULT_HOST


def env_port() -> int:
    value = os.environ.get("FAKELLM_PORT") or os.environ.get("PORT")
    return int(value) if value and value.isdigit() else DEFAULT_PORT


class ConfigError(ValueError):
    """A setting with a value it cannot take; `setting` is the `ServerConfig` field."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting} {problem}")
        self.setting = setting
        self.problem = problem


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConfig:
    """How one server runs. Sequences may be given as lists; they are kept as tuples."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT  # 0: any free port
    scenario_paths: tuple[Path, ...] = ()
    include_builtin: bool = True
    # Unknown model names get the provider's 404 (`model_not_found`, Azure's `DeploymentNotFound`,
    # Gemini's NOT_FOUND) instead of an answer; known: the model catalogue and the scenarios' models.
    strict_models: bool = False
    default_scenario: str = DEFAULT_SCENARIO
    api_keys: tuple[str, ...] = ()  # empty: any key is accepted
    seed: int | None = None
    max_body: int = DEFAULT_MAX_BODY
    journal_size: int = DEFAULT_JOURNAL_SIZE
    journal_max_bytes: int = DEFAULT_JOURNAL_MAX_BYTES
    journal_entry_max_bytes: int = DEFAULT_JOURNAL_ENTRY_MAX_BYTES
    server_errors_kept: int = DEFAULT_SERVER_ERRORS_KEPT
    log_level: LogLevel = DEFAULT_LOG_LEVEL
    ttft_ms: float = 0.0  # default time to first token for every scenario that sets none
    tokens_per_second: float | None = None  # default streaming rate; None sends chunks at once
    replay_speed: float = 1.0  # recorded timings play this many times as fast; 0: at once
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    keep_alive_timeout: float = DEFAULT_KEEP_ALIVE_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    rate_limit_max_clients: int = DEFAULT_RATE_LIMIT_MAX_CLIENTS
    # Host names requests may be addressed to (`*.example.com` matches any subdomain); empty: loopback
    # names when bound to loopback, any name otherwise (see `fakellm.server.hosts`).
    allowed_hosts: tuple[str, ...] = ()
    metrics: bool = True  # serve `GET /metrics` (Prometheus); False: `--no-metrics`
    workers: int = 1  # processes answering on the one port (`fakellm serve --workers`)
    # Where per-run state lives (rate-limit budgets, error counters, sequences, the journal): `memory`
    # (this process) or a Redis URL, which every worker and replica pointed at it shares.
    state: str = MEMORY_STATE

    @property
    def shared_state(self) -> bool:
        return self.state != MEMORY_STATE

    def __post_init__(self) -> None:
        object.__setattr__(self, "scenario_paths", tuple(Path(p) for p in _sequence(self.scenario_paths)))
        object.__setattr__(self, "api_keys", tuple(_sequence(self.api_keys)))
        object.__setattr__(self, "allowed_hosts", tuple(_sequence(self.allowed_hosts)))
        _check(self)
        _check_exposure(self)


def _sequence(value: Iterable[Any]) -> Iterable[Any]:
    if isinstance(value, str | bytes | Path):  # one path or key where a sequence belongs
        return (value,)
    return value


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return (isinstance(value, int | float) and not isinstance(value, bool)) and math.isfinite(value)


def _check(config: ServerConfig) -> None:
    if not isinstance(config.host, str) or not config.host:
        raise ConfigError("host", f"must be a host name or address, got {config.host!r}")
    if not _is_int(config.port) or not 0 <= config.port <= MAX_PORT:
        raise ConfigError("port", f"must be an integer from 0 to {MAX_PORT}, got {config.port!r}")
    if not isinstance(config.default_scenario, str) or not config.default_scenario:
        raise ConfigError("default_scenario", f"must be a scenario name, got {config.default_scenario!r}")
    if not all(isinstance(k, str) for k in config.api_keys):
        raise ConfigError("api_keys", f"must be strings, got {config.api_keys!r}")
    if config.seed is not None and not _is_int(config.seed):
        raise ConfigError("seed", f"must be an integer or None, got {config.seed!r}")
    if not _is_int(config.max_body) or config.max_body < 1:
        raise ConfigError("max_body", f"must be a number of bytes (1 or more), got {config.max_body!r}")
    if not _is_int(config.journal_size) or config.journal_size < 1:
        raise ConfigError("journal_size", f"must be 1 or more, got {config.journal_size!r}")
    for name in ("journal_max_bytes", "journal_entry_max_bytes", "server_errors_kept"):
        value = getattr(config, name)
        if not _is_int(value) or value < 1:
            raise ConfigError(name, f"must be 1 or more, got {value!r}")
    if config.log_level not in LOG_LEVELS:
        raise ConfigError("log_level", f"must be one of {', '.join(LOG_LEVELS)}, got {config.log_level!r}")
    if not _is_number(config.ttft_ms) or config.ttft_ms < 0:
        raise ConfigError("ttft_ms", f"must be 0 or more, got {config.ttft_ms!r}")
    if not _is_number(config.replay_speed) or config.replay_speed < 0:
        raise ConfigError("replay_speed", f"must be 0 (at once) or more, got {config.replay_speed!r}")
    rate = config.tokens_per_second
    if rate is not None and (not _is_number(rate) or rate <= 0):
        raise ConfigError("tokens_per_second", f"must be more than 0 (or None: unlimited), got {rate!r}")


def _redis_url(url: str) -> bool:
    """A Redis URL redis-py can open: a scheme it knows, a numeric port if any, a numeric database if any."""
    if not url.startswith(STATE_SCHEMES):
        return False
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        return False
    database = parts.path.strip("/") if parts.scheme != "unix" else ""
    return (parts.scheme == "unix" or bool(parts.hostname)) and (not database or database.isdigit())


def _check_exposure(config: ServerConfig) -> None:
    """The settings for running in public: timeouts, the connection and rate-limit caps, allowed hosts."""
    for name in ("header_timeout", "body_timeout", "keep_alive_timeout"):
        value = getattr(config, name)
        if not _is_number(value) or value <= 0:
            raise ConfigError(name, f"must be a number of seconds more than 0, got {value!r}")
    for name in ("max_connections", "rate_limit_max_clients"):
        value = getattr(config, name)
        if not _is_int(value) or value < 1:
            raise ConfigError(name, f"must be 1 or more, got {value!r}")
    if not _is_int(config.workers) or not 1 <= config.workers <= MAX_WORKERS:
        raise ConfigError("workers", f"must be from 1 to {MAX_WORKERS}, got {config.workers!r}")
    if not isinstance(config.state, str) or not (config.state == MEMORY_STATE or _redis_url(config.state)):
        raise ConfigError("state", f"must be {MEMORY_STATE} or a redis://HOST:PORT/DB URL, got {config.state!r}")
    for host in config.allowed_hosts:
        if host != "*" and (
            not isinstance(host, str) or not host or any(c in host for c in "/ ,") or "*" in host.removeprefix("*.")
        ):
            raise ConfigError("allowed_hosts", f"must be host names (*.domain, or *), got {host!r}")
