"""The README's other Python snippets run as shown, against a real server, and print what they say.

Each block is run with its `http://127.0.0.1:8000` pointed at a fresh fakellm on a free port.
The "Testing with fakellm" examples are pytest files and are run by `test_readme_examples.py`; the
cassette example and the `fakellm record` command of "Record once, replay forever", by `test_readme_record.py`.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

README = Path(__file__).resolve().parents[2] / "README.md"
ROOT_URL = "http://127.0.0.1:8000"

# What each snippet must print, keyed by a line that identifies it.
EXPECTED = {
    'model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello, fake!"}]': ["Hello, fake!"],
    "AzureOpenAI(": ["gpt-4o-2024-11-20 hello Azure", "<prompt filter chunk>"],
    "genai.Client(": ["hello Gemini", "hello there"],
    "Groq(": ["reasoning: ", "answer: "],
    "anthropic.Anthropic(": ["hello Claude end_turn", "['thinking', 'text']", "MessageTokensCount(input_tokens="],
    "s/flaky/v1": ["ok\n503\nok\n503"],
    "s/stall/v1": ["the stream stalled"],
    "with FakeLLM(": ["hi"],
    "client.embeddings.create(": ["1536 1.0\nTrue"],
    "top_logprobs=2": ["gpt-4o", "'hello' ['hello', 'Hello']", "' there' [' there', ' There']"],
    # "Using fakellm with your framework"
    "OpenAIChatModel(": ["CityInfo(city="],
    "GroqModel(": ["GroqModel Verdict(ok=", "GoogleModel Verdict(ok="],
    "set_default_openai_client(": ["Forecast(city="],
    "with_structured_output(": ["Person(name=", "\nPerson(name="],
    "client.responses.create(": [
        "completed hello Responses",
        "and again",
        "response.created response.completed reasoning",
    ],
    "Recorder(Upstreams(": ["Good morning!"],
    "text_string_to_metric_families(": [
        "{'dialect': 'openai', 'ended': 'completed', 'scenario': 'echo', 'status': '200'} 1.0"
    ],
}


def snippets() -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Testing with fakellm")
    end = text.index("\n## ", start + 1)
    outside = text[:start] + text[end:]
    # Pytest files outside that section (the cassette example) are run by their own section's test.
    blocks = [b for b in re.findall(r"```python\n(.*?)```", outside, re.DOTALL) if "def test_" not in b]
    inside = re.findall(r"```python\n(.*?)```", text[start:end], re.DOTALL)
    return blocks + [b for b in inside if "def test_" not in b]


def key_of(block: str) -> str:
    matches = [key for key in EXPECTED if key in block]
    assert len(matches) == 1, f"give this README snippet one entry in EXPECTED:\n{block}"
    return matches[0]


def test_every_snippet_has_an_expectation():
    keys = [key_of(block) for block in snippets()]
    assert sorted(keys) == sorted(EXPECTED)


@pytest.mark.parametrize("block", snippets(), ids=key_of)
def test_snippet_runs_and_prints_what_the_readme_says(block: str):
    server = ServerThread(FakeLLMApp(ServerConfig())).start()
    try:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block.replace(ROOT_URL, server.url), "README.md", "exec"), {"__name__": "readme"})
    finally:
        server.stop()
    for expected in EXPECTED[key_of(block)]:
        assert expected in out.getvalue(), out.getvalue()
