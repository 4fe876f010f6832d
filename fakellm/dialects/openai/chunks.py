"""The OpenAI family's bodies and chunks, built as structures from one provider's `Policy`.

The envelope, choices, messages, deltas (text, reasoning, tool-call openings, argument
fragments, whole tool calls), role, finish and usage chunks are built here and nowhere else,
in OpenAI's key order; the policy's encoder serialises them last (sorting the keys where the
provider does). A chunk is built from a mapping of its values; built from `SLOTS` instead, it
compiles into a `Template` that every later chunk of that form is filled into. No dialect ever
reads back what another wrote.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

from fakellm.dialects.logprobs import TokenLogprob, text_logprobs
from fakellm.dialects.openai.encoding import SLOTS, Template
from fakellm.dialects.openai.policy import HIDDEN, Policy, Reasoning
from fakellm.ids import IdSource
from fakellm.model import Reply, ToolCall, Usage

ChunkKind = Literal["role", "role_tool", "text", "reasoning", "tool_open", "tool_args", "tool_whole", "finish", "usage"]
Edge = Literal["", "first", "last"]

# --- bodies ------------------------------------------------------------------------------------------


def tool_call_object(policy: Policy, call: ToolCall) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": call.arguments},
    }
    if policy.tool_signature is not None:
        body["extra_content"] = signed(policy.tool_signature(call))
    return body


def signed(signature: Any) -> dict[str, Any]:
    """Where Gemini's OpenAI route puts a tool call's thought signature."""
    return {"google": {"thought_signature": signature}}


def message(policy: Policy, reply: Reply, reasoning: Reasoning) -> dict[str, Any]:
    text = reasoning.text(reply)
    body: dict[str, Any] = {"role": "assistant"}
    if text or not reply.tool_calls:
        body["content"] = text
    elif not policy.omit_null_content:
        body["content"] = None
    if reasoning.field is not None and reply.reasoning:
        body[reasoning.field] = reply.reasoning
    if reply.tool_calls:
        body["tool_calls"] = [tool_call_object(policy, c) for c in reply.tool_calls]
    body.update(policy.message_tail)
    return body


def token_logprob_object(entry: TokenLogprob) -> dict[str, Any]:
    """One `logprobs.content[]` item: the token, its logprob and bytes, and the top alternatives."""
    chosen = entry.chosen
    top = [{"token": c.token, "logprob": c.logprob, "bytes": c.bytes} for c in entry.top]
    return {"token": chosen.token, "logprob": chosen.logprob, "bytes": chosen.bytes, "top_logprobs": top}


def logprobs_object(entries: list[TokenLogprob]) -> dict[str, Any]:
    """A choice's `logprobs` (a chunk's: those of its own tokens), with `refusal: null` as OpenAI sends it."""
    return {"content": [token_logprob_object(e) for e in entries], "refusal": None}


def body_choice(
    policy: Policy, index: int, reply: Reply, reasoning: Reasoning, logprobs: dict[str, Any] | None = None
) -> dict[str, Any]:
    choice: dict[str, Any] = {"index": index, "message": message(policy, reply, reasoning)}
    if logprobs is not None:
        choice["logprobs"] = logprobs
    elif policy.null_fields:
        choice["logprobs"] = None
    choice["finish_reason"] = reply.resolved_finish_reason
    if policy.content_filter is not None:
        choice["content_filter_results"] = policy.content_filter
    return choice


def completion(
    policy: Policy,
    replies: list[Reply],
    reasoning: list[Reasoning],
    usage: Usage,
    model: str,
    ids: IdSource,
    top_logprobs: int | None = None,
) -> dict[str, Any]:
    """A whole non-streaming response: `reasoning[i]` is how reply i's reasoning shows; with `top_logprobs`
    (the request asked for logprobs) each choice carries its text's token logprobs."""
    choices = []
    for i, reply in enumerate(replies):
        logprobs = None
        if top_logprobs is not None:
            logprobs = logprobs_object(text_logprobs(reasoning[i].text(reply), top_logprobs))
        choices.append(body_choice(policy, i, reply, reasoning[i], logprobs))
    return {
        "id": policy.id_prefix + ids.uuid() if policy.uuid_ids else ids.new(policy.id_prefix, policy.id_length),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": choices,
        "usage": policy.usage_object(usage),
        **policy.body_tail(ids),
    }


# --- stream chunks -----------------------------------------------------------------------------------


