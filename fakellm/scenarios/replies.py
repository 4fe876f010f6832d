"""Turning a rule's reply spec into a neutral `Reply`: text, templates, Faker text, tool calls, usage.

`ReplyEnv` is what one request offers a reply: the request, its headers, the
regex captures of the rule that matched, and a seeded `Generator`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fakellm.context import RequestContext
from fakellm.errors import ApiError
from fakellm.model import ChatRequest, Reply, ToolCall, Usage
from fakellm.scenarios.format import ReplySpec, ToolCallSpec
from fakellm.scenarios.generate import Generator
from fakellm.scenarios.matching import Captures, last_tool_result
from fakellm.scenarios.templates import Template
from fakellm.tokens import prompt_tokens, reply_usage


@dataclass(slots=True)
class ReplyEnv:
    request: ChatRequest
    ctx: RequestContext
    captures: Captures
    generator: Generator
    scenario: str = ""
    rule: str = ""

    def values(self) -> TemplateValues:
        """What a template can show."""
        return TemplateValues(self)


def _tool_result_text(env: ReplyEnv) -> str:
    message = last_tool_result(env.request)
    return message.text if message is not None else ""


_VARIABLES: dict[str, Callable[[ReplyEnv], str | Mapping[str, str]]] = {
    "user": lambda env: env.request.last_user_text,
    "system": lambda env: env.request.system_prompt,
    "model": lambda env: env.request.model,
    "dialect": lambda env: env.request.dialect,
    "turn": lambda env: str(env.request.turn),
    "tool_result": _tool_result_text,
    "scenario": lambda env: env.scenario,
    "rule": lambda env: env.rule,
    "capture": lambda env: env.captures,
    "header": lambda env: env.ctx.headers,
}


class TemplateValues(Mapping[str, "str | Mapping[str, str]"]):
    """The template variables of one request, each worked out only if a template shows it."""

    def __init__(self, env: ReplyEnv) -> None:
        self._env = env

    def __getitem__(self, name: str) -> str | Mapping[str, str]:
        return _VARIABLES[name](self._env)

    def get(self, name: str, default: Any = None) -> Any:  # Mapping's own `get` goes through a try/except
        variable = _VARIABLES.get(name)
        return default if variable is None else variable(self._env)

    def __iter__(self) -> Iterator[str]:
        return iter(_VARIABLES)

    def __len__(self) -> int:
        return len(_VARIABLES)


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
        reasoning_as_content_field=spec.reasoning_content,
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
    return ""


def _tool_call(spec: ToolCallSpec, env: ReplyEnv) -> ToolCall:
    tools = env.request.tools
    name = spec.name
    if name is None:
        if not tools:
            raise ApiError(
                400,
                f"Scenario '{env.scenario}' {env.rule} calls the first offered tool, but the request offers no tools.",
                param="tools",
                code="scenario_needs_tools",
            )
        name = tools[0].name
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
