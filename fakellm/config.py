"""Server settings, from the command line, environment variables or the Python harness."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from fakellm.journal import DEFAULT_JOURNAL_SIZE
from fakellm.server.body import DEFAULT_MAX_BODY

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


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


@dataclass(slots=True)
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    scenario_paths: list[Path] = field(default_factory=list)
    include_builtin: bool = True
    default_scenario: str = "echo"
    api_keys: list[str] = field(default_factory=list)
    seed: int | None = None
    max_body: int = DEFAULT_MAX_BODY
    journal_size: int = DEFAULT_JOURNAL_SIZE
    log_level: str = "info"
    ttft_ms: float = 0.0  # default time to first token for every scenario that sets none
    tokens_per_second: float | None = None  # default streaming rate; None sends chunks at once