class ChunkForm(NamedTuple):
    """Everything about a chunk's structure that is not a value: what a template is compiled for.
    A plain tuple of the same items finds the same template (writers look templates up by tuple)."""

    kind: ChunkKind
    finish: str | None = None  # the choice's finish reason, on a finish chunk or a finishing delta
    content: str | None = ""  # a role chunk's content ("", or null for a choice of only tool calls)
    reasoning: Reasoning = HIDDEN  # how a reasoning delta shows it
    edge: Edge = ""  # the stream's first or last chunk, with the policy's fields for those
    usage: bool = False  # carries the usage (always, for a usage chunk)
    null_usage: bool = False  # `usage: null` (the usage comes in a chunk of its own)
    obfuscation: bool = False
    logprobs: bool = False  # the choice carries `logprobs` (the request asked for them) rather than null


def delta(policy: Policy, form: ChunkForm, v: Mapping[str, Any]) -> dict[str, Any]:
    kind = form.kind
    if kind == "role":
        body: dict[str, Any] = {"role": "assistant", "content": form.content}
        if policy.role_refusal:
            body["refusal"] = None
        return body
    if kind == "role_tool":  # the role and a lone tool call's opening in one delta
        call = {"index": v["tool_index"], "id": v["call_id"], "type": "function"}
        tool = {**call, "function": {"name": v["name"], "arguments": ""}}
        body = {"role": "assistant", "content": None, "tool_calls": [tool]}
        if policy.role_refusal:
            body["refusal"] = None
        return body
    if kind == "finish":
        return {}
    if kind == "text":
        body = {"content": v["text"]}
    elif kind == "reasoning":
        style = form.reasoning
        if style.field is not None:
            body = {style.field: v["text"], **(style.beside or {})}
        else:
            body = {"content": v["text"], "extra_content": style.mark}
    elif kind == "tool_open":
        call = {"index": v["tool_index"], "id": v["call_id"], "type": "function"}
        body = {"tool_calls": [{**call, "function": {"name": v["name"], "arguments": ""}}]}
    elif kind == "tool_args":
        body = {"tool_calls": [{"index": v["tool_index"], "function": {"arguments": v["arguments"]}}]}
    else:  # a whole tool call
        call = {"id": v["call_id"], "type": "function", "function": {"name": v["name"], "arguments": v["arguments"]}}
        if policy.tool_signature is not None:
            call["extra_content"] = signed(v["signature"])
        if policy.tool_call_index:
            call["index"] = v["tool_index"]
        body = {"tool_calls": [call]}
    if policy.role_on_deltas:
        body["role"] = "assistant"
    return body


def choice(policy: Policy, form: ChunkForm, v: Mapping[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {"index": v["index"], "delta": delta(policy, form, v)}
    if form.logprobs:
        body["logprobs"] = v["logprobs"]
    elif policy.null_fields:
        body["logprobs"] = None
    if policy.null_fields or form.finish is not None:
        body["finish_reason"] = form.finish
    if policy.content_filter is not None:
        # The provider filters the text it streams; role, tool and finish chunks carry an empty result.
        body["content_filter_results"] = policy.content_filter if form.kind == "text" else {}
    return body


def chunk(policy: Policy, form: ChunkForm, v: Mapping[str, Any]) -> dict[str, Any]:
    """One stream chunk: the completion's envelope, this chunk's choice (none for usage), its fields."""
    body: dict[str, Any] = {
        "id": v["id"],
        "object": "chat.completion.chunk",
        "created": v["created"],
        "model": v["model"],
    }
    if policy.service_tier is not None:
        body["service_tier"] = policy.service_tier
    if policy.fingerprint is not None:
        body["system_fingerprint"] = policy.fingerprint
    body["choices"] = [] if form.kind == "usage" else [choice(policy, form, v)]
    if form.null_usage and form.kind != "usage":
        body["usage"] = None
    edge_fields = {"first": policy.first_fields, "last": policy.last_fields}.get(form.edge)
    if edge_fields is not None:
        body.update(edge_fields(v))
    if form.usage or form.kind == "usage":
        body["usage"] = v["usage"]
    if form.obfuscation:
        body["obfuscation"] = v["obfuscation"]
    return body


def frame_text(policy: Policy, form: ChunkForm, values: Mapping[str, Any]) -> str:
    """The general encoder: one chunk, built with its values and encoded whole, as an SSE event."""
    return f"data: {policy.encoder.encode(chunk(policy, form, values))}\n\n"


def template(policy: Policy, form: tuple[Any, ...]) -> Template:
    """The compiled form of a chunk (a `ChunkForm`, or a tuple of its items), kept on the policy:
    a provider uses a handful of forms."""
    found = policy.templates.get(form)
    if found is None:
        structure = chunk(policy, ChunkForm(*form), SLOTS)
        found = policy.templates[form] = policy.encoder.template(structure, "data: ", "\n\n")
    return found
