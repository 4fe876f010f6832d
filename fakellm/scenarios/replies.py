"""Turning a rule's reply spec into a neutral `Reply`: text, templates, Faker text, JSON, tool calls, usage.

What a reply can draw on (`ReplyEnv`) and the template variables are in
`fakellm.scenarios.variables`.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from fakellm.errors import ApiError
from fakellm.model import Reply, ToolCall, Usage
from fakellm.scenarios.format import ReplySpec, ToolCallSpec
from fakellm.scenarios.structured import compact
from fakellm.scenarios.templates import Template
from fakellm.scenarios.tool_choice import first_allowed_tool
from fakellm.scenarios.variables import ReplyEnv
from fakellm.tokens import prompt_tokens, reply_usage


@functools.lru_cache(maxsize=1024)
def _template(source: str) -> Template:
    return Template(source)


def render(source: str, env: ReplyEnv) -> str:
    return _template(source).render(env.values())


def build_reply(spec: ReplySpec, env: ReplyEnv) -> Reply:
    reply = Reply(
        text=_text(spec, env),
        reasoning=render(spec.reasoning, env) if spec.reasoning else "",
        tool_calls=[_tool_call(c, env) for c in spec.tool_calls or []],
        finish_reason=spec.finish_reason,
        reasoning_shown=spec.reasoning_content,
        embedding=spec.embedding,
    )
    if spec.usage is not None:
        counted = reply_usage(env.request, [reply])
        reply.usage = Usage(
            prompt_tokens=_pick(spec.usage.prompt_tokens, prompt_tokens(env.request)),
            completion_tokens=_pick(spec.usage.completion_tokens, counted.completion_tokens),
            reasoning_tokens=_pick(spec.usage.reasoning_tokens, counted.reasoning_tokens),
        )
    return reply


def _pick(given: int | None, counted: int) -> int:
    return counted if given is None else given


def _text(spec: ReplySpec, env: ReplyEnv) -> str:
    if spec.text is not None:
        return spec.text
    if spec.template is not None:
        return render(spec.template, env)
    if spec.echo:
        return env.request.last_user_text
    if spec.generate is not None:
        return env.generator.text(spec.generate)
    if spec.json_ is not None:
        return compact(_render_strings(spec.json_, env))
    return ""


def _tool_call(spec: ToolCallSpec, env: ReplyEnv) -> ToolCall:
    tools = env.request.tools
    name = spec.name
    if name is None:
        tool = first_allowed_tool(env.request)  # the tool the request's tool choice names, else the first
        if tool is None:
            raise ApiError(
                400,
                f"Scenario '{env.scenario}' {env.rule} calls the first offered tool, but the request offers no tools.",
                param="tools",
                code="scenario_needs_tools",
            )
        name = tool.name
    if isinstance(spec.arguments, str):
        arguments = spec.arguments
    elif spec.arguments is not None:
        arguments = json.dumps(_render_strings(spec.arguments, env), ensure_ascii=False, separators=(",", ":"))
    else:
        schema = next((t.parameters for t in tools if t.name == name), {})
        arguments = json.dumps(env.generator.arguments(schema), ensure_ascii=False, separators=(",", ":"))
    call_id = spec.id or (env.generator.call_id() if env.generator.seeded else env.ctx.ids.new("call_", 24))
    return ToolCall(id=call_id, name=name, arguments=arguments)


def _render_strings(value: Any, env: ReplyEnv) -> Any:
    if isinstance(value, str):
        return render(value, env)
    if isinstance(value, dict):
        return {k: _render_strings(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_strings(v, env) for v in value]
    return value
