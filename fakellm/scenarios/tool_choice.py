"""Tool choice, obeyed: which tools a reply may call, and a reply's calls made to fit what the request allows.

`none` never calls a tool (the calls are dropped; text is kept, or written when there is none);
a named choice calls that tool; `required` always calls one: the reply's own calls to allowed tools,
else a tool not called yet in the conversation when there is one (pydantic-ai's output tool comes
after its function tools, and its run ends by calling it), else the first allowed one; `auto` leaves
the reply as it is. Without parallel tool calls a reply makes one call at most. A call made here has
arguments generated from the tool's schema.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fakellm.model import ChatRequest, Reply, Tool, ToolCall
from fakellm.scenarios.generate import Generator


def allowed_tools(request: ChatRequest) -> list[Tool]:
    """The offered tools a call may go to: those the choice names (`named`, or `required`/`auto` with
    allowed names), else all of them. A named tool that is not offered still counts, schema-less."""
    names = request.tool_choice.names
    if request.tool_choice.mode == "none" or not names:
        return list(request.tools)
    by_name = {tool.name: tool for tool in request.tools}
    return [by_name.get(name) or Tool(name=name) for name in names]


def first_allowed_tool(request: ChatRequest) -> Tool | None:
    """The tool a scenario's call without a name goes to: the first the choice allows."""
    allowed = allowed_tools(request)
    return allowed[0] if allowed else None


def _called(request: ChatRequest) -> set[str]:
    return {call.name for message in request.messages for call in message.tool_calls}


def _next_tool(request: ChatRequest, allowed: list[Tool]) -> Tool:
    called = _called(request)
    return next((tool for tool in allowed if tool.name not in called), allowed[0])


def _names(calls: list[ToolCall]) -> str:
    return ", ".join(call.name for call in calls)


def obey_tool_choice(request: ChatRequest, reply: Reply, gen: Generator, new_id: Callable[[], str]) -> None:
    """Change `reply` in place to fit the request's tool choice; each change is noted in `adjustments`."""
    mode = request.tool_choice.mode
    notes = reply.adjustments
    if mode == "none":
        if reply.tool_calls:
            notes.append(f"tool_choice none: dropped the tool call(s) {_names(reply.tool_calls)}")
            reply.tool_calls = []
            if not reply.text:
                reply.text = str(gen.faker.sentence(nb_words=10))
                notes.append("tool_choice none: the reply had only tool calls, so text was written instead")
    elif mode in ("named", "required") and (request.tools or request.tool_choice.names):
        allowed = allowed_tools(request)
        names = {tool.name for tool in allowed}
        kept = [call for call in reply.tool_calls if call.name in names]
        if mode == "named":
            kept = kept[:1]
        dropped = [call for call in reply.tool_calls if call not in kept]
        if dropped:
            notes.append(f"tool_choice {_choice(request)}: dropped the tool call(s) {_names(dropped)}")
        if not kept:
            tool = _next_tool(request, allowed)
            arguments = json.dumps(gen.arguments(tool.parameters), ensure_ascii=False, separators=(",", ":"))
            kept = [ToolCall(id=new_id(), name=tool.name, arguments=arguments)]
            notes.append(f"tool_choice {_choice(request)}: called {tool.name} with generated arguments")
            if reply.text:
                reply.text = ""
                notes.append(f"tool_choice {_choice(request)}: the scenario's text was dropped for the call")
        reply.tool_calls = kept
    elif mode == "auto" and request.tool_choice.names:  # "auto among these": calls to others are dropped
        allowed_names = set(request.tool_choice.names)
        dropped = [call for call in reply.tool_calls if call.name not in allowed_names]
        if dropped:
            notes.append(f"tool_choice {_choice(request)}: dropped the tool call(s) {_names(dropped)}")
            reply.tool_calls = [call for call in reply.tool_calls if call.name in allowed_names]
    if not request.parallel_tool_calls and len(reply.tool_calls) > 1:
        notes.append(f"parallel_tool_calls false: kept only the first of {len(reply.tool_calls)} tool calls")
        reply.tool_calls = reply.tool_calls[:1]
    if reply.finish_reason == ("stop" if reply.tool_calls else "tool_calls"):
        reply.finish_reason = None  # derived again from what the reply now holds


def _choice(request: ChatRequest) -> str:
    choice = request.tool_choice
    if choice.mode == "named":
        return choice.names[0] if choice.names else "named"
    return choice.mode + (f" ({', '.join(choice.names)})" if choice.names else "")
