"""The OpenAI family's builder: the encoder, compiled templates, and every provider's chunks.

Each provider's compiled chunks (a form compiled once, filled per chunk, content chunks filled in
place) are pinned byte for byte to the reference: the same chunk built with its values and
encoded whole. Whole streams from each dialect are pinned the same way.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fakellm.dialects.azure import POLICY as AZURE
from fakellm.dialects.azure import AzureDialect
from fakellm.dialects.catalogue import catalogue
from fakellm.dialects.gemini.openai_compat import POLICY as GEMINI_OPENAI
from fakellm.dialects.gemini.openai_compat import GeminiOpenAIDialect
from fakellm.dialects.gemini.request import WITH_THOUGHTS
from fakellm.dialects.groq import POLICY as GROQ
from fakellm.dialects.groq import GroqDialect, GroqOptions
from fakellm.dialects.openai.encoding import NATIVE, SLOTS, SORTED, Encoder
from fakellm.dialects.openai.family import OpenAIFamilyDialect
from fakellm.dialects.openai.policy import OPENAI, REASONING_CONTENT, Policy, Reasoning
from fakellm.dialects.openai.stream import last_chunk_usage, stream_frames
from fakellm.dialects.openai.writer import ChunkWriter
from fakellm.ids import IdSource
from fakellm.model import ChatRequest, DialectOptions, Message, Reply, TextPart, ToolCall, Usage
from fakellm.tokens import reply_usage
from tests.support.contexts import context_for

POLICIES = {"openai": OPENAI, "azure": AZURE, "groq": GROQ, "gemini_openai": GEMINI_OPENAI}
VALUES: list[Any] = [
    "",
    'quote " back \\ slash',
    "ctrl \x00\x01\n\t",
    "é 日本 😀 \u2028",
    "100% %(id)s %s",
    0,
    -12,
    10**20,
    1.5,
    0.012345678,
    1e100,
    True,
    False,
    None,
    [],
    {},
    {"b": 1, "a": [2, {"d": None, "c": "x"}]},
]


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: 1_765_000_000.0)


# --- the encoder and templates ---------------------------------------------------------------------


@pytest.mark.parametrize("encoder", [NATIVE, SORTED], ids=["native", "sorted"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_encoder_writes_what_json_dumps_writes(encoder: Encoder, value: Any) -> None:
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=encoder.sort_keys)
    assert encoder.encode(value) == expected
    assert encoder.encode({"z": value, "a": [value]}) == json.dumps(
        {"z": value, "a": [value]}, separators=(",", ":"), ensure_ascii=False, sort_keys=encoder.sort_keys
    )


def shape(v: Any) -> dict[str, Any]:
    return {"z": v["first"], "m": "100% fixed", "a": {"y": v["second"], "b": [v["first"], None]}, "k": 1}


@pytest.mark.parametrize("encoder", [NATIVE, SORTED], ids=["native", "sorted"])
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_template_filled_is_the_filled_structure_encoded(encoder: Encoder, value: Any) -> None:
    compiled = encoder.template(shape(SLOTS), "data: ", "\n\n")
    assert compiled.names == ("first", "second", "first")  # in the order written, sorted or not
    values = {"first": value, "second": "two", "unused": object()}
    expected = "data: " + encoder.encode(shape(values)) + "\n\n"
    assert compiled.fill(values) == expected
    encoded = {"first": encoder.encode(value), "second": encoder.encode("two")}
    assert compiled.fill_encoded(encoded) == expected


def test_a_bound_template_filled_in_place_is_the_template_filled() -> None:
    compiled = NATIVE.template({"id": SLOTS["id"], "n": SLOTS["n"], "t": SLOTS["text"]})
    pieces = compiled.bind({"id": '"abc"', "other": "1"})
    for n, text in ((0, "a"), (1, '"b"'), (2, "")):
        pieces[compiled.place("n")] = str(n)
        pieces[compiled.place("text")] = NATIVE.encode(text)
        assert "".join(pieces) == compiled.fill({"id": "abc", "n": n, "text": text})
    with pytest.raises(KeyError):
        compiled.place("id-not-there")


# --- every provider's chunks -------------------------------------------------------------------------

CALL = ToolCall("call_1", "get_weather", '{"city": "Paris"}')
MARKED = Reasoning(mark={"google": {"thought": True}})
USAGE = {"prompt_tokens": 3, "nested": {"b": 0.5, "a": "x"}}
CHUNKS: dict[str, Callable[[ChunkWriter], bytes]] = {
    "role": lambda w: w.role(0, ""),
    "role-null": lambda w: w.role(1, None),
    "role-first": lambda w: w.role(0, "", "first"),
    "text": lambda w: w.text(0, " word"),
    "text-escapes": lambda w: w.text(1, '"é"\n%s'),
    "text-finishing": lambda w: w.text(0, "x", "stop"),
    "text-last": lambda w: w.text(2, "x", "stop", "last"),
    "reasoning-field": lambda w: w.reasoning(0, "thought", REASONING_CONTENT),
    "reasoning-marked": lambda w: w.reasoning(0, "thought", MARKED),
    "reasoning-marked-finishing": lambda w: w.reasoning(1, "thought", MARKED, "stop", "last"),
    "tool-open": lambda w: w.tool_open(0, 1, CALL),
    "tool-args": lambda w: w.tool_args(0, 1, '{"ci'),
    "tool-args-finishing": lambda w: w.tool_args(0, 1, "}", "tool_calls", "last"),
    "tool-whole": lambda w: w.tool_whole(1, 0, CALL),
    "tool-whole-finishing": lambda w: w.tool_whole(1, 0, CALL, "stop", "last"),
    "finish": lambda w: w.finish(0, "stop"),
    "finish-last": lambda w: w.finish(1, "length", "last"),
    "usage": lambda w: w.usage(Usage(5, 6, 1)),
}


def writer_pair(policy: Policy, *, null_usage: bool, obfuscation: bool) -> tuple[ChunkWriter, ChunkWriter]:
    def make(compiled: bool) -> ChunkWriter:
        return ChunkWriter(
            policy,
            IdSource(11),
            "model é",
            null_usage=null_usage,
            obfuscation=obfuscation,
            usage=USAGE,
            compiled=compiled,
        )

    return make(True), make(False)


@pytest.mark.parametrize("variant", ["plain", "null-usage", "obfuscation"])
@pytest.mark.parametrize("kind", sorted(CHUNKS))
@pytest.mark.parametrize("provider", sorted(POLICIES))
def test_compiled_chunks_are_the_reference(provider: str, kind: str, variant: str) -> None:
    compiled, reference = writer_pair(
        POLICIES[provider], null_usage=variant == "null-usage", obfuscation=variant == "obfuscation"
    )
    write = CHUNKS[kind]
    for _ in range(3):
        written = write(compiled)
        assert written == write(reference)
        parsed = json.loads(written[len(b"data: ") : -2])
        if POLICIES[provider].encoder is SORTED:
            assert written[len(b"data: ") : -2].decode() == json.dumps(
                parsed, separators=(",", ":"), ensure_ascii=False, sort_keys=True
            )


def test_the_chunk_pins_can_fail() -> None:
    compiled, _ = writer_pair(AZURE, null_usage=False, obfuscation=False)
    other = ChunkWriter(AZURE, IdSource(11), "model e", usage=USAGE, compiled=False)
    assert compiled.text(0, "x") != other.text(0, "x")


def test_a_policy_with_first_fields_needs_role_chunks() -> None:
    with pytest.raises(ValueError, match="role chunks"):
        Policy(role_chunks=False, first_fields=lambda v: {"x": v["id"]})


# --- whole streams, per dialect ------------------------------------------------------------------------

REPLIES: dict[str, list[Reply]] = {
    "text": [Reply(text="one two three")],
    "empty": [Reply()],
    "n2": [Reply(text="alpha beta"), Reply(text="gamma")],
    "tools": [Reply(tool_calls=[CALL, ToolCall("call_2", "other", "{}")])],
    "text-and-tools": [Reply(text="Checking.", tool_calls=[CALL])],
    "reasoning": [Reply(text="The answer.", reasoning="Some thought.")],
    "reasoning-shown": [Reply(text="The answer.", reasoning="Some thought.", reasoning_shown=True)],
    "reasoning-tools": [Reply(reasoning="Think.", tool_calls=[CALL])],
    "n2-mixed": [Reply(text="x y", reasoning="r s"), Reply(tool_calls=[CALL], finish_reason="length")],
}
DIALECTS: dict[str, tuple[OpenAIFamilyDialect, list[DialectOptions]]] = {
    "azure": (AzureDialect(), [DialectOptions()]),
    "groq": (GroqDialect(), [GroqOptions(f) for f in ("raw", "parsed", "hidden")]),
    "gemini_openai": (GeminiOpenAIDialect(), [DialectOptions(), WITH_THOUGHTS]),
}


def reference_stream(dialect: OpenAIFamilyDialect, request: ChatRequest, replies: list[Reply]) -> list[bytes]:
    policy = dialect.policy
    ids = IdSource(21)
    replies = dialect.shown_replies(replies, context_for(dialect, ids=ids))
    writer = ChunkWriter(
        policy,
        ids,
        dialect.model_name("gpt-4o"),
        null_usage=request.include_usage and policy.stream_usage == "own_chunk",
        obfuscation=policy.obfuscation,
        usage=last_chunk_usage(policy, request, replies),
        compiled=False,
    )
    reasoning = [dialect.reasoning(request, r, stream=True) for r in replies]
    return [f.data for f in stream_frames(policy, writer, request, replies, reasoning)]


@pytest.mark.parametrize("include_usage", [True, False], ids=["include-usage", "no-usage"])
@pytest.mark.parametrize("case", sorted(REPLIES))
@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_each_dialects_streams_are_the_reference(name: str, case: str, include_usage: bool) -> None:
    dialect, all_options = DIALECTS[name]
    for options in all_options:
        request = ChatRequest(name, "gpt-4o", [Message("user", [TextPart("hi")])], stream=True)
        request.include_usage, request.options = include_usage, options
        plan = dialect.render_stream(request, REPLIES[case], "gpt-4o", context_for(dialect, ids=IdSource(21)))
        assert [f.data for f in plan.frames] == reference_stream(dialect, request, REPLIES[case])


def sse_chunks(plan_frames: list[bytes]) -> list[dict[str, Any]]:
    return [json.loads(f[len(b"data: ") : -2]) for f in plan_frames]


def test_azure_filters_only_the_text_it_streams_and_opens_with_the_prompt_filter() -> None:
    dialect = AzureDialect()
    request = ChatRequest("azure", "gpt-4o", [Message("user", [TextPart("hi")])], stream=True, include_usage=True)
    replies = [Reply(text="a b", reasoning="r", reasoning_shown=True, tool_calls=[CALL])]
    frames = [f.data for f in dialect.render_stream(request, replies, "gpt-4o", context_for(dialect)).frames]
    assert frames[0] == AZURE.opening
    chunks = sse_chunks(frames[1:])
    assert all(c["model"] == catalogue().reported("azure", "gpt-4o") for c in chunks)
    assert all(c["obfuscation"] for c in chunks[:-1])  # 2025-26 Azure pads every chunk (the usage one may be "")
    assert "obfuscation" in chunks[-1]
    for chunk in chunks[:-1]:
        (choice,) = chunk["choices"]
        assert chunk["usage"] is None
        assert (choice["content_filter_results"] != {}) == bool(choice["delta"].get("content"))
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == reply_usage(request, replies).completion_tokens


def test_groq_streams_x_groq_first_and_last_with_one_usage() -> None:
    dialect = GroqDialect()
    request = ChatRequest("groq", "m", [Message("user", [TextPart("hi")])], stream=True)
    chunks = sse_chunks(
        [f.data for f in dialect.render_stream(request, [Reply(text="a b")], "m", context_for(dialect)).frames]
    )
    first, *middle, last = chunks
    assert set(first["x_groq"]) == {"id", "seed"}
    assert all("x_groq" not in c for c in middle)
    assert last["x_groq"] == {"id": first["x_groq"]["id"], "usage": last["usage"]}
    assert list(last)[-2:] == ["x_groq", "usage"]


def test_gemini_openai_finishes_on_the_last_delta_of_each_choice() -> None:
    dialect = GeminiOpenAIDialect()
    request = ChatRequest("gemini_openai", "m", [Message("user", [TextPart("hi")])], stream=True, include_usage=True)
    replies = [Reply(tool_calls=[CALL]), Reply()]
    chunks = sse_chunks([f.data for f in dialect.render_stream(request, replies, "m", context_for(dialect)).frames])
    assert [c["choices"][0].get("finish_reason") for c in chunks] == ["stop", "stop"]
    assert chunks[1]["choices"][0]["delta"] == {"content": "", "role": "assistant"}
    assert "usage" in chunks[1]
    assert "usage" not in chunks[0]


def test_no_openai_style_dialect_reads_back_json() -> None:
    root = Path(__file__).resolve().parents[2] / "fakellm" / "dialects"
    modules = [*sorted((root / "openai").glob("*.py")), root / "azure.py", root / "groq.py"]
    modules.append(root / "gemini" / "openai_compat.py")
    for module in modules:
        assert "json.loads" not in module.read_text(encoding="utf-8"), module


def content_choices(dialect: OpenAIFamilyDialect, request: ChatRequest, replies: list[Reply]) -> list[int]:
    plan = dialect.render_stream(request, replies, "m", context_for(dialect))
    return [json.loads(f.data[len(b"data: ") : -2])["choices"][0]["index"] for f in plan.frames if f.tokens]


def test_unseen_reasoning_takes_its_turns_and_dropped_reasoning_does_not() -> None:
    """With n > 1, OpenAI-style hidden reasoning still takes its place in the round-robin (the model
    is thinking); Groq's `reasoning_format: hidden` streams the reply as if it had no reasoning."""
    replies = [Reply(text="x y", reasoning="r s"), Reply(text="a b c d")]
    request = ChatRequest("x", "m", [Message("user", [TextPart("hi")])], stream=True)
    assert content_choices(AzureDialect(), request, replies) == [1, 1, 0, 1, 0, 1]
    request.options = GroqOptions("hidden")
    assert content_choices(GroqDialect(), request, replies) == [0, 1, 0, 1, 1, 1]
