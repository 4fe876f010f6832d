"""The `X-FakeLLM-*` override headers take plain ASCII decimals only."""

from __future__ import annotations

import pytest

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.errors import ApiError
from fakellm.faults.overrides import request_overrides


def context(headers: dict[str, str]) -> RequestContext:
    return RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", headers, {})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("x-fakellm-ttft-ms", "1_000"),
        ("x-fakellm-tokens-per-second", "1_0"),
        ("x-fakellm-error-status", "5_03"),
        ("x-fakellm-ttft-ms", "inf"),
        ("x-fakellm-ttft-ms", "\u0661\u0660\u0660"),  # Arabic-Indic digits, which float() takes
        ("x-fakellm-error-status", "\uff15\uff10\uff13"),  # full-width digits, which int() takes
        ("x-fakellm-ttft-ms", "1" * 5000),
    ],
)
def test_numbers_python_reads_but_no_client_writes_are_a_400(name: str, value: str) -> None:
    with pytest.raises(ApiError) as error:
        request_overrides(context({name: value}))
    assert error.value.status == 400
    assert error.value.message is not None
    assert name in error.value.message.lower()


@pytest.mark.parametrize(
    ("value", "ttft"),
    [("1000", 1000.0), (" 250 ", 250.0), ("2.5", 2.5), (".5", 0.5), ("1e3", 1000.0), ("+7", 7.0), ("0", 0.0)],
)
def test_plain_decimals_are_read(value: str, ttft: float) -> None:
    latency, _ = request_overrides(context({"x-fakellm-ttft-ms": value}))
    assert latency is not None
    assert latency.ttft_ms == ttft


def test_an_error_status_is_read_as_an_integer() -> None:
    _, error = request_overrides(context({"x-fakellm-error-status": "503"}))
    assert error is not None
    assert error.status == 503
