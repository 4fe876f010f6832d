"""Cassettes with pytester: `new` records through the proxy, `none` replays offline, an unrecorded call
in `none` fails naming the request, and a missing cassette says how to record it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openai  # noqa: F401  (imported once here so in-process runs do not re-import it each time)
import pytest
import yaml

from fakellm.testing.harness import FakeLLM
from tests.support.inner_pytest import run

pytest_plugins = ["pytester"]
KEY = "sk-inner-secret-0123456789"

TEST_FILE = f"""
import pytest
from openai import OpenAI

def ask(fakellm, text):
    client = OpenAI(base_url=fakellm.openai_base_url, api_key="{KEY}", max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": text}}])
    return reply.choices[0].message.content

@pytest.mark.fakellm(cassette=True)
def test_greeting(fakellm):
    assert ask(fakellm, "Hello") == "You said: Hello. Nothing more."
    assert ask(fakellm, "Hello") == "You said: Hello. Nothing more."
"""

UNRECORDED = (
    TEST_FILE
    + """
@pytest.mark.fakellm(cassette="cassettes/test_flow/test_greeting.yaml")
def test_more(fakellm):
    assert ask(fakellm, "Hello") == "You said: Hello. Nothing more."
    ask(fakellm, "Goodbye")
"""
)


@pytest.fixture
def provider() -> Iterator[FakeLLM]:
    scenario = {"name": "provider", "rules": [{"reply": {"template": "You said: {{ user }}. Nothing more."}}]}
    with FakeLLM([scenario], default_scenario="provider", builtin=False) as llm:
        yield llm


def test_new_records_none_replays_and_an_unrecorded_call_fails_naming_it(
    pytester: pytest.Pytester, provider: FakeLLM
) -> None:
    pytester.makepyfile(test_flow=TEST_FILE)
    cassette = Path(pytester.path) / "cassettes" / "test_flow" / "test_greeting.yaml"

    recorded = run(pytester, "--fakellm-record=new", f"--fakellm-upstream=openai={provider.url}")
    recorded.assert_outcomes(passed=1)
    assert len(provider.requests) == 2
    text = cassette.read_text(encoding="utf-8")
    assert KEY not in text
    assert [r["replies"][0]["text"] for r in yaml.safe_load(text)["rules"]] == ["You said: Hello. Nothing more."] * 2

    provider.stop()  # from here on, offline
    run(pytester).assert_outcomes(passed=1)

    pytester.makepyfile(test_flow=UNRECORDED)
    result = run(pytester, "-k", "test_more")
    result.assert_outcomes(failed=1, deselected=1)
    output = result.stdout.str()
    assert "no recorded answer for this openai request" in output
    assert "last user message 'Goodbye'" in output
    assert "The closest recorded request is 1: openai gpt-4o-mini" in output


def test_none_without_a_cassette_fails_saying_how_to_record_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_flow=TEST_FILE)
    result = run(pytester)
    result.assert_outcomes(errors=1)  # at setup: the test never ran
    assert "no cassette at" in result.stdout.str()
    assert "--fakellm-record=new" in result.stdout.str()


def test_recording_without_upstreams_is_a_usage_error(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI", "GEMINI", "GROQ", "AZURE", "GEMINI_OPENAI"):
        monkeypatch.delenv(f"FAKELLM_UPSTREAM_{name}", raising=False)
    pytester.makepyfile(test_flow=TEST_FILE)
    result = run(pytester, "--fakellm-record=all")
    assert "give --fakellm-upstream DIALECT=URL" in result.stdout.str() + result.stderr.str()


GROWN = TEST_FILE + '    assert ask(fakellm, "Goodbye") == "You said: Goodbye. Nothing more."\n'


def test_new_with_a_cassette_replays_what_it_has_and_records_only_the_missing_call(
    pytester: pytest.Pytester, provider: FakeLLM
) -> None:
    assert GROWN != TEST_FILE
    pytester.makepyfile(test_flow=TEST_FILE)
    cassette = Path(pytester.path) / "cassettes" / "test_flow" / "test_greeting.yaml"
    upstream = f"--fakellm-upstream=openai={provider.url}"
    run(pytester, "--fakellm-record=new", upstream).assert_outcomes(passed=1)
    assert len(provider.requests) == 2

    pytester.makepyfile(test_flow=GROWN)  # the test now makes one call more
    run(pytester, "--fakellm-record=new", upstream).assert_outcomes(passed=1)
    assert [e.text for e in provider.requests] == ["You said: Hello. Nothing more."] * 2 + [
        "You said: Goodbye. Nothing more."
    ]  # only the missing call reached the provider
    rules = yaml.safe_load(cassette.read_text(encoding="utf-8"))["rules"]
    assert [r["replies"][0]["text"] for r in rules][-1] == "You said: Goodbye. Nothing more."
    assert len(rules) == 3

    provider.stop()
    run(pytester).assert_outcomes(passed=1)  # offline, all three from the cassette
