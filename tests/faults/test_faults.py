"""The fault stage: where settings come from, when errors trigger, and how streams are reshaped."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.errors import ApiError
from fakellm.faults import FaultPlan, FaultStage
from fakellm.faults.injected import retry_headers
from fakellm.faults.overrides import request_overrides, request_settings
from fakellm.faults.plan import MAX_STALL_S
from fakellm.faults.spec import ErrorSpec, FaultSpec
from fakellm.frames import Delivery, StreamPlan
from fakellm.model import ChatRequest, Message, Reply, TextPart
from tests.support.contexts import context_for
from tests.support.faultkit import reset_faults, serve_faults

DIALECT = OpenAIDialect()
TEXT = "one two three four five six"
REPLIES = [Reply(text=TEXT)]


def context(headers: dict[str, str] | None = None) -> RequestContext:
    return RequestContext(DIALECT, "POST", "/v1/chat/completions", "chat", headers or {}, {})


def request(stream: bool = True) -> ChatRequest:
    return ChatRequest("openai", "gpt-test", [Message("user", [TextPart(TEXT)])], stream=stream)


def spec(faults: dict[str, Any] | None) -> FaultSpec | None:
    return FaultSpec.model_validate(faults) if faults is not None else None


def planned(
    stage: FaultStage,
    faults: dict[str, Any] | None,
    headers: dict[str, str] | None = None,
    *,
    stream: bool = True,
    scope: str = "s",
) -> FaultPlan:
    """What the pipeline does: plan the request's faults once (admission included)."""
    return asyncio.run(stage.plan(context(headers), request(stream), REPLIES, "gpt-test", spec(faults), scope))


def admitted(stage: FaultStage, faults: dict[str, Any] | None, headers: dict[str, str] | None = None) -> dict[str, str]:
    return planned(stage, faults, headers).headers


def admit(stage: FaultStage, faults: dict[str, Any], headers: dict[str, str] | None = None) -> bool:
    """True when admitted, False when an injected error refused the request."""
    try:
        admitted(stage, faults, headers)
    except ApiError as error:
        if not error.injected:
            raise
        return False
    return True


# --- where settings come from -----------------------------------------------------------------


def test_request_headers_override_latency_field_by_field() -> None:
    scenario = FaultSpec.model_validate({"latency": {"ttft_ms": 100, "tokens_per_second": 5, "jitter_ms": 3}})
    settings = request_settings(context({"x-fakellm-ttft-ms": "750"}), scenario)
    assert settings is not None
    assert settings.latency is not None
    assert (settings.latency.ttft_ms, settings.latency.tokens_per_second, settings.latency.jitter_ms) == (750, 5, 3)


def test_no_headers_leave_the_scenarios_settings_as_they_are() -> None:
    scenario = FaultSpec.model_validate({"latency": {"ttft_ms": 100}})
    assert request_settings(context(), scenario) is scenario
    assert request_settings(context(), None) is None


def test_error_status_header_replaces_the_scenarios_trigger() -> None:
    settings = request_settings(
        context({"x-fakellm-error-status": "502"}), FaultSpec.model_validate({"error": {"status": 503, "every": 9}})
    )
    assert settings is not None
    assert settings.error == ErrorSpec.model_validate({"status": 502})


def test_server_defaults_answer_for_a_scenario_without_settings_only() -> None:
    stage = FaultStage(FaultSpec.model_validate({"latency": {"ttft_ms": 300}}))
    assert planned(stage, None, stream=False).delay == pytest.approx(0.3)
    # A scenario's settings already hold the server defaults (merged when it was built).
    assert planned(stage, {"latency": {"ttft_ms": 50}}, stream=False).delay == pytest.approx(0.05)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-fakellm-ttft-ms", "soon"),
        ("x-fakellm-ttft-ms", "-1"),
        ("x-fakellm-tokens-per-second", "0"),
        ("x-fakellm-error-status", "200"),
        ("x-fakellm-error-status", "5O3"),
        ("x-fakellm-ttft-ms", "nan"),
    ],
)
def test_bad_override_header_is_a_400_naming_the_header(name: str, value: str) -> None:
    with pytest.raises(ApiError) as error:
        request_overrides(context({name: value}))
    assert error.value.status == 400
    assert error.value.message is not None
    assert name in error.value.message.lower()


# --- injected errors --------------------------------------------------------------------------


def test_every_nth_request_fails() -> None:
    stage = FaultStage()
    results = [admit(stage, {"error": {"status": 503, "every": 3}}) for _ in range(7)]
    assert results == [True, True, False, True, True, False, True]


