"""The embedding vectors and the parsing of embedding requests, without a server."""

from __future__ import annotations

import array
import base64
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakellm.dialects.embeddings.request import (
    GEMINI_DEFAULT,
    GEMINI_MODELS,
    EmbeddingOptions,
    lookup,
    parse_gemini,
    parse_openai,
)
from fakellm.dialects.embeddings.vectors import as_base64, cosine, embed
from fakellm.errors import ApiError


def norm(vector: list[float]) -> float:
    return math.sqrt(sum(v * v for v in vector))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200), st.sampled_from([8, 256, 1536]), st.integers(0, 3))
def test_vectors_are_unit_length_deterministic_and_dense(text: str, size: int, seed: int) -> None:
    vector = embed(text, size, seed)
    assert len(vector) == size
    assert abs(norm(vector) - 1) < 1e-9
    assert vector == embed(text, size, seed)
    assert sum(1 for v in vector if v == 0.0) < size // 4


def test_similar_texts_are_closer_than_unrelated_ones() -> None:
    query = embed("How do I reset my password?", 1536)
    near = embed("Resetting your password: how to do it", 1536)
    far = embed("The weather in Lisbon is sunny today", 1536)
    assert cosine(query, near) > cosine(query, far) + 0.2
    assert 0.0 < cosine(query, far) < 0.35  # unrelated texts: a small positive similarity, as real models give


def test_the_seed_changes_the_space() -> None:
    assert embed("hello", 64, 1) != embed("hello", 64, 2)


def test_a_shortened_vector_is_the_prefix_of_the_full_one() -> None:
    full = embed("matryoshka", 3072)
    kept = embed("matryoshka", 768, full_size=3072, renormalise=False)
    scaled = embed("matryoshka", 768, full_size=3072)
    assert kept == full[:768]
    assert norm(kept) < 0.999
    assert abs(norm(scaled) - 1) < 1e-9
    assert cosine(scaled, kept) == pytest.approx(1.0)


def test_base64_is_little_endian_float32() -> None:
    vector = [0.5, -0.25, 1.0]
    assert array.array("f", base64.b64decode(as_base64(vector))).tolist() == vector
    assert base64.b64decode(as_base64([1.0])) == b"\x00\x00\x80\x3f"


def test_openai_inputs_become_user_messages_with_their_options() -> None:
    request = parse_openai({"model": "text-embedding-3-small", "input": ["a b", "c"], "dimensions": 8}, "openai")
    options = request.options_as(EmbeddingOptions)
    assert [m.text for m in request.messages] == ["a b", "c"]
    assert request.last_user_text == "c"
    assert (options.inputs, options.input_tokens, options.dimensions, options.encoding) == (
        ("a b", "c"),
        (2, 1),
        8,
        "float",
    )


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"input": "x"}, 400, "Missing required parameter: 'model'"),
        ({"model": "m"}, 400, "Missing required parameter: 'input'"),
        ({"model": "m", "input": []}, 400, "'$.input' is invalid"),
        ({"model": "m", "input": [1, "a"]}, 400, "'$.input' is invalid"),
        ({"model": "m", "input": ["a"] * 2049}, 400, "at most 2048 inputs"),
        ({"model": "m", "input": "word " * 9000}, 400, "maximum context length is 8192 tokens"),
        ({"model": "m", "input": "x", "dimensions": 0}, 400, "integer below minimum value"),
        ({"model": "m", "input": "x", "dimensions": "8"}, 400, "Invalid type for 'dimensions'"),
        ([1, 2], 400, "must be a JSON object"),
    ],
)
def test_openai_bad_bodies(body: object, status: int, fragment: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_openai(body, "openai")
    assert caught.value.status == status
    assert fragment in (caught.value.message or "")


def test_gemini_batch_and_single_bodies() -> None:
    batch = parse_gemini(
        {"requests": [{"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "a"}, {"text": "b"}]}}]},
        "gemini-embedding-001",
        batch=True,
    )
    assert batch.options_as(EmbeddingOptions).inputs == ("a\nb",)
    single = parse_gemini(
        {"content": {"parts": [{"text": "x"}]}, "outputDimensionality": 16, "taskType": "RETRIEVAL_DOCUMENT"},
        "text-embedding-004",
        batch=False,
    )
    options = single.options_as(EmbeddingOptions)
    assert (options.batch, options.dimensions) == (False, 16)


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"requests": []}, "requests is not specified"),
        ({"requests": [{"content": {"parts": [{"text": "a"}]}, "taskType": "NOPE"}]}, "TaskType"),
        ({"requests": [{"content": {"parts": []}}]}, "must not be empty"),
        ({"requests": [{"content": {"parts": [{"text": "a"}]}, "outputDimensionality": 4000}]}, "between 1 and 3072"),
        ({"requests": [{}]}, "content is not specified"),
        ({"requests": [{"content": {"parts": [{"text": "a"}]}}] * 101}, "at most 100"),
    ],
)
def test_gemini_bad_bodies(body: object, fragment: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_gemini(body, "gemini-embedding-001", batch=True)
    assert caught.value.status == 400
    assert fragment in (caught.value.message or "")


def test_model_families_resolve_with_prefixes_and_versions() -> None:
    assert lookup(GEMINI_MODELS, "models/text-embedding-004", GEMINI_DEFAULT).size == 768
    assert lookup(GEMINI_MODELS, "gemini-embedding-001-preview", GEMINI_DEFAULT).size == 3072
    assert lookup(GEMINI_MODELS, "something-else", GEMINI_DEFAULT) is GEMINI_DEFAULT
