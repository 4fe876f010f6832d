"""Scenario files through a real server and the official `openai` SDK: every condition, every reply kind,
sequences, streamed tool calls, the two-turn tool loop, and selecting each built-in scenario."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import httpx
import openai
import pytest

from fakellm.config import ServerConfig
from fakellm.server.app import FakeLLMApp
from fakellm.testing.server_thread import ServerThread

FEATURES = r"""
name: features
rules:
  - name: by-header
    match: {header: {X-Case: {equals: header}}}
    reply: matched header
  - name: by-system
    match: {system: {contains: PIRATE, ignore_case: true}}
    reply: Arr
  - name: by-model
    match: {model: {equals: special-model}}
    reply: special model
  - name: other-dialects
    match: {dialect: [gemini, groq], user: which dialect}
    reply: not openai
  - name: openai-dialect
    match: {dialect: openai, user: which dialect}
    reply: {template: "{{ dialect }} dialect"}
  - name: equals
    match: {user: {equals: ping}}
    reply: pong
  - name: regex
    match: {user: {regex: 'weather in (?P<city>\w+)', ignore_case: true}}
    reply: {template: "Sunny in {{ capture.city }} ({{ capture.1 | upper }})."}
  - name: contains-echo
    match: {user: echo me}
    reply: {echo: true}
  - name: second-turn
    match: {turn: {min: 2}, user: again}
    reply: second turn
  - name: result-of-weather
    match: {tool_result_of: get_weather, tool_result: {regex: '"temp":\s*(\d+)'}}
    reply: {template: "It is {{ capture.1 }} degrees."}
  - name: any-result
    match: {after_tool: true}
    reply: {template: "Tool said {{ tool_result }}"}
  - name: named-tool
    match: {tool: get_time}
    reply: {tool_calls: [{name: get_time, arguments: {tz: "{{ user }}"}}]}
  - name: first-tool
    match: {has_tools: true}
    reply: {tool_calls: [{}]}
  - name: any-not
    match: {any: [{user: alpha}, {user: beta}], not: {user: gamma}}
    reply: alpha or beta
  - name: all
    match: {all: [{user: one}, {user: two}]}
    reply: one and two
  - name: lorem
    match: {user: lorem}
    reply: {generate: {sentences: 3}}
  - name: deepseek
    match: {user: deepseek}
    reply: {reasoning: "let me think about it", reasoning_content: true, text: thought}
  - name: think
    match: {user: think}
    reply: {reasoning: "let me think about it", text: thought}
  - name: cut
    match: {user: cut}
    reply: {text: partial, finish_reason: length, usage: {prompt_tokens: 7, completion_tokens: 9}}
  - name: seq-repeat
    match: {user: seq-repeat}
    replies: [a, b]
  - name: seq-cycle
    match: {user: seq-cycle}
    replies: [a, b]
    exhausted: cycle
  - name: seq-error
    match: {user: seq-error}
    replies: [a]
    exhausted: error
  - name: seq-next
    match: {user: seq-next}
    replies: [a]
    exhausted: next_rule
  - name: after-seq-next
    match: {user: seq-next}
    reply: fell through
