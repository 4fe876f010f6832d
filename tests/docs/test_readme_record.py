"""The README's "Record once, replay forever" section, run as a user would: its `fakellm record` command
line against a stand-in provider, then the recording replayed by `fakellm serve`'s own settings; and its
cassette example recorded with `--fakellm-record=new` and replayed offline."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openai  # noqa: F401  (imported once here so in-process runs do not re-import it each time)
import pytest
from openai import OpenAI

from fakellm.testing.harness import FakeLLM
from tests.support.inner_pytest import run

pytest_plugins = ["pytester"]
README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = "## Record once, replay forever"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(SECTION)
    return text[start : text.index("\n## ", start + len(SECTION))]


def command(name: str) -> list[str]:
    """The README's `fakellm <name> …` command line (continuations joined, comment dropped)."""
    bash = "\n".join(re.findall(r"```bash\n(.*?)```", section(), re.DOTALL)).replace("\\\n", " ")
    line = next(line for line in bash.splitlines() if line.strip().startswith(f"fakellm {name} "))
    return shlex.split(line.split("#")[0])


@pytest.fixture
def provider() -> Iterator[FakeLLM]:
    scenario = {"name": "provider", "rules": [{"reply": {"template": "Hello from the provider: {{ user }}"}}]}
    with FakeLLM([scenario], default_scenario="provider", builtin=False) as llm:
        yield llm


def _wait_for_port(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        found = re.search(r"listening on (http://\S+),", line)
        if found:
            return found.group(1)
    raise AssertionError("fakellm record did not start")


def test_the_record_command_records_and_the_file_replays(tmp_path: Path, provider: FakeLLM) -> None:
    args = command("record")
    assert args[:2] == ["fakellm", "record"]
    args = [a.replace("https://api.openai.com", provider.url) for a in args]
    args = [a.replace("https://generativelanguage.googleapis.com", provider.url) for a in args] + ["--port", "0"]
    out = tmp_path / args[args.index("--out") + 1]
    args[args.index("--out") + 1] = str(out)
    name = args[args.index("--name") + 1]
    env = {**os.environ, "PYTHONPATH": str(README.parent)}
    process = subprocess.Popen(
        [sys.executable, "-m", "fakellm", *args[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        root = _wait_for_port(process)
        client = OpenAI(base_url=root + "/v1", api_key="sk-readme-key-1234567", max_retries=0)
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi!"}])
        assert reply.choices[0].message.content == "Hello from the provider: Hi!"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    assert "1 exchange(s) recorded" in output
    assert "sk-readme-key" not in out.read_text(encoding="utf-8")
    serve = command("serve")
    assert serve[serve.index("--default-scenario") + 1] == name
    provider.stop()
    with FakeLLM([out], default_scenario=name) as replay:
        client = OpenAI(base_url=replay.openai_base_url, api_key="x", max_retries=0)
        again = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi!"}])
    assert again.choices[0].message.content == "Hello from the provider: Hi!"


def test_the_cassette_example_records_then_replays_offline(pytester: pytest.Pytester, provider: FakeLLM) -> None:
    (example,) = [b for b in re.findall(r"```python\n(.*?)```", section(), re.DOTALL) if "def test_" in b]
    pytester.makepyfile(test_greeter=example)
    recorded = run(pytester, "--fakellm-record=new", f"--fakellm-upstream=openai={provider.url}")
    recorded.assert_outcomes(passed=1)
    assert (Path(pytester.path) / "cassettes" / "test_greeter" / "test_the_assistant_greets.yaml").is_file()
    provider.stop()
    run(pytester).assert_outcomes(passed=1)
