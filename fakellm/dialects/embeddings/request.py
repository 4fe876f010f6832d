"""Embedding requests, parsed into the neutral request, and the models' vector sizes.

Each input becomes one user message, so scenario rules match on it like on a chat message (the
last input is the "last user message"); what only embeddings have (the inputs as texts, the size,
the encoding, Gemini's task types) is kept in `EmbeddingOptions`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fakellm.dialects.gemini.request import field, invalid, invalid_value, require_dict
from fakellm.dialects.openai.request import optional_int, require_object
from fakellm.dialects.openai.semantics import invalid_value as openai_invalid_value
from fakellm.errors import ApiError, bad_request, missing, wrong_type
from fakellm.model import ChatRequest, DialectOptions, Message, TextPart
from fakellm.tokens import count_tokens


@dataclass(frozen=True, slots=True)
class EmbeddingModel:
    size: int  # the vector size when the request asks for none
    shortens: bool = True  # whether the request may ask for fewer dimensions
    renormalise: bool = True  # whether a shortened vector is scaled back to unit length


# OpenAI: https://platform.openai.com/docs/guides/embeddings (3-small 1536, 3-large 3072, ada-002 1536
# without `dimensions`). Gemini: https://ai.google.dev/gemini-api/docs/embeddings (gemini-embedding-001:
# 3072, shortened vectors are not normalised; text-embedding-004 and embedding-001: 768).
OPENAI_MODELS: dict[str, EmbeddingModel] = {
    "text-embedding-3-small": EmbeddingModel(1536),
    "text-embedding-3-large": EmbeddingModel(3072),
    "text-embedding-ada-002": EmbeddingModel(1536, shortens=False),
}
OPENAI_DEFAULT = EmbeddingModel(1536)
GEMINI_MODELS: dict[str, EmbeddingModel] = {
    "gemini-embedding-001": EmbeddingModel(3072, renormalise=False),
    "text-embedding-004": EmbeddingModel(768),
    "embedding-001": EmbeddingModel(768, shortens=False),
}
GEMINI_DEFAULT = EmbeddingModel(3072, renormalise=False)

MAX_INPUTS = 2048  # OpenAI's limit per request
MAX_INPUT_TOKENS = 8192  # per input
MAX_REQUEST_TOKENS = 300_000  # per request
GEMINI_MAX_BATCH = 100
TASK_TYPES = (
    "TASK_TYPE_UNSPECIFIED",
    "RETRIEVAL_QUERY",
    "RETRIEVAL_DOCUMENT",
    "SEMANTIC_SIMILARITY",
    "CLASSIFICATION",
    "CLUSTERING",
    "QUESTION_ANSWERING",
    "FACT_VERIFICATION",
    "CODE_RETRIEVAL_QUERY",
)


def lookup(models: dict[str, EmbeddingModel], model: str, default: EmbeddingModel) -> EmbeddingModel:
    """The model's sizes; a versioned or `models/`-prefixed name counts as its family."""
    name = model.removeprefix("models/")
    for known, spec in models.items():
        if name == known or name.startswith(known + "-"):
            return spec
    return default


@dataclass(frozen=True, slots=True)
class EmbeddingOptions(DialectOptions):
    inputs: tuple[str, ...] = ()
    input_tokens: tuple[int, ...] = ()
    dimensions: int | None = None  # what the request asked for; None: the model's size
    encoding: Literal["float", "base64"] = "float"
    batch: bool = True  # Gemini: `batchEmbedContents` (a list) rather than `embedContent` (one)


def neutral(dialect: str, model: str, options: EmbeddingOptions) -> ChatRequest:
    messages = [Message("user", [TextPart(text)]) for text in options.inputs]
    return ChatRequest(dialect=dialect, model=model, messages=messages, options=options)


# --- OpenAI (and Azure, and Gemini's OpenAI route) ----------------------------------------------


def _openai_inputs(value: Any) -> tuple[list[str], list[int]]:
    """The inputs as texts, and each one's token count: a string, a list of strings, a token array
    (a list of integers) or a list of token arrays."""
    if value is None:
        raise missing("input")
    if isinstance(value, str) or (isinstance(value, list) and value and all(_is_token(t) for t in value)):
        value = [value]
    if not isinstance(value, list) or not value:
        raise _invalid_input()
    if len(value) > MAX_INPUTS:
        raise bad_request(
            f"'$.input' is invalid: at most {MAX_INPUTS} inputs can be embedded in one request, got {len(value)}.",
            param="input",
        )
    texts: list[str] = []
    tokens: list[int] = []
    for item in value:
        if isinstance(item, str):
            if not item:
                raise _invalid_input()
            texts.append(item)
            tokens.append(count_tokens(item))
        elif isinstance(item, list) and item and all(_is_token(t) for t in item):
            texts.append(" ".join(str(t) for t in item))  # no tokenizer here: the ids stand for the text
            tokens.append(len(item))
        else:
            raise _invalid_input()
    return texts, tokens


