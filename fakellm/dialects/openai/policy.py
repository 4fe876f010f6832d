"""What tells one OpenAI-style provider's answers from another's: its `Policy`, and how reasoning shows.

OpenAI, Azure, Groq and Gemini's OpenAI route all answer in OpenAI's schema, each with its own
touches: fields added or dropped, keys sorted or not, id formats, where the usage goes. Each
dialect states them once, as a `Policy`; `chunks` builds every body and chunk from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fakellm.dialects.openai.encoding import NATIVE, Encoder, Template
from fakellm.ids import IdSource
from fakellm.model import FinishReason, Reply, ToolCall, Usage

StreamUsage = Literal["own_chunk", "last_chunk", "always_on_last_chunk"]
FINGERPRINT = "fp_f4e1c0ffee"


def openai_usage(usage: Usage) -> dict[str, Any]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": usage.reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def openai_body_tail(ids: IdSource) -> dict[str, Any]:
    return {"service_tier": "default", "system_fingerprint": FINGERPRINT}


@dataclass(frozen=True, slots=True, eq=False)
class Policy:
    """What one OpenAI-style provider adds, drops and orders. The defaults are OpenAI's own."""

    encoder: Encoder = NATIVE  # OpenAI's own key order, or SORTED (Azure, Gemini)
    id_prefix: str = "chatcmpl-"
    uuid_ids: bool = False  # the id after the prefix is a UUID (Groq), else `id_length` characters
    id_length: int = 29
    stream_id_length: int = 29
    fingerprint: str | None = FINGERPRINT  # `system_fingerprint` on chunks
    service_tier: str | None = "default"  # on chunks, after `model`
    # Choices: `logprobs: null` always and `finish_reason: null` until the end (else only the finish).
    null_fields: bool = True
    content_filter: Mapping[str, Any] | None = None  # Azure's results for a choice with text ({} for others)
    # Messages: `content` is null for a message of only tool calls, or left out (Groq); what follows.
    omit_null_content: bool = False
    message_tail: tuple[tuple[str, Any], ...] = (("refusal", None), ("annotations", ()))
    usage_object: Callable[[Usage], dict[str, Any]] = openai_usage
    body_tail: Callable[[IdSource], dict[str, Any]] = openai_body_tail  # the body's fields after `usage`
    # Streams.
    opening: bytes = b""  # a frame before all others (Azure's prompt filter results)
    role_chunks: bool = True  # each choice opens with a role chunk ...
    role_refusal: bool = True  # ... with `refusal: null`
    role_content_null_for_tools: bool = True  # ... and null content for a choice of only tool calls
    role_with_lone_tool: bool = False  # one streamed tool call, alone, opens in the role's delta (OpenAI)
    role_on_deltas: bool = False  # every delta repeats the role (Gemini)
    interleave: bool = True  # n > 1 choices round-robin, else one after the other
    whole_tool_calls: bool = False  # a tool call in one delta, else an opening and argument fragments
    tool_call_index: bool = True  # streamed tool calls carry their `index` (Gemini's OpenAI route: none)
    # The thought signature a tool call carries as `extra_content.google.thought_signature` (Gemini 3).
    tool_signature: Callable[[ToolCall], str] | None = None
    finish_chunks: bool = True  # each choice ends with an empty delta and its finish reason, else its last delta has it
    streamed_tool_calls_finish: str = "tool_calls"  # the finish of a streamed choice that calls tools
    forced_tool_finish: FinishReason | None = "stop"  # the finish of a call the request forced by naming the tool
    # Where a stream's usage goes: when asked, in a `choices: []` chunk of its own (with `usage: null` on
    # the others); when asked, on the last chunk; or always on the last chunk.
    stream_usage: StreamUsage = "own_chunk"
    obfuscation: bool = True  # an `obfuscation` pad on every chunk (unless the request turns it off)
    # Values a stream draws once (Groq's request id and seed), and the top-level fields its first and last
    # chunks add from them (Groq's `x_groq`; the last chunk's values also hold `usage`).
    stream_values: Callable[[IdSource], dict[str, Any]] | None = None
    first_fields: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    last_fields: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None
    templates: dict[tuple[Any, ...], Template] = field(default_factory=dict, repr=False)  # compiled chunk forms

    def __post_init__(self) -> None:
        if self.first_fields is not None and not self.role_chunks:
            raise ValueError("a stream's first fields ride on its first role chunk: they need role chunks")


OPENAI = Policy(role_with_lone_tool=True)


@dataclass(frozen=True, slots=True, eq=False)
class Reasoning:
    """How a reply's reasoning shows: in a field of its own, wrapped into the text, as content marked
    with `extra_content`, or not at all. Unseen reasoning still takes its turns when `n > 1` choices
    are interleaved (the model is thinking) unless it is `dropped` (streamed as if there were none).
    Compared by identity: each dialect keeps its own constants."""

    field: str | None = None  # `reasoning_content` (OpenAI, DeepSeek style), `reasoning` (Groq's parsed)
    inline: tuple[str, str] | None = None  # before and after, e.g. `<think>\n` and `\n</think>\n\n`
    mark: Mapping[str, Any] | None = None  # streamed as content with this `extra_content` (Gemini's thoughts)
    beside: Mapping[str, Any] | None = None  # fields a streamed `field` delta carries too (Groq's `channel`)
    dropped: bool = False

    def text(self, reply: Reply) -> str:
        """The reply's text as shown: with the reasoning wrapped in front when shown inline."""
        if self.inline is None or not reply.reasoning:
            return reply.text
        return f"{self.inline[0]}{reply.reasoning}{self.inline[1]}{reply.text}"

    @property
    def streamed(self) -> bool:
        """Whether the reasoning goes out as pieces of its own."""
        return self.field is not None or self.mark is not None


HIDDEN = Reasoning()
DROPPED = Reasoning(dropped=True)
# Reasoning the model shows openly, as OpenAI-style clients read it from DeepSeek-style models.
REASONING_CONTENT = Reasoning(field="reasoning_content")


def shown_reasoning(reply: Reply) -> Reasoning:
    """How OpenAI-style clients (OpenAI's, Azure's) see a reply's reasoning: as `reasoning_content`
    when the model shows it, else not at all."""
    return REASONING_CONTENT if reply.reasoning_shown else HIDDEN
