"""The pytest plugin, run in isolation with pytester: fixture, marker, env option, strict mode, surprises."""

from __future__ import annotations

import httpx  # noqa: F401  (imported once here so in-process runs do not re-import them each time)
import openai  # noqa: F401
import pytest

import fakellm.testing.harness  # noqa: F401
from tests.support.inner_pytest import run

pytest_plugins = ["pytester"]


CHAT = """
import httpx

def chat(llm, text="hi", scenario=None):
    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
    return httpx.post(llm.base_urls(scenario)["openai"] + "/chat/completions", json=body)
"""

SCENARIO = """
from fakellm.model import Reply
from fakellm.scenarios import Outcome

class Canned:
    def __init__(self, name, text, rule="canned"):
        self.name, self.description, self.text, self.rule = name, "canned", text, rule

    def respond(self, request, ctx):
        return Outcome([Reply(text=self.text)], rule=self.rule)

    def model_ids(self):
        return []

    def reset(self):
        pass
"""


class Suite:
    """pytester with the helpers module written and the unneeded plugins switched off."""

    def __init__(self, pytester: pytest.Pytester) -> None:
        self.pytester = pytester
        pytester.makepyfile(helpers=CHAT + SCENARIO)

    def makepyfile(self, *args: str, **kwargs: str) -> None:
        self.pytester.makepyfile(*args, **kwargs)

    def makeini(self, source: str) -> None:
        self.pytester.makeini(source)

    def runpytest(self, *args: str) -> pytest.RunResult:
        return run(self.pytester, *args)


@pytest.fixture
def suite(pytester: pytest.Pytester) -> Suite:
    return Suite(pytester)


