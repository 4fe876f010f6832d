"""Journal filters: one list of fields (`JournalFilter`), which the HTTP API, `Requests.filter` and
`FakeLLM.assert_called` all take, each field by its own name."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Iterator

import httpx
import pytest

from fakellm.journal import ENDINGS, FilterCriteria, JournalFilter
from fakellm.journal.view import Requests
from fakellm.testing.harness import FakeLLM

FIELDS = [f.name for f in dataclasses.fields(JournalFilter)]
# A value of each field that the request sent by `_send` matches, and one it does not.
MATCHING = {
    "scenario": ("echo", "slow"),
    "dialect": ("openai", "groq"),
    "status": (200, 404),
    "ended": ("completed", "fault"),
    "rule": ("echo", "rule 1"),
    "path": ("/v1/chat/completions", "/chat/completions"),
    "method": ("POST", "GET"),
    "stream": (True, False),
}


@pytest.fixture(scope="module")
def llm() -> Iterator[FakeLLM]:
    with FakeLLM() as server:
        server.reset()
        body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": True}
        assert httpx.post(f"{server.openai_base_url}/chat/completions", json=body).status_code == 200
        yield server


def test_the_typed_keywords_are_the_filter_fields_with_their_types():
    # FilterCriteria exists for type checkers only; it must say exactly what JournalFilter says.
    assert typing.get_type_hints(FilterCriteria) == typing.get_type_hints(JournalFilter)
    assert FilterCriteria.__optional_keys__ == frozenset(FIELDS)


def test_every_field_has_a_case_here():
    assert set(MATCHING) == set(FIELDS)


@pytest.mark.parametrize("name", FIELDS)
def test_requests_filter_takes_every_field(llm, name):
    hit, miss = MATCHING[name]
    assert len(llm.requests.filter(**{name: hit})) == 1
    assert len(llm.requests.filter(**{name: miss})) == 0


@pytest.mark.parametrize("name", FIELDS)
def test_assert_called_and_assert_not_called_take_every_field(llm, name):
    hit, miss = MATCHING[name]
    llm.assert_called(times=1, **{name: hit})
    llm.assert_not_called(**{name: miss})
    with pytest.raises(AssertionError, match=f"{name}="):
        llm.assert_called(**{name: miss})


def test_assert_called_filters_by_method_and_stream(llm):
    # These two were missing from assert_called.
    llm.assert_called(times=1, method="POST", stream=True)
    llm.assert_not_called(stream=False)


def _as_query(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.mark.parametrize("name", FIELDS)
def test_the_http_api_takes_every_field(llm, name):
    hit, miss = MATCHING[name]
    url = f"{llm.url}/_fakellm/requests"
    assert httpx.get(url, params={name: _as_query(hit)}).json()["total"] == 1
    assert httpx.get(url, params={name: _as_query(miss)}).json()["total"] == 0


def test_an_unknown_keyword_is_refused():
    with pytest.raises(TypeError):
        JournalFilter().narrowed({"colour": "red"})  # type: ignore[typeddict-unknown-key]


def test_narrowing_keeps_the_earlier_criteria(llm):
    view = llm.requests.filter(dialect="openai").filter(status=200)
    assert "dialect='openai'" in repr(view)
    assert "status=200" in repr(view)


def test_method_is_compared_upper_case(llm):
    assert len(llm.requests.filter(method="post")) == 1


def test_ended_values_are_the_journal_endings():
    ended = typing.get_type_hints(JournalFilter)["ended"]
    assert set(typing.get_args(typing.get_args(ended)[0])) == set(ENDINGS)


def test_signatures_take_criteria_as_typed_keywords():
    for function in (Requests.filter, FakeLLM.assert_called, FakeLLM.assert_not_called):
        criteria = inspect.signature(function).parameters["criteria"]
        assert criteria.kind is inspect.Parameter.VAR_KEYWORD
