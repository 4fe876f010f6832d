"""`fakellm.dialects.logprobs`: made-up token logprobs that read like a model's, the same in every dialect;
the compiled chunk writer frames them exactly as the reference encoder; the model-catalogue hook."""

from __future__ import annotations

import asyncio
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakellm.dialects import all_dialects
from fakellm.dialects.base import Dialect, OperationCall
from fakellm.dialects.logprobs import LogprobCursor, text_logprobs, token_logprob
from fakellm.dialects.openai.chunks import logprobs_object
from fakellm.dialects.openai.policy import OPENAI
from fakellm.dialects.openai.writer import ChunkWriter
from fakellm.errors import ApiError
from fakellm.ids import IdSource
from fakellm.tokens import split_tokens
from tests.support.contexts import context_for


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.integers(min_value=0, max_value=20))
def test_every_token_gets_well_formed_logprobs(text: str, top: int) -> None:
    entries = text_logprobs(text, top)
    assert "".join(e.chosen.token for e in entries) == text
    for entry in entries:
        assert entry.chosen.logprob < 0
        assert len(entry.top) == top
        if top:
            assert entry.top[0] == entry.chosen
        tokens = [c.token for c in entry.top]
        assert len(set(tokens)) == len(tokens)
        values = [c.logprob for c in entry.top]
        assert values == sorted(values, reverse=True)
        assert all(v <= entry.chosen.logprob for v in values)
        assert sum(math.exp(v) for v in values) <= 1.0 + 1e-9


def test_logprobs_are_deterministic_and_mostly_confident() -> None:
    text = "The quick brown fox jumps over the lazy dog, and then it sleeps for a while. " * 5
    assert text_logprobs(text, 5) == text_logprobs(text, 5)
    chosen = [e.chosen.logprob for e in text_logprobs(text, 0)]
    assert sum(1 for v in chosen if v > -0.1) > len(chosen) / 2, "most tokens are near-certain"
    assert min(chosen) > -3.01


def test_the_cursor_counts_positions_per_choice() -> None:
    cursor = LogprobCursor(2)
    tokens = split_tokens("one two three")
    first = [cursor.next(0, t) for t in tokens]
    other = cursor.next(1, tokens[0])
    assert first == text_logprobs("one two three", 2)
    assert other == token_logprob(tokens[0], 0, 2)


@pytest.mark.parametrize("finish", [None, "stop"])
def test_compiled_logprob_chunks_are_the_reference_bytes(finish: str | None) -> None:
    own = logprobs_object(text_logprobs(" world", 3))
    written = []
    for compiled in (True, False):
        writer = ChunkWriter(OPENAI, IdSource(seed=3), "gpt-4o", obfuscation=True, compiled=compiled)
        written.append(writer.role(0, "", "", logprobs_object([])) + writer.text(0, " world", finish, logprobs=own))
    assert written[0] == written[1]
    assert b'"logprobs":{"content":[],"refusal":null}' in written[0]
    chunk = json.loads(written[0].split(b"\n\n")[1][len(b"data: ") :])
    assert chunk["choices"][0]["logprobs"] == own


# The chat dialects whose `model` route is the base `operate`'s (Responses and Anthropic have their own).
MODEL_ROUTE_DIALECTS = [d for d in all_dialects() if d.name in ("openai", "azure", "groq", "gemini", "gemini_openai")]


@pytest.mark.parametrize("dialect", MODEL_ROUTE_DIALECTS, ids=lambda d: d.name)
def test_a_catalogue_that_does_not_know_the_model_gets_each_dialects_404(dialect: Dialect) -> None:
    ctx = context_for(dialect, path="/models/x", operation="model", path_params={"model": "gpt-nope"})
    call = OperationCall(ctx, None, [], knows_model=lambda model: model != "gpt-nope")
    with pytest.raises(ApiError) as raised:
        asyncio.run(dialect.operate("model", call))
    assert raised.value.status == 404
    assert raised.value.code == "model_not_found"
    rendered = dialect.render_error(raised.value, ctx)
    assert rendered.status == 404
    assert b"gpt-nope" in rendered.body or dialect.name == "azure"
    known = OperationCall(ctx, None, [])
    assert asyncio.run(dialect.operate("model", known)).status == 200