def test_fixture_serves_and_journal_is_fresh_in_each_test(suite):
    suite.makepyfile(
        """
        from helpers import chat

        def test_one(fakellm):
            assert chat(fakellm, "first").json()["choices"][0]["message"]["content"] == "first"
            assert fakellm.requests.user_texts == ["first"]

        def test_two(fakellm):
            chat(fakellm, "second")
            fakellm.assert_called(times=1)
            assert fakellm.requests.last.user_text == "second"
        """
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_session_server_is_shared_between_tests(suite):
    suite.makepyfile(
        """
        urls = []

        def test_one(fakellm):
            urls.append(fakellm.url)

        def test_two(fakellm):
            assert urls == [fakellm.url]
        """
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_marker_loads_a_scenario_and_makes_it_the_default_for_one_test(suite):
    suite.makepyfile(
        """
        import pytest
        from helpers import Canned, chat

        @pytest.mark.fakellm(scenarios=[Canned("canned", "from the marker")], scenario="canned")
        def test_marked(fakellm):
            assert chat(fakellm).json()["choices"][0]["message"]["content"] == "from the marker"
            assert fakellm.requests.last.scenario == "canned"

        def test_unmarked_gets_the_default_back(fakellm):
            assert "canned" not in fakellm.scenarios
            assert chat(fakellm, "echoed").json()["choices"][0]["message"]["content"] == "echoed"
        """
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_marker_on_a_class_applies_to_its_tests_and_the_test_marker_wins(suite):
    suite.makepyfile(
        """
        import pytest
        from helpers import Canned, chat

        @pytest.mark.fakellm(scenarios=[Canned("a", "A"), Canned("b", "B")], scenario="a")
        class TestGroup:
            def test_class_default(self, fakellm):
                assert chat(fakellm).json()["choices"][0]["message"]["content"] == "A"

            @pytest.mark.fakellm(scenario="b")
            def test_own_marker(self, fakellm):
                assert chat(fakellm).json()["choices"][0]["message"]["content"] == "B"
        """
    )
    suite.runpytest().assert_outcomes(passed=2)


def test_marker_with_an_unknown_argument_is_a_usage_error(suite):
    suite.makepyfile(
        """
        import pytest

        @pytest.mark.fakellm(scenaro="slow")
        def test_typo(fakellm):
            pass
        """
    )
    result = suite.runpytest()
    result.stdout.fnmatch_lines(["*unknown argument(s) scenaro*"])
    assert result.ret != 0


def test_marker_api_key_makes_the_server_require_it_for_one_test(suite):
    suite.makepyfile(
        """
        import httpx
        import pytest

        @pytest.mark.fakellm(api_key="sk-marker-key-1234")
        def test_keyed(fakellm):
            url = fakellm.openai_base_url + "/chat/completions"
            body = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
            assert httpx.post(url, json=body).status_code == 401
            ok = httpx.post(url, json=body, headers={"authorization": "Bearer sk-marker-key-1234"})
            assert ok.status_code == 200

        def test_open_again(fakellm):
            from helpers import chat
            assert chat(fakellm).status_code == 200
        """
    )
    suite.runpytest().assert_outcomes(passed=2)


ENV_TEST = """
import os

import openai

def test_client_built_from_the_environment(fakellm):
    assert os.environ["OPENAI_BASE_URL"] == fakellm.openai_base_url
    client = openai.OpenAI(max_retries=0)
    reply = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "via env"}])
    assert reply.choices[0].message.content == "via env"

def test_environment_is_restored_after_each_test():
    assert os.environ.get("OPENAI_BASE_URL") == "https://untouched.example/v1"
"""


@pytest.mark.parametrize("how", ["ini", "command line", "marker"])
def test_env_option_points_sdks_built_from_the_environment_at_fakellm(suite, monkeypatch, how):
    monkeypatch.setenv("OPENAI_BASE_URL", "https://untouched.example/v1")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    args: list[str] = []
    source = ENV_TEST
    if how == "ini":
        suite.makeini("[pytest]\nfakellm_set_env = true\n")
    elif how == "command line":
        args.append("--fakellm-set-env")
    else:
        source = "import pytest\npytestmark = pytest.mark.fakellm(env=True)\n" + ENV_TEST
    suite.makepyfile(test_env=source)
    suite.runpytest(*args).assert_outcomes(passed=2)


def test_without_the_env_option_the_environment_is_left_alone(suite, monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "https://untouched.example/v1")
    suite.makepyfile(
        """
        import os

        def test_untouched(fakellm):
            assert os.environ["OPENAI_BASE_URL"] == "https://untouched.example/v1"
        """
    )
    suite.runpytest().assert_outcomes(passed=1)


STRICT_TEST = """
import pytest
from helpers import Canned, chat

@pytest.mark.fakellm(scenarios=[Canned("loose", "fallback", rule=None)], scenario="loose")
def test_unexpected_question(fakellm):
    chat(fakellm, "what is the weather on mars")

def test_next_test_is_not_blamed(fakellm):
    chat(fakellm, "fine")
"""


def test_strict_mode_fails_the_test_that_sent_an_unmatched_request(suite):
    suite.makepyfile(test_strict=STRICT_TEST)
    result = suite.runpytest("--fakellm-strict")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*FakeLLMSurpriseError*",
            "*no rule of scenario 'loose' matched this request*what is the weather on mars*",
            "FAILED test_strict.py::test_unexpected_question*",
        ]
    )


def test_strict_mode_from_ini_and_marker(suite):
    suite.makeini("[pytest]\nfakellm_strict = true\n")
    suite.makepyfile(
        test_strict=STRICT_TEST
        + """
@pytest.mark.fakellm(scenarios=[Canned("loose", "fallback", rule=None)], scenario="loose", strict=False)
def test_opted_out(fakellm):
    assert chat(fakellm).json()["choices"][0]["message"]["content"] == "fallback"
"""
    )
    suite.runpytest().assert_outcomes(passed=2, failed=1)


def test_without_strict_mode_an_unmatched_request_passes(suite):
    suite.makepyfile(test_strict=STRICT_TEST)
    suite.runpytest().assert_outcomes(passed=2)


def test_an_exception_inside_the_server_fails_the_test_with_its_message(suite):
    suite.makepyfile(
        """
        import pytest
        from helpers import chat
        from fakellm.scenarios import Outcome

        class Broken:
            name, description = "broken", "raises"
            def respond(self, request, ctx):
                raise KeyError("no such thing")
            def model_ids(self):
                return []
            def reset(self):
                pass

        @pytest.mark.fakellm(scenarios=[Broken()])
        def test_hits_a_server_bug(fakellm):
            assert chat(fakellm, scenario="broken").status_code == 500
        """
    )
    result = suite.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*fakellm raised an exception answering POST /s/broken/v1/chat/completions*KeyError*"])


def test_a_failing_test_also_shows_the_surprise_as_a_note(suite):
    suite.makepyfile(
        test_strict=STRICT_TEST.replace('chat(fakellm, "what is the weather on mars")', 'chat(fakellm, "q"); assert 0')
    )
    result = suite.runpytest("--fakellm-strict")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*fakellm also saw:*no rule of scenario 'loose'*"])


def test_tests_that_do_not_use_the_fixture_start_no_server(suite):
    suite.makepyfile(
        """
        def test_plain():
            pass
        """
    )
    result = suite.runpytest("--setup-plan")
    assert "fakellm_server" not in result.stdout.str()


def test_marker_takes_scenarios_as_dicts(suite):
    suite.makepyfile(
        """
        import pytest
        from helpers import chat

        @pytest.mark.fakellm(scenarios=[{"name": "greet", "rules": [{"reply": "Hello!"}]}], scenario="greet")
        def test_dict(fakellm):
            assert chat(fakellm).json()["choices"][0]["message"]["content"] == "Hello!"
        """
    )
    suite.runpytest().assert_outcomes(passed=1)
