"""Rule regexes: compiled with the `regex` package so every match runs with a time budget.

Python's `re` cannot be interrupted: a pattern that backtracks catastrophically
(`^(a|a)+$` on a long run of `a` and a `!`) holds the server's one event loop
until the process is killed. `regex` takes a `timeout=` on each search and is
compatible with `re` syntax (its default VERSION0 mode), keeping backreferences
and lookarounds that a linear-time engine such as RE2 drops. Files are still
checked against `re` syntax, so the documented dialect does not change.

`request_regex` compiles a pattern that came with a request (a JSON Schema `pattern`): `regex` takes
time to compile counted repeats nested in counted repeats (`((a|b){999}){999}` takes seconds), so a
pattern whose counts multiply past `MAX_REPEAT_WEIGHT` is not compiled at all.

`nested_repeat` finds the usual cause of catastrophic backtracking, a variable
repeat inside another repeat, so `fakellm validate` can warn before a request hangs.
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass
from typing import Any

import regex

# How long one rule's regex may search one text; past it the request fails with a clear error.
MATCH_BUDGET_S = 0.25

_parser: Any = importlib.import_module("re._parser")  # the parser behind `re` (no public API for the tree)
_REPEATS = (_parser.MAX_REPEAT, _parser.MIN_REPEAT)


class RegexTimeout(Exception):
    """A rule regex ran past its time budget on one text; `where` says which condition (`user`, ...)."""

    def __init__(self, pattern: str, where: str, budget: float) -> None:
        super().__init__(f"regex {pattern!r} on {where} ran past {budget} s")
        self.pattern = pattern
        self.where = where
        self.budget = budget


@functools.lru_cache(maxsize=512)
def compiled_regex(pattern: str, ignore_case: bool) -> regex.Pattern[str]:
    flags = regex.VERSION0 | (regex.IGNORECASE if ignore_case else 0)
    return regex.compile(pattern, flags)


MAX_REPEAT_WEIGHT = 10_000  # the product of nested repeat counts a request's pattern may reach
_ECMA_NAMED_GROUP = re.compile(r"(?<!\\)\(\?<(?![=!])")


@dataclass(frozen=True, slots=True)
class RequestRegex:
    """A pattern that came with a request, compiled; `guarded` when it repeats a group and so is searched
    with a time budget (a budget costs about 400 µs a search, so patterns that cannot backtrack badly,
    whose repeats hold one character class each, go without)."""

    pattern: regex.Pattern[str]
    guarded: bool

    def search(self, text: str, budget: float) -> bool:
        """Whether the pattern is found in `text`; `TimeoutError` past `budget` seconds (guarded ones only)."""
        if self.guarded:
            return self.pattern.search(text, timeout=budget) is not None
        return self.pattern.search(text) is not None


@functools.lru_cache(maxsize=256)
def request_regex(pattern: str) -> RequestRegex | None:
    """`pattern` compiled, or None when it is not valid `re` syntax or its nested counted repeats would
    make compiling it slow. ECMAScript's named groups (`(?<name>…)`, as JSON Schema patterns are
    written) are read as Python's (`(?P<name>…)`)."""
    pattern = _ECMA_NAMED_GROUP.sub("(?P<", pattern)
    try:
        tree = list(_parser.parse(pattern))
        if _weight(tree) > MAX_REPEAT_WEIGHT:
            return None
        return RequestRegex(regex.compile(pattern, regex.VERSION0), _repeats_a_group(tree))
    except Exception:  # any failure to parse or compile: the pattern cannot be used
        return None


_SINGLE = ("LITERAL", "NOT_LITERAL", "IN", "ANY", "CATEGORY")


def _repeats_a_group(items: list[tuple[Any, Any]]) -> bool:
    """Whether some repeat holds more than one character class (a group, an alternation, another repeat,
    a backreference): only those can backtrack badly (`(a|a)+`, `(a+)+`); `[A-Z]{3}` or `\\d+` cannot."""
    for op, value in items:
        if op in _REPEATS:
            _, high, sub = value
            if high > 1 and any(str(inner) not in _SINGLE for inner, _ in sub):
                return True
            if _repeats_a_group(list(sub)):
                return True
        elif any(_repeats_a_group(list(sub)) for sub in _children(op, value)):
            return True
    return False


def _weight(items: list[tuple[Any, Any]]) -> int:
    """About the size a pattern expands to when compiled: counted repeats multiply what they hold."""
    total = 0
    for op, value in items:
        if op in _REPEATS:
            low, high, sub = value
            count = low if high == _parser.MAXREPEAT else high
            total += max(1, count) * max(1, _weight(list(sub)))
        else:
            total += 1 + sum(_weight(list(sub)) for sub in _children(op, value))
        if total > MAX_REPEAT_WEIGHT:
            return total
    return total


def nested_repeat(pattern: str) -> bool:
    """Whether `pattern` repeats something that itself repeats a variable number of times, such as
    `(a+)+` or `(\\w+\\s?)*$`: on a text that almost matches, backtracking can take exponential time.
    Possessive repeats and atomic groups never backtrack into themselves, so they do not count."""
    try:
        tree = _parser.parse(pattern)
    except Exception:  # not valid `re` syntax: reported as an error elsewhere
        return False
    return _has_nested(list(tree), False)


def _has_nested(items: list[tuple[Any, Any]], in_repeat: bool) -> bool:
    for op, value in items:
        if op in _REPEATS:
            low, high, sub = value
            if in_repeat and high > 1 and low != high:
                return True
            if _has_nested(list(sub), in_repeat or high > 1):
                return True
        elif any(_has_nested(list(sub), in_repeat) for sub in _children(op, value)):
            return True
    return False


def _children(op: Any, value: Any) -> list[Any]:
    """The sub-patterns of a group, alternation, lookaround or conditional; none for anything else
    (possessive repeats and atomic groups included: they never backtrack)."""
    if op is _parser.SUBPATTERN:
        return [value[3]]
    if op is _parser.BRANCH:
        return list(value[1])
    if op in (_parser.ASSERT, _parser.ASSERT_NOT):
        return [value[1]]
    if op is _parser.GROUPREF_EXISTS:
        return [part for part in value[1:] if part is not None]
    return []