def test_first_n_requests_fail_then_all_succeed() -> None:
    stage = FaultStage()
    assert [admit(stage, {"error": {"status": 500, "first": 2}}) for _ in range(4)] == [False, False, True, True]


def test_probability_is_reproducible_with_a_seed_and_about_right() -> None:
    faults = {"error": {"status": 500, "probability": 0.3, "seed": 42}}
    first = [admit(FaultStage(), faults) for _ in range(1)]
    stage_a, stage_b = FaultStage(), FaultStage()
    a = [admit(stage_a, faults) for _ in range(400)]
    b = [admit(stage_b, faults) for _ in range(400)]
    assert a == b
    assert first == a[:1]
    assert 0.2 < a.count(False) / 400 < 0.4


def test_an_error_without_a_trigger_fails_every_request() -> None:
    stage = FaultStage()
    assert [admit(stage, {"error": {"status": 529}}) for _ in range(3)] == [False, False, False]


def test_counters_are_per_scenario_and_reset_clears_them() -> None:
    stage = FaultStage()
    faults = {"error": {"status": 503, "every": 2}}

    def ok(scenario: str) -> bool:
        try:
            planned(stage, faults, scope=scenario)
        except ApiError:
            return False
        return True

    assert [ok("a"), ok("b"), ok("a"), ok("b")] == [True, True, False, False]
    stage.reset()
    assert ok("a")


def test_injected_error_carries_retry_headers_and_the_status() -> None:
    spec = {"error": {"status": 429, "retry_after": 2, "retry_after_ms": 1500, "should_retry": False}}
    with pytest.raises(ApiError) as error:
        admitted(FaultStage(), spec)
    assert error.value.status == 429
    assert error.value.code == "rate_limit_exceeded"
    retry = {k: v for k, v in error.value.headers.items() if not k.startswith("x-ratelimit-")}
    assert retry == {"retry-after": "2", "retry-after-ms": "1500", "x-should-retry": "false"}
    # As a real rate limit: the budget, used up, resetting when the retry is due.
    assert error.value.headers["x-ratelimit-remaining-requests"] == "0"
    assert error.value.headers["x-ratelimit-reset-requests"] == "2s"
    assert error.value.retry_after == 2


def test_an_injected_429_without_a_wait_asks_for_the_dialects_default() -> None:
    with pytest.raises(ApiError) as error:
        admitted(FaultStage(), {"error": {"status": 429}})
    assert error.value.headers["retry-after"] == "1"
    assert error.value.headers["x-ratelimit-limit-requests"] == "500"


# (The 401 is `missing_api_key`: these requests send no key.)
@pytest.mark.parametrize(("status", "code"), [(404, "model_not_found"), (401, "missing_api_key"), (503, None)])
def test_injected_errors_carry_the_code_the_provider_words_them_by(status: int, code: str | None) -> None:
    with pytest.raises(ApiError) as error:
        admitted(FaultStage(), {"error": {"status": status}})
    assert error.value.code == code


def test_retry_headers_keep_fractions() -> None:
    spec = ErrorSpec.model_validate({"status": 503, "retry_after": 0.25, "should_retry": True})
    assert retry_headers(spec) == {"retry-after": "0.25", "x-should-retry": "true"}


# --- rate limits ------------------------------------------------------------------------------


