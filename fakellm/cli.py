"""The `fakellm` command: `serve`, the scenario tools registered beside it, and `check`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fakellm import __version__
from fakellm.config import (
    DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_HOST,
    DEFAULT_JOURNAL_MAX_BYTES,
    DEFAULT_JOURNAL_SIZE,
    DEFAULT_KEEP_ALIVE_TIMEOUT,
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_CONNECTIONS,
    DEFAULT_PORT,
    DEFAULT_RATE_LIMIT_MAX_CLIENTS,
    DEFAULT_SCENARIO,
    LOG_LEVELS,
    MEMORY_STATE,
    ConfigError,
    ServerConfig,
    env_host,
    env_port,
)


def _serve_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="start the fake LLM server",
        description="Start fakellm. Env vars: PORT or FAKELLM_PORT, FAKELLM_HOST.",
    )
    serve.add_argument("--host", default=None, help=f"interface to bind (default {DEFAULT_HOST}, or $FAKELLM_HOST)")
    serve.add_argument(
        "--port", type=int, default=None, help=f"port (default {DEFAULT_PORT}, or $FAKELLM_PORT / $PORT)"
    )
    serve.add_argument(
        "--scenarios",
        nargs="+",
        type=Path,
        default=[],
        metavar="PATH",
        help="scenario files or directories to load besides the built-in library",
    )
    serve.add_argument("--no-builtin", action="store_true", help="do not load the built-in scenario library")
    serve.add_argument(
        "--strict-models",
        action="store_true",
        default=None,
        help="answer a model name the provider does not serve with its 404, as the real API does",
    )
    serve.add_argument("--default-scenario", default=DEFAULT_SCENARIO, help="scenario used when none is chosen")
    serve.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="accept only this key (repeatable); without it any key is accepted",
    )
    serve.add_argument("--seed", type=int, default=None, help="seed for generated text and ids")
    serve.add_argument("--ttft-ms", type=float, default=None, metavar="MS", help="default time to first token (0)")
    serve.add_argument(
        "--tokens-per-second", type=float, default=None, metavar="N", help="default streaming rate (unlimited)"
    )
    serve.add_argument(
        "--replay-speed",
        type=float,
        default=None,
        metavar="X",
        help="play recorded timings X times as fast (2: twice as fast, 0.5: half speed, 0: at once; default 1)",
    )
    serve.add_argument(
        "--max-body", type=int, default=None, help=f"largest request body in bytes ({DEFAULT_MAX_BODY // 2**20} MiB)"
    )
    serve.add_argument(
        "--journal-size", type=int, default=None, help=f"requests kept in the journal ({DEFAULT_JOURNAL_SIZE})"
    )
    serve.add_argument(
        "--journal-max-bytes",
        type=int,
        default=None,
        metavar="BYTES",
        help=f"bytes of bodies and texts the journal holds in all; the oldest go first "
        f"({DEFAULT_JOURNAL_MAX_BYTES // 2**20} MiB)",
    )
    serve.add_argument("--log-level", default=None, choices=LOG_LEVELS)
    serve.add_argument("--no-metrics", action="store_true", help="do not serve GET /metrics (Prometheus)")
    serve.add_argument("--workers", type=int, default=None, metavar="N", help="processes answering on the one port (1)")
    serve.add_argument(
        "--state",
        default=None,
        metavar="memory|redis://HOST:PORT/DB",
        help=f"where rate-limit budgets, error counters, sequences and the journal live: {MEMORY_STATE} "
        "(this process, the default) or a Redis that every worker and replica shares",
    )
    _exposure_flags(serve)


def _exposure_flags(serve: argparse.ArgumentParser) -> None:
    """Settings for running in public (see README, "Running it in public")."""
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="answer only requests addressed to this host name (repeatable; *.example.com for subdomains); "
        "default: loopback names when bound to loopback, any name otherwise",
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        default=None,
        metavar="S",
        help=f"seconds to send headers ({DEFAULT_HEADER_TIMEOUT:g})",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=None,
        metavar="S",
        help=f"seconds to send the body ({DEFAULT_BODY_TIMEOUT:g})",
    )
    serve.add_argument(
        "--keep-alive-timeout",
        type=float,
        default=None,
        metavar="S",
        help=f"seconds an idle connection stays open ({DEFAULT_KEEP_ALIVE_TIMEOUT:g})",
    )
    serve.add_argument(
        "--max-connections", type=int, default=None, metavar="N", help=f"open connections ({DEFAULT_MAX_CONNECTIONS})"
    )
    serve.add_argument(
        "--rate-limit-max-clients",
        type=int,
        default=None,
        metavar="N",
        help="rate-limit budgets kept (one per scenario and client key); past it the least recently used "
        f"is forgotten and that client starts with a full budget again ({DEFAULT_RATE_LIMIT_MAX_CLIENTS:,})",
    )


# `ServerConfig` fields whose flag is not the field's name with dashes.
_FLAGS = {
    "scenario_paths": "--scenarios",
    "api_keys": "--api-key",
    "include_builtin": "--no-builtin",
    "allowed_hosts": "--allowed-host",
    "metrics": "--no-metrics",
}


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    """The server settings from `fakellm serve`'s flags (then env vars, then `ServerConfig`'s defaults);
    a bad value exits with the flag named."""
    given: dict[str, Any] = {
        "host": args.host or env_host(),
        "port": args.port if args.port is not None else env_port(),
        "scenario_paths": tuple(args.scenarios),
        "include_builtin": not args.no_builtin,
        "strict_models": args.strict_models,
        "default_scenario": args.default_scenario,
        "api_keys": tuple(args.api_key),
        "seed": args.seed,
        "log_level": args.log_level,
        "ttft_ms": args.ttft_ms,
        "tokens_per_second": args.tokens_per_second,
        "replay_speed": args.replay_speed,
        "max_body": args.max_body,
        "journal_size": args.journal_size,
        "journal_max_bytes": args.journal_max_bytes,
        "allowed_hosts": tuple(args.allowed_host),
        "header_timeout": args.header_timeout,
        "body_timeout": args.body_timeout,
        "keep_alive_timeout": args.keep_alive_timeout,
        "max_connections": args.max_connections,
        "rate_limit_max_clients": args.rate_limit_max_clients,
        "metrics": False if args.no_metrics else None,
        "workers": args.workers,
        "state": args.state,
    }
    try:
        return ServerConfig(**{name: value for name, value in given.items() if value is not None})
    except ConfigError as exc:
        flag = _FLAGS.get(exc.setting, "--" + exc.setting.replace("_", "-"))
        raise SystemExit(f"fakellm serve: {flag} {exc.problem}") from None


def serve(config: ServerConfig) -> int:
    from fakellm.server.serve import serve as run_server  # uvicorn and the server load only to serve

    return run_server(config)


def _scenario_tool_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    validate = commands.add_parser(
        "validate",
        help="check scenario files without starting a server",
        description="Lint scenario files or directories. Exit 1 if any has an error.",
    )
    validate.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="scenario files or directories")
    commands.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        description="Print the JSON Schema of scenario files, for editor completion.",
    )


def validate(paths: list[Path]) -> int:
    from fakellm.scenarios.validate import check_paths

    report = check_paths(paths)
    for diagnostic in report.diagnostics:
        print(diagnostic, file=sys.stderr if diagnostic.severity == "error" else sys.stdout)
    errors, warnings = len(report.errors), len(report.warnings)
    if errors:
        print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)
        return 1
    names = ", ".join(s.name for s in report.scenarios)
    print(f"ok: {len(report.scenarios)} scenario(s) ({names}), {warnings} warning(s)")
    return 0


def schema() -> int:
    import json

    from fakellm.scenarios.format import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def _check_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from fakellm.check.dialects import DEFAULT_MODELS

    check = commands.add_parser(
        "check",
        help="check that an OpenAI-compatible endpoint would pass a platform's compatibility probe",
        description="Send a voice platform's probe to URL/chat/completions (with --dialect anthropic: the "
        "anthropic SDK's requests to URL/v1/messages) and judge the reply, check by check. "
        "Exit 0 when nothing fails, 1 otherwise.",
    )
    check.add_argument("url", metavar="URL", help="the base URL a platform would be given, e.g. http://host:8000/v1")
    check.add_argument(
        "--api-key", default=None, metavar="KEY", help="the key to send; also checks a wrong key gets 401"
    )
    check.add_argument(
        "--dialect",
        choices=tuple(DEFAULT_MODELS),
        default="openai",
        help="openai: a platform's probe to URL/chat/completions; azure, groq, gemini: the same probe in that "
        "provider's routes, key header and answers; responses: the Responses API (URL/responses); "
        "anthropic: the anthropic SDK's requests to URL/v1/messages (URL is then the server root)",
    )
    check.add_argument(
        "--model",
        default=None,
        metavar="NAME",
        help="the model name to send (per dialect: " + ", ".join(f"{d} {m}" for d, m in DEFAULT_MODELS.items()) + ")",
    )
    check.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds to wait for each reply (30)")
    check.add_argument("--json", action="store_true", help="print a machine-readable report")


def check(args: argparse.Namespace) -> int:
    from fakellm.check.dialects import run_dialect_check

    if not args.url.startswith(("http://", "https://")):
        print(f"fakellm check: URL must start with http:// or https://, got {args.url!r}", file=sys.stderr)
        return 2
    if args.timeout <= 0:
        print("fakellm check: --timeout must be more than 0", file=sys.stderr)
        return 2
    report = run_dialect_check(args.url, args.dialect, api_key=args.api_key, model=args.model, timeout=args.timeout)
    print(report.to_json() if args.json else report.render())
    return 0 if report.passed else 1


def _record_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    record = commands.add_parser(
        "record",
        help="record a real provider into a scenario file, through a proxy",
        description="Serve every fakellm route, forward each request to its dialect's upstream, stream the "
        "answer back as it arrives and append each exchange to FILE as a rule of scenario NAME. "
        "Env vars: FAKELLM_UPSTREAM_<DIALECT> (e.g. FAKELLM_UPSTREAM_OPENAI) for upstreams.",
    )
    record.add_argument(
        "--upstream",
        action="append",
        default=[],
        metavar="DIALECT=URL",
        help="where a dialect's requests go, e.g. openai=https://api.openai.com (repeatable)",
    )
    record.add_argument("--out", type=Path, required=True, metavar="FILE", help="the scenario file to append to")
    record.add_argument("--name", required=True, help="the scenario's name (replay with --default-scenario NAME)")
    record.add_argument(
        "--redact", action="append", default=[], metavar="REGEX", help="replace matches with [REDACTED] (repeatable)"
    )
    record.add_argument("--host", default=None, help=f"interface to bind (default {DEFAULT_HOST})")
    record.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT})")
    record.add_argument("--log-level", default=None, choices=LOG_LEVELS)


def record(args: argparse.Namespace) -> int:
    import re

    from fakellm.record.run import record as run_record
    from fakellm.scenarios.format import NAME_PATTERN

    if not re.fullmatch(NAME_PATTERN, args.name):
        raise SystemExit(f"fakellm record: --name must be letters, digits, '.', '_' or '-', got {args.name!r}")
    try:
        config = ServerConfig(
            **{
                k: v
                for k, v in {"host": args.host or env_host(), "port": args.port, "log_level": args.log_level}.items()
                if v is not None
            }
        )
    except ConfigError as exc:
        raise SystemExit(f"fakellm record: {exc}") from None
    return run_record(list(args.upstream), args.out, args.name, list(args.redact), config)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fakellm",
        description="A fake LLM server speaking the OpenAI, Azure OpenAI, Gemini and Groq chat APIs.",
    )
    parser.add_argument("--version", action="version", version=f"fakellm {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _serve_parser(commands)
    _scenario_tool_parsers(commands)
    _check_parser(commands)
    _record_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "serve":
        return serve(config_from_args(args))
    if args.command == "validate":
        return validate(list(args.paths))
    if args.command == "schema":
        return schema()
    if args.command == "check":
        return check(args)
    if args.command == "record":
        return record(args)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
