"""FakeLLM: lifecycle (sync and async), URLs, live changes, reset, strict mode and surprises."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from fakellm.testing.harness import FakeLLM, FakeLLMSurpriseError
from tests.support.doubles import BrokenScenario, FixedScenario


def _chat(url: str, text: str = "hi", **headers: str) -> httpx.Response:
    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
    return httpx.post(f"{url}/chat/completions", json=body, headers=headers)


def test_with_block_serves_and_stops_on_exit():
    with FakeLLM() as llm:
        url = llm.openai_base_url
        assert _chat(url, "ping").json()["choices"][0]["message"]["content"] == "ping"
    assert not llm.running
    with pytest.raises(httpx.ConnectError):
        _chat(url)


def test_async_with_serves_and_stops_on_exit():
    async def main() -> tuple[str, bool]:
        async with FakeLLM() as llm, httpx.AsyncClient() as client:
            body = {"model": "m", "messages": [{"role": "user", "content": "async hi"}]}
            reply = await client.post(f"{llm.openai_base_url}/chat/completions", json=body)
        return reply.json()["choices"][0]["message"]["content"], llm.running

    assert asyncio.run(main()) == ("async hi", False)


def test_url_is_unusable_before_start():
    with pytest.raises(RuntimeError, match="not running"):
        _ = FakeLLM().url


def test_base_urls_follow_each_sdk_convention():
    with FakeLLM() as llm:
        assert llm.openai_base_url == f"{llm.url}/v1"
        assert llm.azure_endpoint == llm.gemini_base_url == llm.groq_base_url == llm.url
        assert llm.base_urls("slow")["openai"] == f"{llm.url}/s/slow/v1"


def test_scenario_url_prefix_picks_a_python_scenario():
    with FakeLLM(scenarios=[FixedScenario("canned", "canned answer")]) as llm:
        reply = _chat(llm.base_urls("canned")["openai"])
        assert reply.json()["choices"][0]["message"]["content"] == "canned answer"
        assert llm.requests.last.scenario == "canned"


def test_scenarios_can_be_added_and_made_default_while_running():
    with FakeLLM() as llm:
        llm.add_scenario(FixedScenario("canned", "from python"))
        llm.default_scenario = "canned"
        assert _chat(llm.openai_base_url).json()["choices"][0]["message"]["content"] == "from python"


def test_unknown_default_scenario_is_refused_with_the_loaded_names():
    with FakeLLM() as llm, pytest.raises(ValueError, match="echo"):
        llm.default_scenario = "nope"


def test_reset_restores_scenarios_default_keys_and_empties_the_journal():
    canned = FixedScenario("canned", "x")
    with FakeLLM() as llm:
        llm.add_scenario(canned)
        llm.default_scenario = "canned"
        llm.set_api_keys("sk-only-this")
        llm.strict = True
        _chat(llm.openai_base_url, authorization="Bearer sk-only-this")
        assert canned.calls == 1
        llm.reset()
        assert "canned" not in llm.scenarios
        assert llm.default_scenario == "echo"
        assert llm.strict is False
        assert len(llm.requests) == 0
        assert _chat(llm.openai_base_url, "open again").status_code == 200
    assert canned.calls == 1


def test_reset_resets_per_run_scenario_state():
    canned = FixedScenario("canned", "x")
    with FakeLLM(scenarios=[canned]) as llm:
        _chat(llm.base_urls("canned")["openai"])
        llm.reset()
    assert canned.calls == 0


def test_api_key_is_required_when_set_and_offered_to_clients():
    with FakeLLM(api_key="sk-test-123456789") as llm:
        assert llm.api_key == "sk-test-123456789"
        assert _chat(llm.openai_base_url, authorization="Bearer wrong-key-000").status_code == 401
        assert _chat(llm.openai_base_url, authorization=f"Bearer {llm.api_key}").status_code == 200


def test_env_points_every_sdk_at_the_server():
    with FakeLLM() as llm:
        env = llm.env()
        assert env["OPENAI_BASE_URL"] == llm.openai_base_url
        assert env["AZURE_OPENAI_ENDPOINT"] == env["GOOGLE_GEMINI_BASE_URL"] == env["GROQ_BASE_URL"] == llm.url
        assert env["ANTHROPIC_BASE_URL"] == llm.anthropic_base_url == llm.url  # the SDK adds /v1/messages
    assert env["OPENAI_API_KEY"] == env["GROQ_API_KEY"] == env["GEMINI_API_KEY"] == env["ANTHROPIC_API_KEY"]
    assert env["OPENAI_API_VERSION"]


def test_strict_mode_refuses_and_reports_a_request_no_rule_matched():
    with FakeLLM(scenarios=[FixedScenario("loose", "fallback", rule=None)], strict=True) as llm:
        reply = _chat(llm.base_urls("loose")["openai"], "unexpected question")
        assert reply.status_code == 400
        assert "no rule" in reply.json()["error"]["message"]
        with pytest.raises(FakeLLMSurpriseError, match="unexpected question"):
            llm.check()
        llm.check()  # reported once, then forgotten


def test_without_strict_mode_the_fallback_answers_quietly():
    with FakeLLM(scenarios=[FixedScenario("loose", "fallback", rule=None)]) as llm:
        reply = _chat(llm.base_urls("loose")["openai"])
        assert reply.json()["choices"][0]["message"]["content"] == "fallback"
        llm.check()


def test_an_exception_inside_the_server_fails_the_with_block():
    llm = FakeLLM(scenarios=[BrokenScenario()])
    with pytest.raises(FakeLLMSurpriseError, match="ZeroDivisionError: scenario bug"), llm:
        assert _chat(llm.base_urls("broken")["openai"]).status_code == 500
    assert not llm.running


def test_assert_called_counts_and_explains_failures():
    with FakeLLM() as llm:
        _chat(llm.openai_base_url, "one")
        llm.assert_called(times=1, scenario="echo")
        llm.assert_not_called(status=404)
        with pytest.raises(AssertionError, match=r"expected 2 request\(s\).*got 1:\n.*'one'"):
            llm.assert_called(times=2)


def test_last_fails_clearly_when_nothing_was_sent():
    with FakeLLM() as llm, pytest.raises(AssertionError, match="no requests"):
        _ = llm.requests.last


def test_requests_wait_for_a_request_made_in_the_background():
    with FakeLLM() as llm:
        threading.Timer(0.05, _chat, [llm.openai_base_url, "later"]).start()
        assert llm.requests.wait(count=1, timeout=5).last.user_text == "later"
        with pytest.raises(AssertionError, match="waited"):
            llm.requests.wait(count=2, timeout=0.05)


def test_filtered_view_sees_later_requests():
    with FakeLLM() as llm:
        echoes = llm.requests.filter(scenario="echo")
        assert len(echoes) == 0
        _chat(llm.openai_base_url)
        assert len(echoes) == 1


def test_add_rule_answers_matching_requests_and_leaves_the_rest_to_the_scenario():
    with FakeLLM() as llm:
        llm.add_rule(user="weather", reply="Sunny", name="weather")
        assert _chat(llm.openai_base_url, "what weather?").json()["choices"][0]["message"]["content"] == "Sunny"
        assert llm.requests.last.rule == "weather"
        assert _chat(llm.openai_base_url, "hello").json()["choices"][0]["message"]["content"] == "hello"
        assert llm.requests.last.rule == "echo"
        llm.reset()
        assert _chat(llm.openai_base_url, "weather").json()["choices"][0]["message"]["content"] == "weather"


def test_adding_a_rule_does_not_restart_the_sequence_of_an_earlier_one():
    with FakeLLM() as llm:
        llm.add_rule(user="next", replies=["one", "two", "three"])
        assert _chat(llm.openai_base_url, "next").json()["choices"][0]["message"]["content"] == "one"
        llm.add_rule(user="other", reply="other")
        assert _chat(llm.openai_base_url, "next").json()["choices"][0]["message"]["content"] == "two"


def test_add_rule_injects_faults():
    with FakeLLM() as llm:
        llm.add_rule(reply="x", error={"status": 503})
        assert _chat(llm.openai_base_url).status_code == 503
        assert llm.requests.last.ended == "fault"


def test_add_rule_with_an_unknown_field_names_it():
    with FakeLLM() as llm, pytest.raises(ValueError, match="replly"):
        llm.add_rule(replly="typo")


def test_add_rule_to_a_new_scenario_creates_it():
    with FakeLLM() as llm:
        llm.add_rule(reply="made in python", scenario="custom")
        reply = _chat(llm.base_urls("custom")["openai"])
        assert reply.json()["choices"][0]["message"]["content"] == "made in python"


def test_scenarios_given_as_dicts_and_files(tmp_path):
    path = tmp_path / "filed.yaml"
    path.write_text("name: filed\nrules:\n  - reply: from a file\n")
    as_dict = {"name": "dicted", "rules": [{"match": {"user": "hi"}, "reply": "from a dict"}]}
    with FakeLLM(scenarios=[as_dict, path], builtin=False) as llm:
        assert _chat(llm.base_urls("dicted")["openai"]).json()["choices"][0]["message"]["content"] == "from a dict"
        assert _chat(llm.base_urls("filed")["openai"]).json()["choices"][0]["message"]["content"] == "from a file"
        assert "slow" not in llm.scenarios


def test_invalid_dict_scenario_is_refused_before_start():
    with pytest.raises(ValueError, match="needs a `name`"):
        FakeLLM(scenarios=[{"rules": [{"reply": "x"}]}])


def test_strict_mode_flags_a_file_scenario_whose_rules_do_not_match():
    scenario = {"name": "narrow", "rules": [{"match": {"user": "only this"}, "reply": "ok"}]}
    with FakeLLM(scenarios=[scenario], default_scenario="narrow", strict=True) as llm:
        assert _chat(llm.openai_base_url, "only this").status_code == 200
        assert _chat(llm.openai_base_url, "something else").status_code == 400
        with pytest.raises(FakeLLMSurpriseError, match="something else"):
            llm.check()


def test_the_harness_changes_the_server_only_through_its_control_api():
    # `FakeLLMApp`'s control API (scenarios, default, keys, snapshot/restore, reset, server errors) is
    # the only way in: no reaching through to the pipeline, the library, auth or the fault stage.
    import ast
    from pathlib import Path

    import fakellm.testing

    internals = {"pipeline", "library", "auth", "faults", "router", "admin"}
    found = []
    for path in Path(fakellm.testing.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in internals:
                found.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert found == []


def test_reset_after_live_changes_matches_a_fresh_start():
    with FakeLLM(api_key="sk-first-key-0001") as llm:
        fresh = (llm.scenarios, llm.default_scenario, llm.api_key, llm.strict)
        llm.add_rule(reply="x", scenario="added")
        llm.default_scenario = "added"
        llm.set_api_keys(["sk-second-key-02"])
        llm.remove_scenario("echo")
        llm.strict = True
        llm.reset()
        assert (llm.scenarios, llm.default_scenario, llm.api_key, llm.strict) == fresh