def test_rate_limit_headers_on_every_admitted_request_count_down() -> None:
    stage = FaultStage()
    faults = {"rate_limit": {"requests_per_minute": 3}}
    remaining = [admitted(stage, faults)["x-ratelimit-remaining-requests"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]


def test_over_the_limit_is_a_429_with_the_dialects_details_and_retry_after() -> None:
    stage = FaultStage()
    faults = {"rate_limit": {"requests_per_minute": 1}}
    admitted(stage, faults)
    with pytest.raises(ApiError) as error:
        admitted(stage, faults)
    e = error.value
    assert (e.status, e.code, e.details["limit_name"], e.details["limit"], e.details["used"]) == (
        429,
        "rate_limit_exceeded",
        "requests",
        1,
        1,
    )
    assert 59 < e.retry_after <= 60  # type: ignore[operator]
    assert e.headers["retry-after"] == "60"
    assert e.headers["x-ratelimit-remaining-requests"] == "0"


def test_rate_limits_are_per_key_unless_global() -> None:
    stage = FaultStage()
    per_key = {"rate_limit": {"requests_per_minute": 1}}
    shared = {"rate_limit": {"requests_per_minute": 1, "per": "global"}}
    alice, bob = {"authorization": "Bearer alice"}, {"authorization": "Bearer bob"}
    assert admit(stage, per_key, alice)
    assert admit(stage, per_key, bob)
    stage.reset()
    assert admit(stage, shared, alice)
    with pytest.raises(ApiError):
        admitted(stage, shared, bob)


def test_token_limit_counts_prompt_and_completion_tokens() -> None:
    stage = FaultStage()
    headers = admitted(stage, {"rate_limit": {"tokens_per_minute": 1000}})
    # 3 + 3 + 6 prompt tokens, 6 completion tokens (word-sized).
    assert headers["x-ratelimit-remaining-tokens"] == str(1000 - 18)


# --- delivery ---------------------------------------------------------------------------------


def plan_for(faults: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[StreamPlan, Delivery]:
    """Plan, frame and schedule a stream, as the pipeline does."""
    fault_plan = planned(FaultStage(), faults, headers)
    framed = DIALECT.frame_stream(request(), REPLIES, "gpt-test", context_for(DIALECT), fault_plan.script)
    return framed, fault_plan.deliver(framed)


def test_no_faults_sends_everything_at_once() -> None:
    plan, delivery = plan_for({})
    assert delivery.offsets is None
    assert delivery.end == "complete"
    assert delivery.fault is None
    assert plan.content_frames == 6


def test_latency_header_schedules_every_frame() -> None:
    plan, delivery = plan_for({}, {"x-fakellm-ttft-ms": "200", "x-fakellm-tokens-per-second": "10"})
    assert len(delivery.offsets) == len(plan.frames)
    assert delivery.offsets[0] == pytest.approx(0.2)
    assert delivery.offsets[-1] == pytest.approx(0.7)


def test_error_after_n_chunks_appends_the_dialects_error_frame_and_keeps_the_terminator() -> None:
    plan, delivery = plan_for({"stream": {"error_after": 2, "error_status": 503}})
    assert plan.content_frames == 2
    assert plan.frames[-1].data.startswith(b'data: {"error":{')
    assert plan.tail == b"data: [DONE]\n\n"
    assert delivery.end == "complete"
    assert delivery.fault == "midstream_error"


def test_error_frame_goes_out_when_the_next_chunk_would_have() -> None:
    plan, delivery = plan_for({"latency": {"tokens_per_second": 10}, "stream": {"error_after": 2}})
    assert len(delivery.offsets) == len(plan.frames)
    assert delivery.offsets[-1] == pytest.approx(0.2)


def test_disconnect_after_n_chunks_cuts_and_drops() -> None:
    plan, delivery = plan_for({"stream": {"disconnect_after": 3}})
    assert plan.content_frames == 3
    assert len(plan.frames) == 4
    assert delivery.end == "drop"


def test_stall_keeps_the_first_chunk_and_caps_the_wait() -> None:
    plan, delivery = plan_for({"stream": {"stall_after": 1, "stall_max_s": 100000}})
    assert plan.content_frames == 1
    assert delivery.end == "stall"
    assert delivery.stall_cap == MAX_STALL_S


def test_stall_after_zero_sends_only_what_precedes_the_content() -> None:
    plan, _ = plan_for({"stream": {"stall_after": 0}})
    assert len(plan.frames) == 1
    assert plan.content_frames == 0


def test_pause_delays_the_chosen_chunk() -> None:
    plan, delivery = plan_for({"stream": {"pause": {"at": 2, "ms": 400}}})
    content_offsets = [o for o, f in zip(delivery.offsets, plan.frames, strict=True) if f.tokens]
    assert content_offsets[:2] == [0.0, 0.0]
    assert content_offsets[2:] == pytest.approx([0.4] * 4)


def test_malformed_content_type_is_a_header() -> None:
    _, delivery = plan_for({"stream": {"malformed": "wrong_content_type"}})
    assert delivery.headers == {"content-type": "text/plain; charset=utf-8"}
    assert delivery.fault == "malformed:wrong_content_type"


def test_non_streaming_is_one_whole_frame_sent_after_ttft_plus_generation() -> None:
    fault_plan = planned(FaultStage(), {"latency": {"ttft_ms": 100, "tokens_per_second": 50}}, stream=False)
    framed = DIALECT.frame_reply(request(False), REPLIES, "gpt-test", context_for(DIALECT))
    assert framed.whole
    assert len(framed.frames) == 1
    delivery = fault_plan.deliver(framed)
    assert delivery.offsets == [pytest.approx(0.1 + 5 / 50)]
    assert delivery.fault is None


def test_non_streaming_ignores_stream_faults() -> None:
    fault_plan = planned(FaultStage(), {"stream": {"disconnect_after": 1}}, stream=False)
    framed = DIALECT.frame_reply(request(False), REPLIES, "gpt-test", context_for(DIALECT))
    assert fault_plan.deliver(framed) == Delivery()


# --- through a real server (raw bytes) --------------------------------------------------------

BODY = {"model": "m", "messages": [{"role": "user", "content": TEXT}], "stream": True}


@pytest.fixture(scope="module")
def fault_server() -> Any:
    scenarios = {
        "flaky": {"error": {"status": 503, "every": 2}},
        "mid": {"stream": {"error_after": 2}},
        "drop": {"stream": {"disconnect_after": 2}},
        "stall": {"stream": {"stall_after": 1, "stall_max_s": 0.3}},
        "badjson": {"stream": {"malformed": "truncated_json", "malformed_at": 1}},
    }
    with serve_faults(scenarios) as thread:
        yield thread


@pytest.fixture
def server_url(fault_server: Any) -> str:
    reset_faults(fault_server)
    return str(fault_server.url)


def test_flaky_by_path_fails_every_second_request_and_journals_it(server_url: str, fault_server: Any) -> None:
    with httpx.Client(base_url=server_url) as client:
        statuses = [client.post("/s/flaky/v1/chat/completions", json=BODY).status_code for _ in range(4)]
    assert statuses == [200, 503, 200, 503]
    assert [e.ended for e in fault_server.app.journal.entries()] == ["completed", "fault", "completed", "fault"]


def test_midstream_error_frame_then_done_on_the_wire(server_url: str) -> None:
    body = httpx.post(server_url + "/s/mid/v1/chat/completions", json=BODY).content
    events = body.split(b"\n\n")
    assert events[-3].startswith(b'data: {"error":{"message":')
    assert events[-2] == b"data: [DONE]"


def read_into(received: bytearray, url: str) -> None:
    with httpx.stream("POST", url, json=BODY, timeout=5) as response:
        for chunk in response.iter_raw():
            received += chunk


def test_disconnect_drops_the_connection_without_a_terminator(server_url: str, fault_server: Any) -> None:
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError):
        read_into(received, server_url + "/s/drop/v1/chat/completions")
    assert received.count(b'"content":') == 3  # the role chunk and two content chunks
    assert b"[DONE]" not in received
    assert fault_server.app.pipeline.server_errors == []
    assert fault_server.app.journal.entries()[-1].fault == "disconnect"


def test_stall_sends_the_first_chunk_then_closes_at_the_cap(server_url: str) -> None:
    received = bytearray()
    with pytest.raises(httpx.RemoteProtocolError):
        read_into(received, server_url + "/s/stall/v1/chat/completions")
    assert received.count(b'"content":') == 2
    assert b"[DONE]" not in received


def test_truncated_json_reaches_the_client(server_url: str) -> None:
    body = httpx.post(server_url + "/s/badjson/v1/chat/completions", json=BODY).content
    assert body.endswith(b"data: [DONE]\n\n")
    assert any(e.startswith(b"data: {") and not e.endswith(b"}") for e in body.split(b"\n\n"))


def test_error_status_header_works_on_the_default_scenario(server_url: str) -> None:
    response = httpx.post(server_url + "/v1/chat/completions", json=BODY, headers={"X-FakeLLM-Error-Status": "504"})
    assert response.status_code == 504
    assert response.json()["error"]["type"] == "server_error"


# --- server defaults from the command line --------------------------------------------------------


def test_cli_latency_flags_become_the_default_fault_settings() -> None:
    from fakellm.cli import build_parser, config_from_args
    from fakellm.server.app import default_faults

    config = config_from_args(build_parser().parse_args(["serve", "--ttft-ms", "250", "--tokens-per-second", "30"]))
    spec = default_faults(config)
    assert spec is not None
    assert spec.latency is not None
    assert (spec.latency.ttft_ms, spec.latency.tokens_per_second) == (250, 30)
    assert default_faults(config_from_args(build_parser().parse_args(["serve"]))) is None


def test_cli_rejects_a_negative_ttft() -> None:
    from fakellm.cli import build_parser, config_from_args

    with pytest.raises(SystemExit, match="--ttft-ms"):
        config_from_args(build_parser().parse_args(["serve", "--ttft-ms", "-5"]))
