"""The `fakellm` command: help, options and env vars, `serve` answering, and a clean Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from fakellm.cli import build_parser, config_from_args
from fakellm.config import DEFAULT_PORT, ServerConfig

ECHO = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Repeat with me: it works"}]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fakellm", *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, **(env or {})},
    )


def wait_until_up(url: str, process: subprocess.Popen[str], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"fakellm exited with {process.returncode}: {process.communicate()[0]}")
        try:
            httpx.get(url + "/_fakellm/health", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("fakellm did not start")


@contextmanager
def serving(*args: str, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "fakellm", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **env},
        # A shell running us in the background ignores SIGINT; give the server a normal Ctrl-C.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_help_lists_the_serve_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "serve" in result.stdout


def test_serve_help_lists_options_and_env_vars() -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    for option in (
        "--host",
        "--port",
        "--scenarios",
        "--api-key",
        "--seed",
        "--max-body",
        "--journal-max-bytes",
        "PORT",
        "FAKELLM_HOST",
    ):
        assert option in result.stdout


def test_version_flag() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("fakellm ")


def test_no_command_prints_help_and_fails() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "serve" in result.stdout


def test_unknown_option_is_a_usage_error() -> None:
    result = run_cli("serve", "--no-such-option")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


def test_serve_prints_urls_answers_and_exits_cleanly_on_ctrl_c() -> None:
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    with serving(env={"PORT": str(port)}) as process:
        wait_until_up(root, process)
        reply = httpx.post(root + "/v1/chat/completions", json=ECHO, timeout=5).json()
        assert reply["choices"][0]["message"]["content"] == "it works"
        streamed = httpx.post(root + "/chat/completions", json={**ECHO, "stream": True}, timeout=5)
        assert streamed.content.endswith(b"data: [DONE]\n\n")
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert "Traceback" not in output
    assert f"{root}/v1" in output  # OpenAI SDK / BYO `…/v1` style
    assert f"{root}/v1/chat/completions" in output  # BYO full endpoint style
    assert f"{root}/v1beta/openai" in output  # Gemini's OpenAI-compatible route
    for dialect in ("OpenAI", "Azure", "Gemini", "Groq"):
        assert dialect in output
    assert f"dashboard        {root}/  (open it in a browser" in output
    assert f"metrics          {root}/metrics" in output


def test_serve_flags_beat_env_and_api_key_is_enforced() -> None:
    port = free_port()
    root = f"http://127.0.0.1:{port}"
    env = {"PORT": "1", "FAKELLM_PORT": "2"}  # the flag must win over both
    with serving("--port", str(port), "--api-key", "sk-right", env=env) as process:
        wait_until_up(root, process)
        refused = httpx.post(root + "/v1/chat/completions", json=ECHO, headers={"authorization": "Bearer sk-wrong"})
        accepted = httpx.post(root + "/v1/chat/completions", json=ECHO, headers={"authorization": "Bearer sk-right"})
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=15)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "invalid_api_key"
    assert accepted.status_code == 200


def test_serve_refuses_a_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_cli("serve", "--port", str(taken.getsockname()[1]))
    assert result.returncode != 0
    assert "address already in use" in result.stderr.lower()
    assert "listening" not in result.stdout  # no URLs are shown for a server that is not there
    assert "Traceback" not in result.stderr


def parse(*argv: str) -> object:
    return config_from_args(build_parser().parse_args(["serve", *argv]))


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("PORT", "FAKELLM_PORT", "FAKELLM_HOST"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_without_env(clean_env: pytest.MonkeyPatch) -> None:
    config = config_from_args(build_parser().parse_args(["serve"]))
    assert (config.host, config.port) == ("127.0.0.1", DEFAULT_PORT)
    assert config.api_keys == ()
    assert config.max_body == 16 * 1024 * 1024


def test_port_env_is_honoured_and_fakellm_port_wins(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("PORT", "3000")
    assert config_from_args(build_parser().parse_args(["serve"])).port == 3000
    clean_env.setenv("FAKELLM_PORT", "4000")
    assert config_from_args(build_parser().parse_args(["serve"])).port == 4000


def test_host_env_and_flags(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("FAKELLM_HOST", "0.0.0.0")
    config = config_from_args(
        build_parser().parse_args(
            ["serve", "--port", "9", "--api-key", "a", "--api-key", "b", "--seed", "7", "--max-body", "10"]
        )
    )
    assert (config.host, config.port, config.api_keys, config.seed, config.max_body) == (
        "0.0.0.0",
        9,
        ("a", "b"),
        7,
        10,
    )


def test_journal_max_bytes_flag(clean_env: pytest.MonkeyPatch) -> None:
    config = config_from_args(build_parser().parse_args(["serve", "--journal-max-bytes", "4096"]))
    assert config.journal_max_bytes == 4096


def test_replay_speed_flag(clean_env: pytest.MonkeyPatch) -> None:
    assert config_from_args(build_parser().parse_args(["serve", "--replay-speed", "0"])).replay_speed == 0
    assert config_from_args(build_parser().parse_args(["serve", "--replay-speed", "2.5"])).replay_speed == 2.5


def test_strict_models_flag(clean_env: pytest.MonkeyPatch) -> None:
    assert config_from_args(build_parser().parse_args(["serve"])).strict_models is False
    assert config_from_args(build_parser().parse_args(["serve", "--strict-models"])).strict_models is True


def test_check_speaks_each_dialect() -> None:
    args = build_parser().parse_args(["check", "http://x/v1beta", "--dialect", "gemini"])
    assert args.dialect == "gemini"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["check", "http://x", "--dialect", "claude"])


def test_record_refuses_bad_options_without_a_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = str(tmp_path / "r.yaml")
    unknown = run_cli("record", "--upstream", "claude=https://x", "--out", out, "--name", "r")
    assert unknown.returncode == 2
    assert "unknown dialect 'claude'" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    none = run_cli("record", "--out", out, "--name", "r")
    assert none.returncode == 2
    assert "give at least one --upstream" in none.stderr
    bad_name = run_cli("record", "--upstream", "openai=http://127.0.0.1:9", "--out", out, "--name", "a b")
    assert "--name must be" in bad_name.stderr
def test_no_metrics_flag(clean_env: pytest.MonkeyPatch) -> None:
    assert config_from_args(build_parser().parse_args(["serve"])).metrics is True
    assert config_from_args(build_parser().parse_args(["serve", "--no-metrics"])).metrics is False


def test_defaults_come_from_the_server_config(clean_env: pytest.MonkeyPatch) -> None:
    # Flags left out fall back to ServerConfig's own defaults, not to copies kept in the CLI.
    assert config_from_args(build_parser().parse_args(["serve"])) == ServerConfig()


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--ttft-ms", "-5"], "--ttft-ms"),
        (["--tokens-per-second", "0"], "--tokens-per-second"),
        (["--port", "70000"], "--port"),
        (["--journal-size", "0"], "--journal-size"),
        (["--journal-max-bytes", "0"], "--journal-max-bytes"),
        (["--max-body", "-1"], "--max-body"),
        (["--replay-speed", "-1"], "--replay-speed"),
    ],
)
def test_a_bad_value_exits_naming_the_flag(clean_env: pytest.MonkeyPatch, argv: list[str], flag: str) -> None:
    with pytest.raises(SystemExit, match=f"^fakellm serve: {flag} "):
        config_from_args(build_parser().parse_args(["serve", *argv]))


def test_a_bad_value_is_reported_without_a_traceback() -> None:
    result = run_cli("serve", "--ttft-ms", "-1")
    assert result.returncode == 1
    assert result.stderr.strip() == "fakellm serve: --ttft-ms must be 0 or more, got -1.0"


def test_flags_for_running_in_public(clean_env: pytest.MonkeyPatch) -> None:
    argv = ["serve", "--allowed-host", "fake.example.com", "--allowed-host", "*.example.org"]
    argv += ["--header-timeout", "2", "--body-timeout", "3.5", "--keep-alive-timeout", "1", "--max-connections", "64"]
    config = config_from_args(build_parser().parse_args(argv))
    assert config.allowed_hosts == ("fake.example.com", "*.example.org")
    assert (config.header_timeout, config.body_timeout, config.keep_alive_timeout) == (2, 3.5, 1)
    assert config.max_connections == 64


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["--header-timeout", "0"], "--header-timeout"),
        (["--body-timeout", "-1"], "--body-timeout"),
        (["--keep-alive-timeout", "0"], "--keep-alive-timeout"),
        (["--max-connections", "0"], "--max-connections"),
        (["--allowed-host", "a*.example.com"], "--allowed-host"),
    ],
)
def test_a_bad_public_setting_exits_naming_the_flag(clean_env: pytest.MonkeyPatch, argv: list[str], flag: str) -> None:
    with pytest.raises(SystemExit, match=f"^fakellm serve: {flag} "):
        config_from_args(build_parser().parse_args(["serve", *argv]))


def test_serve_drops_a_silent_connection_after_the_header_timeout() -> None:
    port = free_port()
    argv = [sys.executable, "-m", "fakellm", "serve", "--port", str(port), "--header-timeout", "0.3"]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        try:
            wait_until_up(f"http://127.0.0.1:{port}", process)
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                start = time.monotonic()
                assert sock.recv(1) == b""  # closed by the server, well before our own timeout
                assert time.monotonic() - start < 3
            wrong = httpx.get(f"http://127.0.0.1:{port}/_fakellm/requests", headers={"Host": "rebound.evil.example"})
            assert wrong.status_code == 421
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)


def test_150_idle_connections_under_ulimit_128_do_not_starve_real_requests() -> None:
    """The issue's case: with `ulimit -n 128`, 150 connections that send nothing used to make real
    requests fail; the cap (fitted under the limit) makes room by closing the longest-idle one."""
    resource = pytest.importorskip("resource")
    port = free_port()

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))

    argv = [sys.executable, "-m", "fakellm", "serve", "--port", str(port)]
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=low_limit
    ) as process:
        idle: list[socket.socket] = []
        try:
            wait_until_up(f"http://127.0.0.1:{port}", process)
            for _ in range(150):
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            time.sleep(0.2)
            for _ in range(3):
                reply = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=ECHO, timeout=5)
                assert reply.status_code == 200
        finally:
            for sock in idle:
                sock.close()
            process.send_signal(signal.SIGINT)
            process.wait(timeout=10)
