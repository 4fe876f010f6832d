"""The deployment files: the Dockerfile's and `.replit`'s commands start a server that answers.

Docker cannot run here, so the Dockerfile is checked for its contract (slim base,
non-root user, `pip install .`, `$PORT`) and its command is run directly.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
ECHO = {"model": "m", "messages": [{"role": "user", "content": "Repeat with me: deployed"}]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def as_module(argv: list[str]) -> list[str]:
    """`fakellm …` or `python -m fakellm …` run with this interpreter and this checkout."""
    if argv[0] == "fakellm":
        return [sys.executable, "-m", "fakellm", *argv[1:]]
    assert argv[:3] == ["python", "-m", "fakellm"], argv
    return [sys.executable, *argv[1:]]


def serves(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Runs `argv`, checks that it answers an echo on $PORT, then stops it with Ctrl-C."""
    port = int(env["PORT"])
    process = subprocess.Popen(
        argv,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                reply = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=ECHO, timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert reply.json()["choices"][0]["message"]["content"] == "deployed"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15)
        return process.returncode, output
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text()


def test_dockerfile_uses_slim_python_and_installs_the_package() -> None:
    text = dockerfile()
    assert re.search(r"^FROM python:3\.12-slim$", text, re.MULTILINE)
    assert re.search(r"^RUN pip install \.", text, re.MULTILINE)
    for needed in ("pyproject.toml", "fakellm", "scenarios"):
        assert re.search(rf"^COPY .*\b{needed}\b", text, re.MULTILINE), needed


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = re.findall(r"^USER (\S+)$", dockerfile(), re.MULTILINE)
    assert users
    assert users[-1] not in ("root", "0")


def test_dockerfile_command_binds_all_interfaces_and_honours_port() -> None:
    cmd = re.findall(r"^CMD (.+)$", dockerfile(), re.MULTILINE)[-1]
    argv = json.loads(cmd)  # exec form: Ctrl-C / `docker stop` reach fakellm itself
    assert argv[:2] == ["fakellm", "serve"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert "--port" not in argv  # the port comes from $PORT
    code, output = serves(as_module(argv), {"PORT": str(free_port())})
    assert code == 0
    assert "Traceback" not in output


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for name in (".git", ".venv", "tests"):
        assert name in ignored


def replit() -> dict[str, object]:
    with (ROOT / ".replit").open("rb") as file:
        return tomllib.load(file)


def serve_command(run: object) -> list[str]:
    """The server command at the end of a `.replit` run entry (after any install step)."""
    assert isinstance(run, list)
    assert run[:2] == ["sh", "-c"]
    script = run[2]
    assert isinstance(script, str)
    last = script.split("&&")[-1].strip()
    return shlex.split(last.removeprefix("exec "))


def test_replit_run_starts_the_server_on_replits_port() -> None:
    config = replit()
    argv = serve_command(config["run"])
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    env = config["env"]
    ports = config["ports"]
    assert isinstance(env, dict)
    assert isinstance(ports, list)
    assert int(env["PORT"]) == ports[0]["localPort"]
    assert ports[0]["externalPort"] == 80
    code, output = serves(as_module(argv), {"PORT": str(free_port())})
    assert code == 0
    assert "Traceback" not in output


def test_replit_deployment_runs_the_same_server() -> None:
    deployment = replit()["deployment"]
    assert isinstance(deployment, dict)
    assert serve_command(deployment["run"]) == serve_command(replit()["run"])


def test_replit_nix_provides_python() -> None:
    assert "pkgs.python311" in (ROOT / "replit.nix").read_text()


def test_ci_script_is_strict_and_runs_the_readme_test_command() -> None:
    script = ROOT / ".ci" / "run"
    assert os.access(script, os.X_OK)
    lines = script.read_text().splitlines()
    assert "set -euo pipefail" in lines
    for command in ("pip install --quiet -e '.[test]'", "python -m pytest", "ruff check fakellm tests bench", "mypy"):
        assert command in lines, command
