"""Naming the rule a request came closest to, for a scenario that refuses requests no rule answers.

A recorded scenario (`unmatched: error`) answers only what was recorded; a request it cannot answer is
refused with a message that shows the request and the recorded request most like it, so the
difference (a changed prompt, a different turn, one call too many) can be seen at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from fakellm.context import RequestContext
from fakellm.errors import ApiError
from fakellm.model import ChatRequest
from fakellm.scenarios.format import Rule
from fakellm.scenarios.matching import Matcher, last_tool_result, tool_result_name
from fakellm.scenarios.regexes import RegexTimeout

NO_RULE_CODE = "fakellm_no_recording"
# Marks that error on the wire (fakellm's own header, as `x-fakellm-*` request headers are), so that a
# recorder replaying a cassette first can tell "no recorded answer" from a recorded error.
NO_RULE_HEADER = "x-fakellm-no-recorded-answer"
_COMPARED = 400  # characters of each text compared: bounded, whatever the request holds
_SHOWN = 120  # characters of a text shown in the message


def _short(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


def describe_request(request: ChatRequest) -> str:
    """A request as the message names it: dialect, model, turn, last user message, tool result."""
    words = f"{request.dialect} request for model {request.model!r}, turn {request.turn}, "
    words += f"last user message {_short(request.last_user_text)}"
    result = last_tool_result(request)
    if result is not None:
        words += f", after a result of tool {tool_result_name(request, result)!r}"
    return words


def _rule_text(rule: Rule) -> str:
    user = rule.match.user if rule.match is not None else None
    if user is None:
        return ""
    return user.equals or user.contains or user.regex or ""


def _describe_rule(rule: Rule, label: str) -> str:
    match = rule.match
    parts = [f"last user message {_short(_rule_text(rule))}"]
    if match is not None and match.turn is not None:
        parts.append(f"turn {match.turn.min}" if match.turn.min == match.turn.max else "a range of turns")
    if match is not None and match.tool_result_of is not None:
        parts.append(f"after a result of tool {match.tool_result_of!r}")
    return f"{label} ({', '.join(parts)})"


def _score(rule: Rule, request: ChatRequest) -> float:
    wanted = _rule_text(rule)[:_COMPARED]
    given = request.last_user_text[:_COMPARED]
    score = SequenceMatcher(None, wanted, given, autojunk=False).ratio()
    match = rule.match
    if match is not None and match.turn is not None and match.turn.min is not None:
        score -= 0.1 * min(abs(match.turn.min - request.turn), 5)
    after_tool = last_tool_result(request) is not None
    if match is not None and (match.tool_result_of is not None) != after_tool:
        score -= 0.2
    return score


def unmatched_error(
    scenario: str,
    rules: Sequence[Rule],
    labels: Sequence[str],
    matchers: Sequence[Matcher],
    request: ChatRequest,
    ctx: RequestContext,
) -> ApiError:
    """The 400 for a request no rule of `scenario` answered, naming the closest rule."""
    message = f"Scenario '{scenario}' has no recorded answer for this {describe_request(request)}."
    if rules:
        best = max(range(len(rules)), key=lambda i: _score(rules[i], request))
        message += f" The closest recorded request is {_describe_rule(rules[best], labels[best])}"
        try:
            answered = matchers[best](request, ctx) is not None
        except RegexTimeout:
            answered = False
        if answered:
            message += ", which matches but has been answered already (each recording answers once)"
        message += "."
    else:
        message += " Nothing has been recorded in it."
    return ApiError(400, message, code=NO_RULE_CODE, headers={NO_RULE_HEADER: "1"})
