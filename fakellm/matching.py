"""Deciding whether a rule's `match` holds for a request, and collecting its regex captures.

`evaluate` returns the captures (possibly empty) when the conditions hold and
None when they do not; captures are what `{{ capture.N }}` shows in a reply.
"""

from __future__ import annotations

from fakellm.context import RequestContext
from fakellm.neutral import ChatRequest, Message
from fakellm.scenario import Match, TextMatch, TurnMatch, compiled_regex

Captures = dict[str, str]


def text_matches(spec: TextMatch, text: str) -> Captures | None:
    """The captures of `spec` on `text` (`"0"` is the whole match), or None when it does not match."""
    if spec.regex is not None:
        found = compiled_regex(spec.regex, spec.ignore_case).search(text)
        if found is None:
            return None
        captures = {str(i): (g or "") for i, g in enumerate([found.group(0), *found.groups()])}
        captures.update({k: (v or "") for k, v in found.groupdict().items()})
        return captures
    wanted = spec.equals if spec.equals is not None else spec.contains or ""
    subject = text
    if spec.ignore_case:
        subject, wanted = subject.casefold(), wanted.casefold()
    if spec.equals is not None:
        return {} if subject == wanted else None
    return {} if wanted in subject else None


def turn_matches(spec: TurnMatch, turn: int) -> bool:
    return (spec.min is None or turn >= spec.min) and (spec.max is None or turn <= spec.max)


def tool_result_name(request: ChatRequest, message: Message) -> str | None:
    """The tool a result answers: its own name, else the call with its id in an earlier assistant message."""
    if message.name:
        return message.name
    for earlier in reversed(request.messages):
        for call in earlier.tool_calls:
            if call.id and call.id == message.tool_call_id:
                return call.name
    return None


def last_tool_result(request: ChatRequest) -> Message | None:
    last = request.last_message
    return last if last is not None and last.role == "tool" else None


def evaluate(match: Match | None, request: ChatRequest, ctx: RequestContext) -> Captures | None:
    if match is None:
        return {}
    captures: Captures = {}

    def text(spec: TextMatch, subject: str) -> bool:
        found = text_matches(spec, subject)
        if found is None:
            return False
        captures.update(found)
        return True

    result = _tool_conditions(match, request)
    # Each subject is worked out only when the rule asks about it.
    result = result and (match.user is None or text(match.user, request.last_user_text))
    result = result and (match.system is None or text(match.system, request.system_prompt))
    result = result and (match.model is None or text(match.model, request.model))
    result = result and (match.dialect is None or request.dialect in match.dialect)
    result = result and (match.turn is None or turn_matches(match.turn, request.turn))
    if result and match.tool_result is not None:
        tool_message = last_tool_result(request)
        result = tool_message is not None and text(match.tool_result, tool_message.text)
    for name, spec in (match.header or {}).items():
        value = ctx.header(name)
        result = result and value is not None and text(spec, value)
    for sub in match.all or []:
        found = evaluate(sub, request, ctx) if result else None
        result = found is not None
        captures.update(found or {})
    if result and match.any is not None:
        found = next((f for f in (evaluate(s, request, ctx) for s in match.any) if f is not None), None)
        result = found is not None
        captures.update(found or {})
    if result and match.not_ is not None:
        result = evaluate(match.not_, request, ctx) is None
    return captures if result else None


def _tool_conditions(match: Match, request: ChatRequest) -> bool:
    if match.has_tools is not None and bool(request.tools) != match.has_tools:
        return False
    if match.tool is not None and all(t.name != match.tool for t in request.tools):
        return False
    tool_message = last_tool_result(request)
    if match.after_tool is not None and (tool_message is not None) != match.after_tool:
        return False
    if match.tool_result_of is not None:
        return tool_message is not None and tool_result_name(request, tool_message) == match.tool_result_of
    return True