"""

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 5},
            },
            "required": ["city", "unit"],
        },
    },
}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}
BUILTINS = ["echo", "lorem", "script", "tools", "reasoning", "slow", "flaky", "rate-limited",
            "midstream-error", "disconnect", "stall", "malformed"]  # fmt: skip
# Keep the fault scenarios quick where the fault stage honours per-request overrides.
FAST = {"X-FakeLLM-TTFT-Ms": "0", "X-FakeLLM-Tokens-Per-Second": "100000"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> ServerThread:
    folder = tmp_path_factory.mktemp("scenarios")
    (folder / "features.yaml").write_text(FEATURES)
    thread = ServerThread(FakeLLMApp(ServerConfig(scenario_paths=[folder]))).start()
    yield thread
    thread.stop()


@pytest.fixture(autouse=True)
def fresh(server):
    server.app.library.reset()
    server.app.journal.clear()


def client(server, scenario="features", **kw) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/s/{scenario}/v1", api_key="k", max_retries=0, **kw)


def ask(server, text, scenario="features", **kw):
    messages = kw.pop("messages", None) or [{"role": "user", "content": text}]
    kw.setdefault("model", "gpt-4o")
    return client(server, scenario).chat.completions.create(messages=messages, **kw)


def text_of(server, text, **kw) -> str | None:
    return ask(server, text, **kw).choices[0].message.content


def last_rule(server):
    return server.app.journal.entries()[-1].rule


# --- every match condition ---------------------------------------------------------------------


def test_match_user_equals(server):
    assert text_of(server, "ping") == "pong"
    assert text_of(server, "ping!") == "ping!"  # not equal: no rule, echo


def test_match_user_contains(server):
    assert text_of(server, "please echo me now") == "please echo me now"


def test_match_user_regex_case_insensitive_with_captures_in_a_template(server):
    assert text_of(server, "What's the WEATHER IN Lisbon?") == "Sunny in Lisbon (LISBON)."


def test_match_system_prompt(server):
    messages = [{"role": "system", "content": "Talk like a pirate."}, {"role": "user", "content": "hi"}]
    assert text_of(server, "", messages=messages) == "Arr"


def test_match_model(server):
    assert text_of(server, "hi", model="special-model") == "special model"


def test_match_dialect(server):
    assert text_of(server, "which dialect") == "openai dialect"


def test_match_turn(server):
    first = [{"role": "user", "content": "again"}]
    second = [*first, {"role": "assistant", "content": "ok"}, {"role": "user", "content": "again"}]
    assert text_of(server, "", messages=first) == "again"
    assert text_of(server, "", messages=second) == "second turn"


def test_match_header(server):
    c = client(server, default_headers={"X-Case": "header"})
    reply = c.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    assert reply.choices[0].message.content == "matched header"


def test_match_offered_tool_by_name_with_templated_arguments(server):
    reply = ask(server, "Europe/Paris", tools=[WEATHER, TIME])
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "get_time"
    assert json.loads(call.function.arguments) == {"tz": "Europe/Paris"}


def test_match_has_tools_calls_the_first_tool_with_schema_arguments(server):
    reply = ask(server, "hi", tools=[WEATHER])
    assert reply.choices[0].finish_reason == "tool_calls"
    call = reply.choices[0].message.tool_calls[0]
    args = json.loads(call.function.arguments)
    assert call.function.name == "get_weather"
    assert isinstance(args["city"], str)
    assert args["unit"] in ("celsius", "fahrenheit")
    assert 1 <= args["days"] <= 5


def tool_turn(name, result):
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": "{}"}}
    return [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": result},
    ]


def test_match_tool_result_of_a_tool_and_its_content(server):
    assert text_of(server, "", messages=tool_turn("get_weather", '{"temp": 21}')) == "It is 21 degrees."


def test_match_after_tool(server):
    assert text_of(server, "", messages=tool_turn("get_time", "12:00")) == "Tool said 12:00"


def test_match_any_and_not(server):
    assert text_of(server, "beta") == "alpha or beta"
    assert text_of(server, "beta gamma") == "beta gamma"


def test_match_all(server):
    assert text_of(server, "one two") == "one and two"
    assert text_of(server, "one") == "one"


def test_no_rule_matched_echoes_and_the_journal_says_no_rule(server):
    assert text_of(server, "nothing special") == "nothing special"
    assert last_rule(server) is None
    text_of(server, "ping")
    assert last_rule(server) == "equals"


# --- every reply kind --------------------------------------------------------------------------


def test_generated_text_is_the_same_for_one_seed_and_differs_for_another(server):
    def lorem(seed):
        c = client(server, default_headers={"X-FakeLLM-Seed": str(seed)})
        return c.chat.completions.create(model="m", messages=[{"role": "user", "content": "lorem"}])

    first = lorem(1).choices[0].message.content
    assert first
    assert first.count(".") == 3
    assert lorem(1).choices[0].message.content == first
    assert lorem(2).choices[0].message.content != first


def test_the_server_seed_makes_generated_text_reproducible_across_servers(tmp_path):
    (tmp_path / "g.yaml").write_text("rules: [{reply: {generate: {sentences: 2}}, match: {user: x}}]\n")
    texts = []
    for seed in (5, 5, 6):
        thread = ServerThread(FakeLLMApp(ServerConfig(scenario_paths=[tmp_path], seed=seed))).start()
        try:
            texts.append(text_of(thread, "x", scenario="g"))
        finally:
            thread.stop()
    assert texts[0] == texts[1]
    assert texts[0] != texts[2]


def test_reasoning_is_counted_but_openai_clients_get_the_answer(server):
    reply = ask(server, "think")
    assert reply.choices[0].message.content == "thought"
    assert reply.usage.completion_tokens_details.reasoning_tokens == 5


def test_reasoning_content_shows_the_reasoning_deepseek_style(server):
    reply = ask(server, "deepseek")
    assert reply.choices[0].message.content == "thought"
    assert reply.choices[0].message.model_extra["reasoning_content"] == "let me think about it"
    stream = client(server).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "deepseek"}], stream=True
    )
    deltas = [c.choices[0].delta for c in stream if c.choices]
    reasoning = "".join((d.model_extra or {}).get("reasoning_content") or "" for d in deltas)
    answer_starts = next(i for i, d in enumerate(deltas) if d.content)
    assert reasoning == "let me think about it"
    assert all(not (d.model_extra or {}).get("reasoning_content") for d in deltas[answer_starts:])


def test_finish_reason_and_usage_overrides(server):
    reply = ask(server, "cut")
    assert reply.choices[0].finish_reason == "length"
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.total_tokens) == (7, 9, 16)


def test_n_choices_each_get_a_reply(server):
    reply = ask(server, "ping", n=2)
    assert [c.message.content for c in reply.choices] == ["pong", "pong"]


# --- sequences ---------------------------------------------------------------------------------


def test_sequence_repeats_the_last_reply_by_default(server):
    assert [text_of(server, "seq-repeat") for _ in range(3)] == ["a", "b", "b"]


def test_sequence_cycles(server):
    assert [text_of(server, "seq-cycle") for _ in range(3)] == ["a", "b", "a"]


def test_sequence_errors_when_used_up(server):
    assert text_of(server, "seq-error") == "a"
    with pytest.raises(openai.BadRequestError) as caught:
        text_of(server, "seq-error")
    assert caught.value.code == "scenario_sequence_exhausted"
    assert "used up" in caught.value.message


def test_sequence_hands_over_to_the_next_rule(server):
    assert [text_of(server, "seq-next") for _ in range(3)] == ["a", "fell through", "fell through"]


def test_reset_restarts_sequences(server):
    text_of(server, "seq-repeat")
    server.app.library.reset()
    assert text_of(server, "seq-repeat") == "a"


# --- streamed tool calls and the two-turn loop -------------------------------------------------


def test_streamed_tool_call_is_parsed_by_the_stream_helper(server):
    c = client(server, "tools")
    with c.chat.completions.stream(
        model="gpt-4o", messages=[{"role": "user", "content": "weather?"}], tools=[WEATHER]
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    assert final.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather"
    assert call.id.startswith("call_")
    assert json.loads(call.function.arguments)["unit"] in ("celsius", "fahrenheit")


def test_raw_tool_call_deltas_have_an_index_and_id_and_name_only_first(server):
    body = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "x"}], "tools": [WEATHER, TIME]}
    raw = httpx.post(f"{server.url}/s/tools/v1/chat/completions", json=body, timeout=10).text
    events = [e for e in raw.split("\n\n") if e]
    assert events[-1] == "data: [DONE]"
    deltas = []
    for event in events[:-1]:
        assert event.startswith("data: ")
        for choice in json.loads(event[len("data: ") :])["choices"]:
            deltas += choice["delta"].get("tool_calls") or []
    assert len(deltas) > 2
    assert all(isinstance(d["index"], int) for d in deltas)
    assert "id" in deltas[0]
    assert deltas[0]["function"]["name"] == "get_weather"
    assert all("id" not in d and "name" not in d["function"] for d in deltas[1:])
    arguments = json.loads("".join(d["function"]["arguments"] for d in deltas))
    assert set(arguments) >= {"city", "unit"}


def test_two_turn_tool_conversation_calls_then_answers_with_the_result(server):
    c = client(server, "tools")
    messages: list = [{"role": "user", "content": "What's the weather in Paris?"}]
    first = c.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER])
    call = first.choices[0].message.tool_calls[0]
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": '{"temp": 21, "sky": "clear"}'},
    ]
    second = c.chat.completions.create(model="gpt-4o", messages=messages, tools=[WEATHER])
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == 'The tool returned: {"temp": 21, "sky": "clear"}'


# --- selecting a scenario ----------------------------------------------------------------------


def select(server, how, name):
    base = f"{server.url}/s/{name}/v1" if how == "path" else f"{server.url}/v1"
    headers = {**FAST, **({"X-FakeLLM-Scenario": name} if how == "header" else {})}
    model = f"fakellm/{name}" if how == "model" else "gpt-4o"
    c = openai.OpenAI(base_url=base, api_key="k", max_retries=0, timeout=10, default_headers=headers)
    return c.chat.completions.create(model=model, messages=[{"role": "user", "content": "Repeat with me: hi"}])


@pytest.mark.parametrize("how", ["path", "header", "model"])
@pytest.mark.parametrize("name", BUILTINS)
def test_every_builtin_is_selected_by_path_header_and_model(server, name, how):
    # The fault scenarios may fail on purpose; what matters is which scenario answered.
    with contextlib.suppress(openai.APIError):
        select(server, how, name)
    assert server.app.journal.entries()[-1].scenario == name


@pytest.mark.parametrize(
    ("name", "expected"), [("echo", "hi"), ("script", "Hello! I'm a scripted assistant. What's your name?")]
)
def test_builtins_without_faults_reply_as_documented(server, name, expected):
    for how in ("path", "header", "model"):
        server.app.library.reset()
        assert select(server, how, name).choices[0].message.content == expected


@pytest.mark.parametrize("how", ["path", "header", "model"])
def test_an_unknown_scenario_is_a_404_listing_the_loaded_names(server, how):
    with pytest.raises(openai.NotFoundError) as caught:
        select(server, how, "nope")
    assert "Scenario 'nope' is not loaded" in caught.value.message
    assert "features" in caught.value.message
    assert "tools" in caught.value.message


def test_scenario_files_are_reachable_by_model_listing(server):
    ids = [m.id for m in client(server).models.list()]
    assert "fakellm/features" in ids
    assert "fakellm-reasoner" in ids  # the reasoning scenario's reported model


def test_builtin_scenarios_dir_is_the_shipped_library():
    assert (Path(__file__).resolve().parents[2] / "scenarios" / "tools.yaml").is_file()
