"""The public namespace: a curated set of names, pinned, and cheap to import."""

from __future__ import annotations

import subprocess
import sys

import fakellm

PUBLIC = [
    "ChatRequest",
    "FakeLLM",
    "FakeLLMSurpriseError",
    "JournalEntry",
    "Message",
    "Outcome",
    "Reply",
    "RequestContext",
    "Requests",
    "Rule",
    "Scenario",
    "ToolCall",
    "__version__",
]


def test_all_is_pinned():
    # Adding or removing a public name is an API change: update this list on purpose.
    assert sorted(fakellm.__all__) == PUBLIC


def test_every_public_name_resolves_to_its_own_name():
    for name in fakellm.__all__:
        value = getattr(fakellm, name)
        assert value is not None
        if name != "__version__":
            assert value.__name__ == name, f"fakellm.{name} is {value!r}"


def test_dir_lists_the_public_names():
    assert dir(fakellm) == sorted(PUBLIC)


def test_unknown_attribute_is_an_attribute_error():
    assert not hasattr(fakellm, "NoSuchThing")


def test_a_python_scenario_can_be_written_with_public_names_only():
    from fakellm import ChatRequest, Outcome, Reply, RequestContext, Scenario

    class Constant:
        name = "constant"
        description = "always the same"

        def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
            return Outcome([Reply(text="same")])

        def model_ids(self) -> list[str]:
            return []

        def reset(self) -> None:
            return None

    scenario: Scenario = Constant()
    with fakellm.FakeLLM(scenario, builtin=False, default_scenario="constant") as llm:
        import httpx

        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
        reply = httpx.post(llm.url + "/v1/chat/completions", json=body).json()
    assert reply["choices"][0]["message"]["content"] == "same"


def test_importing_the_package_does_not_load_the_server():
    # pytest imports fakellm for the plugin in every session, so it must stay light.
    code = (
        "import sys, fakellm, fakellm.testing.plugin; "
        "print('uvicorn' in sys.modules, 'fakellm.server.app' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