def _is_token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _invalid_input() -> ApiError:
    return bad_request(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
    )


def parse_openai(body: Any, dialect: str, *, model: str | None = None) -> ChatRequest:
    """`model` is given by the path where the provider takes it from there (Azure deployments)."""
    data = require_object(body)
    if model is None:
        model = data.get("model")
        if model is None:
            raise missing("model")
        if not isinstance(model, str):
            raise wrong_type("model", "a string", model)
    texts, tokens = _openai_inputs(data.get("input"))
    for count in tokens:
        if count > MAX_INPUT_TOKENS:
            raise bad_request(
                f"This model's maximum context length is {MAX_INPUT_TOKENS} tokens, however you requested "
                f"{count} tokens ({count} in your prompt; 0 for the completion). Please reduce your prompt; "
                "or completion length."
            )
    if sum(tokens) > MAX_REQUEST_TOKENS:
        raise bad_request(f"Requested {sum(tokens)} tokens, max {MAX_REQUEST_TOKENS} tokens per request", param="input")
    spec = lookup(OPENAI_MODELS, model, OPENAI_DEFAULT)
    dimensions = optional_int(data, "dimensions", 1)
    if dimensions is not None and not spec.shortens:
        raise bad_request("This model does not support specifying dimensions.")
    if dimensions is not None and dimensions > spec.size:
        raise bad_request(
            f"Invalid 'dimensions': integer above maximum value. Expected a value <= {spec.size}, but got "
            f"{dimensions} instead.",
            param="dimensions",
            code="integer_above_max_value",
        )
    encoding = data.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise openai_invalid_value("encoding_format", encoding, ("float", "base64"))
    options = EmbeddingOptions(tuple(texts), tuple(tokens), dimensions, encoding)
    return neutral(dialect, model, options)


# --- Gemini -------------------------------------------------------------------------------------


def _gemini_text(content: Any, path: str) -> str:
    content = require_dict(content, path, "type.googleapis.com/google.ai.generativelanguage.v1beta.Content")
    parts = content.get("parts")
    if not isinstance(parts, list) or not parts:
        raise invalid(f"* {path}.parts: contents.parts must not be empty.\n", path)
    texts: list[str] = []
    for i, part in enumerate(parts):
        part = require_dict(part, f"{path}.parts[{i}]", "type.googleapis.com/google.ai.generativelanguage.v1beta.Part")
        text = part.get("text")
        if not isinstance(text, str):
            raise invalid(f"* {path}.parts[{i}]: only text parts can be embedded here.\n", path)
        texts.append(text)
    return "\n".join(texts)


def _gemini_request(item: Any, path: str, spec: EmbeddingModel) -> tuple[str, int | None]:
    item = require_dict(item, path, "type.googleapis.com/google.ai.generativelanguage.v1beta.EmbedContentRequest")
    if item.get("content") is None:
        raise invalid(f"* {path}.content: content is not specified\n", path)
    text = _gemini_text(item["content"], f"{path}.content")
    task = field(item, "taskType")
    if task is not None and task not in TASK_TYPES:
        raise invalid_value(
            f"{path}.task_type", "type.googleapis.com/google.ai.generativelanguage.v1beta.TaskType", task
        )
    size = field(item, "outputDimensionality")
    if size is not None:
        if isinstance(size, bool) or not isinstance(size, int):
            raise invalid_value(f"{path}.output_dimensionality", "TYPE_INT32", size)
        if not spec.shortens or not 1 <= size <= spec.size:
            raise invalid(f"* {path}.output_dimensionality: must be between 1 and {spec.size}.\n", path)
    return text, size


def parse_gemini(body: Any, model: str, *, batch: bool) -> ChatRequest:
    data = require_dict(body, "", "type.googleapis.com/google.ai.generativelanguage.v1beta.EmbedContentRequest")
    spec = lookup(GEMINI_MODELS, model, GEMINI_DEFAULT)
    if batch:
        items = data.get("requests")
        if not isinstance(items, list) or not items:
            raise invalid("* BatchEmbedContentsRequest.requests: requests is not specified\n", "requests")
        if len(items) > GEMINI_MAX_BATCH:
            raise invalid(
                f"* BatchEmbedContentsRequest.requests: at most {GEMINI_MAX_BATCH} requests are allowed in a batch.\n",
                "requests",
            )
        parsed = [_gemini_request(item, f"requests[{i}]", spec) for i, item in enumerate(items)]
    else:
        parsed = [_gemini_request(data, "EmbedContentRequest", spec)]
    sizes = {size for _, size in parsed}
    if len(sizes) > 1:  # one size a response: fakellm renders every vector at the same size
        raise invalid(
            "* BatchEmbedContentsRequest.requests: all requests must ask for the same outputDimensionality.\n",
            "requests",
        )
    texts = tuple(text for text, _ in parsed)
    options = EmbeddingOptions(texts, tuple(count_tokens(t) for t in texts), sizes.pop(), "float", batch)
    return neutral("gemini", model, options)
