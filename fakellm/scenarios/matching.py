"""Deciding whether a rule's `match` holds for a request, and collecting its regex captures.

A rule's `match` is compiled once, when its scenario loads, into a function of
the request (`compile_match`): it returns the captures (possibly empty) when the
conditions hold and None when they do not; captures are what `{{ capture.N }}`
shows in a reply.
"""

from __future__ import annotations

from collections.abc import Callable

from fakellm.context import RequestContext
from fakellm.model import ChatRequest, Message
from fakellm.scenarios import regexes
from fakellm.scenarios.format import Match, TextMatch, TurnMatch
from fakellm.scenarios.regexes import RegexTimeout, compiled_regex

Captures = dict[str, str]


def text_matcher(
    spec: TextMatch, where: str = "the text", budget: float | None = None
) -> Callable[[str], Captures | None]:
    """`spec` as a function of the text: its captures (`"0"` is the whole match), or None when it does
    not match. Built once per rule when a scenario loads; only the matching runs per request.

    A regex search taking longer than `budget` seconds (`regexes.MATCH_BUDGET_S` when None) raises
    `RegexTimeout` naming `where`."""
    if spec.regex is not None:
        source = spec.regex
        seconds = regexes.MATCH_BUDGET_S if budget is None else budget
        pattern = compiled_regex(source, spec.ignore_case)
        keys = [str(i) for i in range(pattern.groups + 1)]
        named = bool(pattern.groupindex)

        def regex(text: str) -> Captures | None:
            try:
                found = pattern.search(text, timeout=seconds)
            except TimeoutError:
                raise RegexTimeout(source, where, seconds) from None
            if found is None:
                return None
            captures = dict(zip(keys, (found[0], *found.groups("")), strict=True))
            if named:
                captures.update(found.groupdict(""))
            return captures

        return regex
    exact = spec.equals is not None
    wanted = spec.equals if spec.equals is not None else spec.contains or ""
    if spec.ignore_case:
        wanted = wanted.casefold()
        if exact:
            return lambda text: {} if text.casefold() == wanted else None
        return lambda text: {} if wanted in text.casefold() else None
    if exact:
        return lambda text: {} if text == wanted else None
    return lambda text: {} if wanted in text else None


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


def tool_choice_is(request: ChatRequest, wanted: str) -> bool:
    """`none`, `auto`, `required`: the request's mode; a tool's name: a choice that demands that tool
    (named, or required with it as the only allowed one)."""
    choice = request.tool_choice
    if wanted in ("none", "auto", "required"):
        return choice.mode == wanted
    if choice.mode == "named":
        return choice.names[:1] == (wanted,)
    return choice.mode == "required" and choice.names == (wanted,)


Matcher = Callable[[ChatRequest, RequestContext], "Captures | None"]
# One condition of a rule: whether it holds, adding any regex captures to the dict it is given.
_Check = Callable[[ChatRequest, RequestContext, Captures], bool]


def compile_match(match: Match | None) -> Matcher:
    """`match` as a function of the request: its captures when every condition holds, else None.

    Only the conditions a rule gives are checked, in a fixed order (tools, user, system, model, dialect,
    turn, tool result, tool choice, output format, headers, all, any, not), each subject worked out only
    when asked for.
    """
    checks = _checks(match) if match is not None else []
    if not checks:
        return lambda request, ctx: {}

    def matcher(request: ChatRequest, ctx: RequestContext) -> Captures | None:
        captures: Captures = {}
        for check in checks:
            if not check(request, ctx, captures):
                return None
        return captures

    return matcher


def _text_check(
    spec: TextMatch, subject: Callable[[ChatRequest, RequestContext], str | None], where: str
) -> _Check:
    matches = text_matcher(spec, where)

    def check(request: ChatRequest, ctx: RequestContext, captures: Captures) -> bool:
        value = subject(request, ctx)
        found = matches(value) if value is not None else None
        if found is None:
            return False
        if found:
            captures.update(found)
        return True

    return check


def _tool_result_text(request: ChatRequest, ctx: RequestContext) -> str | None:
    message = last_tool_result(request)
    return message.text if message is not None else None


def _header_subject(name: str) -> Callable[[ChatRequest, RequestContext], str | None]:
    return lambda request, ctx: ctx.header(name)


def _checks(match: Match) -> list[_Check]:
    checks: list[_Check] = []
    if any(v is not None for v in (match.has_tools, match.tool, match.after_tool, match.tool_result_of)):
        checks.append(lambda request, ctx, captures: _tool_conditions(match, request))
    if match.user is not None:
        checks.append(_text_check(match.user, lambda request, ctx: request.last_user_text, "match.user"))
    if match.system is not None:
        checks.append(_text_check(match.system, lambda request, ctx: request.system_prompt, "match.system"))
    if match.model is not None:
        checks.append(_text_check(match.model, lambda request, ctx: request.model, "match.model"))
    if match.dialect is not None:
        dialects = frozenset(match.dialect)
        checks.append(lambda request, ctx, captures: request.dialect in dialects)
    if match.turn is not None:
        turn = match.turn
        checks.append(lambda request, ctx, captures: turn_matches(turn, request.turn))
    if match.tool_result is not None:
        checks.append(_text_check(match.tool_result, _tool_result_text, "match.tool_result"))
    if match.tool_choice is not None:
        wanted_choice = match.tool_choice
        checks.append(lambda request, ctx, captures: tool_choice_is(request, wanted_choice))
    if match.response_format is not None:
        kind = match.response_format
        checks.append(lambda request, ctx, captures: request.output.kind == kind)
    if match.schema_name is not None:
        schema_name = match.schema_name
        checks.append(lambda request, ctx, captures: request.output.name == schema_name)
    for name, spec in (match.header or {}).items():
        checks.append(_text_check(spec, _header_subject(name), f"match.header.{name}"))
    for sub in match.all or []:
        checks.append(_sub_check(compile_match(sub)))
    if match.any is not None:
        checks.append(_any_check([compile_match(s) for s in match.any]))
    if match.not_ is not None:
        negated = compile_match(match.not_)
        checks.append(lambda request, ctx, captures: negated(request, ctx) is None)
    return checks


def _sub_check(sub: Matcher) -> _Check:
    def check(request: ChatRequest, ctx: RequestContext, captures: Captures) -> bool:
        found = sub(request, ctx)
        if found is None:
            return False
        captures.update(found)
        return True

    return check


def _any_check(subs: list[Matcher]) -> _Check:
    def check(request: ChatRequest, ctx: RequestContext, captures: Captures) -> bool:
        for sub in subs:
            found = sub(request, ctx)
            if found is not None:
                captures.update(found)
                return True
        return False

    return check


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
