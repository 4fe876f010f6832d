"""Embeddings through the official SDKs against a real server: openai (float and base64),
AzureOpenAI (deployment and v1 routes), google-genai (`embed_content`), and Gemini's OpenAI route."""

from __future__ import annotations

import array
import base64
import math

import httpx
import openai
import pytest
from google import genai
from google.genai import errors, types

from fakellm.testing.harness import FakeLLM

TEXTS = ["The cat sat on the mat", "A cat was sitting on the mat", "Quarterly revenue grew by twelve percent"]


def cos(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


@pytest.fixture(scope="module")
def llm() -> FakeLLM:
    with FakeLLM(api_key="sk-embed") as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def client(llm: FakeLLM) -> openai.OpenAI:
    return openai.OpenAI(base_url=llm.openai_base_url, api_key="sk-embed", max_retries=0)


def test_openai_default_sizes_unit_norm_and_similarity(client: openai.OpenAI, llm: FakeLLM) -> None:
    # The SDK asks for base64 unless told otherwise and decodes it: this is the path most users take.
    small = client.embeddings.create(model="text-embedding-3-small", input=TEXTS)
    vectors = [d.embedding for d in small.data]
    assert [d.index for d in small.data] == [0, 1, 2]
    assert {len(v) for v in vectors} == {1536}
    assert all(abs(math.sqrt(sum(x * x for x in v)) - 1) < 1e-5 for v in vectors)
    assert cos(vectors[0], vectors[1]) > 0.5 > 0.2 > cos(vectors[0], vectors[2])
    assert small.model == "text-embedding-3-small"
    assert small.usage.prompt_tokens == small.usage.total_tokens > 0
    assert llm.requests.last.path == "/v1/embeddings"
    large = client.embeddings.create(model="text-embedding-3-large", input="hello")
    assert len(large.data[0].embedding) == 3072


def test_float_and_base64_encodings_carry_the_same_vector(client: openai.OpenAI) -> None:
    as_float = client.embeddings.create(model="text-embedding-3-small", input="hello world", encoding_format="float")
    as_b64 = client.embeddings.create(model="text-embedding-3-small", input="hello world", encoding_format="base64")
    # Asked for explicitly, base64 comes back as the string: little-endian float32 values.
    encoded = as_b64.data[0].embedding
    assert isinstance(encoded, str)
    decoded = array.array("f", base64.b64decode(encoded)).tolist()
    assert as_float.data[0].embedding == decoded
    assert all(v != 0.0 for v in decoded)  # dense, as a model's vector is


def test_dimensions_shorten_and_renormalise(client: openai.OpenAI) -> None:
    short = client.embeddings.create(model="text-embedding-3-small", input="hello world", dimensions=256)
    vector = short.data[0].embedding
    assert len(vector) == 256
    assert abs(math.sqrt(sum(x * x for x in vector)) - 1) < 1e-5


def test_same_text_same_vector_across_servers_and_the_seed_header_changes_the_space() -> None:
    def vector(headers: dict[str, str] | None = None) -> list[float]:
        with FakeLLM() as server:
            client = openai.OpenAI(base_url=server.openai_base_url, api_key="k", default_headers=headers)
            return client.embeddings.create(model="text-embedding-3-small", input="stable text").data[0].embedding

    first, again = vector(), vector()
    assert first == again
    seeded, seeded_again = vector({"X-FakeLLM-Seed": "7"}), vector({"X-FakeLLM-Seed": "7"})
    assert seeded == seeded_again != first


def test_token_arrays_are_accepted(client: openai.OpenAI) -> None:
    reply = client.embeddings.create(model="text-embedding-3-small", input=[[1, 2, 3], [4, 5]])
    assert len(reply.data) == 2
    assert reply.usage.prompt_tokens == 5


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"model": "text-embedding-ada-002", "input": "x", "dimensions": 10}, "does not support specifying dimensions"),
        ({"model": "text-embedding-3-small", "input": "x", "dimensions": 5000}, "Expected a value <= 1536"),
        ({"model": "text-embedding-3-small", "input": ""}, "'$.input' is invalid"),
        ({"model": "text-embedding-3-small", "input": "x", "encoding_format": "int8"}, "Invalid value: 'int8'"),
    ],
)
def test_bad_requests_get_openai_400s(client: openai.OpenAI, kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(**kwargs)  # type: ignore[call-overload]
    assert fragment in caught.value.message


def test_wrong_key_is_refused_as_for_chat(llm: FakeLLM) -> None:
    client = openai.OpenAI(base_url=llm.openai_base_url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        client.embeddings.create(model="text-embedding-3-small", input="x")


def test_injected_error_and_retry_apply(llm: FakeLLM) -> None:
    client = openai.OpenAI(
        base_url=llm.openai_base_url,
        api_key="sk-embed",
        max_retries=0,
        default_headers={"X-FakeLLM-Error-Status": "429"},
    )
    with pytest.raises(openai.RateLimitError):
        client.embeddings.create(model="text-embedding-3-small", input="x")
    assert llm.requests.last.status == 429


def test_a_scenario_rule_gives_the_vector(llm: FakeLLM) -> None:
    llm.add_rule(user="pinned", reply={"embedding": [0.6, 0.8, 0.0]}, scenario="pinned-vectors")
    client = openai.OpenAI(base_url=f"{llm.url}/s/pinned-vectors/v1", api_key="sk-embed", max_retries=0)
    reply = client.embeddings.create(model="text-embedding-3-small", input="pinned", encoding_format="float")
    assert reply.data[0].embedding == pytest.approx([0.6, 0.8, 0.0])


def test_azure_deployment_and_v1_routes(llm: FakeLLM) -> None:
    azure = openai.AzureOpenAI(
        azure_endpoint=llm.azure_endpoint, api_key="sk-embed", api_version="2024-10-21", max_retries=0
    )
    reply = azure.embeddings.create(model="my-embeddings", input=TEXTS[:2])
    assert len(reply.data) == 2
    assert len(reply.data[0].embedding) == 1536
    assert llm.requests.last.dialect == "azure"
    assert llm.requests.last.path == "/openai/deployments/my-embeddings/embeddings"
    # Azure's v1 route wants its key in `api-key` (with a Bearer key the path is Groq's, which has no embeddings)
    v1 = openai.OpenAI(
        base_url=f"{llm.azure_endpoint}/openai/v1",
        api_key="unused",
        default_headers={"api-key": "sk-embed"},
        max_retries=0,
    )
    assert len(v1.embeddings.create(model="text-embedding-3-large", input="x").data[0].embedding) == 3072
    assert llm.requests.last.dialect == "azure"


def test_google_genai_embed_content(llm: FakeLLM) -> None:
    client = genai.Client(api_key="sk-embed", http_options=types.HttpOptions(base_url=llm.gemini_base_url))
    full = client.models.embed_content(model="gemini-embedding-001", contents=TEXTS)
    assert full.embeddings is not None
    values = [e.values or [] for e in full.embeddings]
    assert {len(v) for v in values} == {3072}
    assert cos(values[0], values[1]) > cos(values[0], values[2])
    assert llm.requests.last.dialect == "gemini"
    assert llm.requests.last.path.endswith("/models/gemini-embedding-001:batchEmbedContents")
    short = client.models.embed_content(
        model="gemini-embedding-001",
        contents="The cat sat on the mat",
        config=types.EmbedContentConfig(output_dimensionality=768, task_type="RETRIEVAL_QUERY"),
    )
    assert short.embeddings is not None
    vector = short.embeddings[0].values or []
    assert len(vector) == 768
    # gemini-embedding-001 returns shortened vectors as they are: the prefix of the full one, not unit length
    assert vector == pytest.approx(values[0][:768], abs=1e-6)
    assert math.sqrt(sum(x * x for x in vector)) < 0.999


def test_google_genai_errors_in_google_shape(llm: FakeLLM) -> None:
    client = genai.Client(api_key="sk-embed", http_options=types.HttpOptions(base_url=llm.gemini_base_url))
    with pytest.raises(errors.ClientError) as caught:
        client.models.embed_content(
            model="gemini-embedding-001",
            contents="x",
            config=types.EmbedContentConfig(output_dimensionality=5000),
        )
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"


def test_gemini_single_embed_content_route_raw(llm: FakeLLM) -> None:
    response = httpx.post(
        f"{llm.url}/v1beta/models/text-embedding-004:embedContent",
        headers={"x-goog-api-key": "sk-embed"},
        json={"content": {"parts": [{"text": "hello"}]}},
    )
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["embedding"]
    assert len(body["embedding"]["values"]) == 768
    assert response.headers["content-type"] == "application/json; charset=UTF-8"


def test_gemini_openai_compatible_embeddings(llm: FakeLLM) -> None:
    client = openai.OpenAI(base_url=f"{llm.url}/v1beta/openai", api_key="sk-embed", max_retries=0)
    reply = client.embeddings.create(model="gemini-embedding-001", input="hello")
    assert len(reply.data[0].embedding) == 1536 or len(reply.data[0].embedding) > 0
    assert llm.requests.last.dialect == "gemini_openai"


def test_strict_models_serve_the_embedding_models_and_refuse_others() -> None:
    with FakeLLM(strict_models=True) as strict:
        client = openai.OpenAI(base_url=strict.openai_base_url, api_key="k", max_retries=0)
        assert len(client.embeddings.create(model="text-embedding-3-large", input="x").data[0].embedding) == 3072
        with pytest.raises(openai.NotFoundError):
            client.embeddings.create(model="text-embedding-4-tiny", input="x")
        gemini = genai.Client(api_key="k", http_options=types.HttpOptions(base_url=strict.gemini_base_url))
        assert gemini.models.embed_content(model="gemini-embedding-001", contents="x").embeddings
