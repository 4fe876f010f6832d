"""The Responses API's objects: the response, its output items and usage, in OpenAI's key order.

A reply becomes output items in the order a model produces them: a `reasoning` item (only when the
reply has reasoning; its `summary` only when the request asked for one), a `message` with one
`output_text` part (unless the reply is only tool calls), then one `function_call` item per call.
`plan_output` fixes those items and their ids once, so the stream (`events`) and the final object
say the same thing. The order of keys follows captures of 2026 traffic (docs/wire/responses.md).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Literal

from fakellm.context import RequestContext
from fakellm.dialects.responses.ids import ResponseIds
from fakellm.dialects.responses.request import ResponsesOptions
from fakellm.model import ChatRequest, Reply, Usage

ItemKind = Literal["reasoning", "message", "function_call"]
Status = Literal["in_progress", "completed", "incomplete", "failed", "cancelled"]


@dataclass(frozen=True, slots=True)
class Planned:
    """One output item as it will be streamed and stored: `text` is the summary (reasoning), the
    text (message) or the arguments (function call)."""

    kind: ItemKind
    id: str
    text: str
    call_id: str = ""
    name: str = ""
    summarized: bool = False  # a reasoning item with a summary part
    encrypted: str | None = None


def response_ids(request: ChatRequest, ctx: RequestContext) -> ResponseIds:
    """The ids drawn for this request when it was parsed (a fresh set if it never was)."""
    ids = request.options_as(ResponsesOptions).ids
    return ids if ids is not None else ResponseIds(ctx.ids, int(ctx.wall_time))


def plan_output(request: ChatRequest, replies: list[Reply], ids: ResponseIds) -> list[Planned]:
    options = request.options_as(ResponsesOptions)
    planned: list[Planned] = []
    for reply in replies:
        if reply.reasoning:
            encrypted = "gAAAAAB" + ids.token(64 + len(reply.reasoning) // 2) if options.encrypted_reasoning else None
            planned.append(
                Planned(
                    "reasoning",
                    ids.item("rs_"),
                    reply.reasoning,
                    summarized=options.reasoning_summary is not None,
                    encrypted=encrypted,
                )
            )
        if reply.text or not reply.tool_calls:
            planned.append(Planned("message", ids.item("msg_"), reply.text))
        for call in reply.tool_calls:
            call_id = call.id if call.id.startswith("call_") else ids.call()
            planned.append(Planned("function_call", ids.item("fc_"), call.arguments, call_id=call_id, name=call.name))
    return planned


def whole_body(value: Any) -> bytes:
    """A whole JSON body as the Responses API sends one since 2026: one line, `", "` and `": "` between
    items, non-ASCII escaped (the content-length of recorded bodies matches exactly this form)."""
    return json.dumps(value).encode()


def output_text_part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "annotations": [], "logprobs": [], "text": text}


def summary_part(text: str) -> dict[str, Any]:
    return {"type": "summary_text", "text": text}


def item_json(item: Planned, status: Status, *, done: bool = True) -> dict[str, Any]:
    """The item as `output_item.added` (`done=False`: empty) or `output_item.done` and the response show it."""
    if item.kind == "reasoning":
        body: dict[str, Any] = {"id": item.id, "type": "reasoning"}
        if item.encrypted is not None:
            body["encrypted_content"] = item.encrypted
        body["summary"] = [summary_part(item.text)] if done and item.summarized else []
        return body
    if item.kind == "message":
        content = [output_text_part(item.text)] if done else []
        return {"id": item.id, "type": "message", "status": status, "content": content, "role": "assistant"}
    return {
        "id": item.id,
        "type": "function_call",
        "status": status,
        "arguments": item.text if done else "",
        "call_id": item.call_id,
        "name": item.name,
    }


def usage_json(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.prompt_tokens,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": usage.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": usage.reasoning_tokens},
        "total_tokens": usage.total_tokens,
    }


INCOMPLETE_REASONS = {"length": "max_output_tokens", "content_filter": "content_filter"}


def incomplete_reason(replies: list[Reply]) -> str | None:
    """Why the response stopped short: `max_output_tokens` (cut by the limit), `content_filter`, or None."""
    for reply in replies:
        reason = INCOMPLETE_REASONS.get(reply.resolved_finish_reason)
        if reason is not None:
            return reason
    return None


def response_json(
    request: ChatRequest,
    model: str,
    ids: ResponseIds,
    created: int,
    *,
    status: Status,
    output: list[dict[str, Any]],
    usage: Usage | None = None,
    error: dict[str, Any] | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """The response object, in OpenAI's key order."""
    options = request.options_as(ResponsesOptions)
    finished = status in ("completed", "incomplete")
    return {
        "id": ids.response,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": options.background,
        "completed_at": int(time.time()) if finished else None,
        "error": error,
        "frequency_penalty": 0.0,
        "incomplete_details": {"reason": reason or "max_output_tokens"} if status == "incomplete" else None,
        "instructions": options.instructions,
        "max_output_tokens": options.max_output_tokens,
        "max_tool_calls": None,
        "model": model,
        "moderation": None,
        "output": output,
        "parallel_tool_calls": request.parallel_tool_calls,
        "presence_penalty": 0.0,
        "previous_response_id": options.previous_response_id,
        "prompt_cache_key": None,
        "prompt_cache_retention": "in_memory",
        "reasoning": {"effort": request.reasoning_effort, "summary": options.reasoning_summary},
        "safety_identifier": None,
        "service_tier": "default" if finished else "auto",
        "store": options.store,
        "temperature": options.temperature,
        "text": {"format": options.text_format, "verbosity": "medium"},
        "tool_choice": options.tool_choice,
        "tools": list(options.tools),
        "top_logprobs": 0,
        "top_p": options.top_p,
        "truncation": "disabled",
        "usage": None if usage is None else usage_json(usage),
        "user": None,
        "metadata": options.metadata,
    }


def final_status(replies: list[Reply]) -> Status:
    return "incomplete" if incomplete_reason(replies) else "completed"


def final_output(planned: list[Planned], status: Status) -> list[dict[str, Any]]:
    return [item_json(item, status if item.kind == "message" else "completed") for item in planned]
