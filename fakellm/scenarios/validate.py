"""Linting scenario files: every mistake as `file:line: rule N: field: message`, with no server started.

`fakellm validate` prints these; `fakellm serve` refuses to start on any error
with the same messages. Warnings (an unreachable rule, braces in fixed text)
are printed but do not fail.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from fakellm.scenarios.format import NAME_PATTERN, Match, ReplySpec, Rule, ScenarioFile, TextMatch
from fakellm.scenarios.loader import (
    Document,
    DocumentError,
    Path_,
    collector_paused,
    read_document,
    scenario_files,
)
from fakellm.scenarios.regexes import MATCH_BUDGET_S, nested_repeat

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    file: str
    line: int
    message: str
    rule: int | None = None  # 1-based
    field: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: "
        if self.rule is not None:
            where += f"rule {self.rule}: "
        if self.field:
            where += f"{self.field}: "
        return where + ("warning: " if self.severity == "warning" else "") + self.message


@dataclass(slots=True)
class LoadedScenario:
    path: Path
    name: str
    spec: ScenarioFile


@dataclass(slots=True)
class Report:
    scenarios: list[LoadedScenario] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


def check_paths(paths: Iterable[Path]) -> Report:
    """Load and lint files and directories; scenario names must be unique across all of them."""
    report = Report()
    files, missing = scenario_files(paths)
    for path in missing:
        report.diagnostics.append(Diagnostic(str(path), 0, "no such file or directory"))
    owners: dict[str, LoadedScenario] = {}
    for path in files:
        loaded, diagnostics = check_file(path)
        report.diagnostics += diagnostics
        if loaded is None:
            continue
        other = owners.get(loaded.name)
        if other is not None:
            report.diagnostics.append(
                Diagnostic(
                    str(path), 1, f"the scenario name '{loaded.name}' is already used by {other.path}", None, "name"
                )
            )
            continue
        owners[loaded.name] = loaded
        report.scenarios.append(loaded)
    return report


def check_file(path: Path) -> tuple[LoadedScenario | None, list[Diagnostic]]:
    # Reading and validating create objects by the hundred a rule, none of them garbage: with the
    # cyclic collector running, its passes over the growing heap made the time a rule grow with the
    # file (450 µs a rule at 4,000 rules, 620 at 32,000); paused, it stays flat.
    with collector_paused():
        return _check_file(path)


def _check_file(path: Path) -> tuple[LoadedScenario | None, list[Diagnostic]]:
    try:
        document = read_document(path)
    except DocumentError as exc:
        return None, [Diagnostic(str(path), exc.line, exc.message)]
    try:
        spec = ScenarioFile.model_validate(document.data)
    except ValidationError as exc:
        return None, [_diagnostic(document, error) for error in exc.errors()]
    name = spec.name or path.stem
    if spec.name is None and not _valid_name(name):
        message = f"the file name '{path.stem}' is not a usable scenario name; add `name:` (letters, digits, . _ -)"
        return None, [Diagnostic(str(path), 1, message, None, "name")]
    return LoadedScenario(path, name, spec), _lint(document, spec)


def _valid_name(name: str) -> bool:
    return re.match(NAME_PATTERN, name) is not None


# --- pydantic errors, worded for people ----------------------------------------------------------


def _diagnostic(document: Document, error: ErrorDetails) -> Diagnostic:
    location = _data_location(document.data, error["loc"])
    rule: int | None = None
    rest: Path_ = location
    if len(location) >= 2 and location[0] == "rules" and isinstance(location[1], int):
        rule, rest = location[1] + 1, location[2:]
    return Diagnostic(str(document.path), document.line_of(location), _message(error), rule, _field(rest))


def _data_location(data: Any, loc: tuple[str | int, ...]) -> Path_:
    """The error location as keys of the file, without pydantic's union and validator labels."""
    out: list[str | int] = []
    current: Any = data
    for position, part in enumerate(loc):
        last = position == len(loc) - 1
        in_dict = isinstance(current, dict) and part in current
        in_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if in_dict or in_list:
            current = current[part]
            out.append(part)
        elif last and isinstance(part, str):
            out.append(part)  # a missing field
    return tuple(out)


def _field(location: Path_) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _message(error: ErrorDetails) -> str:
    kind, given = error["type"], error.get("input")
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        allowed = _allowed_fields(error["loc"][:-1])
        hint = difflib.get_close_matches(key, allowed, n=1)
        message = f"unknown field '{key}'"
        if hint:
            message += f" (did you mean '{hint[0]}'?)"
        return message + (f"; allowed here: {', '.join(allowed)}" if allowed else "")
    if kind == "missing":
        return "this field is required"
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind == "literal_error":
        expected = str(error.get("ctx", {}).get("expected", ""))
        return f"must be one of {expected}, not {given!r}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping of fields, not {given!r}"
    if kind == "string_pattern_mismatch":
        return f"{given!r} is not a valid name: use letters, digits, '.', '_' and '-', starting with a letter or digit"
    message = str(error["msg"])
    return f"{message[0].lower()}{message[1:]}, not {given!r}" if message else repr(given)


def _allowed_fields(loc: tuple[str | int, ...]) -> list[str]:
    """The field names of the model that `loc` points at inside a scenario file."""
    model: Any = ScenarioFile
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return []
        info = next((f for n, f in model.model_fields.items() if part in (n, f.alias)), None)
        if info is None:
            continue  # a dict key such as a header name
        model = _inner_model(info.annotation)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(f.alias or n for n, f in model.model_fields.items())
    return []


def _inner_model(annotation: Any) -> Any:
    """The model inside `X | None`, `list[X]`, `dict[str, X]`."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, list, dict):
        for arg in reversed(typing.get_args(annotation)):
            inner = _inner_model(arg)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                return inner
        return None
    return annotation


# --- lints: valid but almost certainly not what was meant ----------------------------------------


def _lint(document: Document, spec: ScenarioFile) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    file = str(document.path)
    catch_all: int | None = None
    for index, rule in enumerate(spec.rules):
        at = ("rules", index)
        if catch_all is not None:
            message = f"this rule is never reached: rule {catch_all + 1} above matches every request"
            found.append(Diagnostic(file, document.line_of(at), message, index + 1, "match", "warning"))
        elif rule.catches_all and index < len(spec.rules) - 1:
            catch_all = index
        found += _lint_replies(document, rule, index)
        if rule.match is not None:
            found += _lint_regexes(document, rule.match, index)
            found += _lint_demands(document, rule, index)
    return found


def _text_matches(match: Match, at: Path_) -> list[tuple[Path_, TextMatch]]:
    """Every text condition of `match` and its nested all/any/not, with where it is in the file."""
    out: list[tuple[Path_, TextMatch]] = []
    for name in ("user", "system", "model", "tool_result"):
        spec = getattr(match, name)
        if spec is not None:
            out.append(((*at, name), spec))
    for header, spec in (match.header or {}).items():
        out.append(((*at, "header", header), spec))
    for key, subs in (("all", match.all), ("any", match.any)):
        for position, sub in enumerate(subs or []):
            out += _text_matches(sub, (*at, key, position))
    if match.not_ is not None:
        out += _text_matches(match.not_, (*at, "not"))
    return out


def _lint_regexes(document: Document, match: Match, index: int) -> list[Diagnostic]:
    found = []
    for where, spec in _text_matches(match, ("rules", index, "match")):
        if spec.regex is not None and nested_repeat(spec.regex):
            place = (*where, "regex")
            message = (
                f"regex '{spec.regex}' repeats a group that itself repeats (nested quantifiers, as in (a+)+), "
                f"which can backtrack for exponential time on a text that almost matches; a match that takes "
                f"over {MATCH_BUDGET_S:g} s fails its request. Prefer one repeat, or a possessive one (a++)"
            )
            line = document.line_of(place)
            found.append(Diagnostic(str(document.path), line, message, index + 1, _field(place[2:]), "warning"))
    return found


def _lint_demands(document: Document, rule: Rule, index: int) -> list[Diagnostic]:
    """A match on what the request demands that contradicts itself or the rule's own reply."""
    match, found = rule.match, []
    assert match is not None
    at: Path_ = ("rules", index, "match")
    if match.schema_name is not None and match.response_format not in (None, "json_schema"):
        message = (
            f"schema_name only names a json_schema format, so with response_format {match.response_format} "
            "this rule never matches"
        )
        found.append((("schema_name",), message))
    replies = [rule.reply] if rule.reply is not None else list(rule.replies or [])
    if match.tool_choice == "none" and any(reply.tool_calls for reply in replies):
        found.append(
            (
                ("tool_choice",),
                "the request forbids tool calls (tool_choice none), so this rule's tool calls are dropped",
            )
        )
    return [
        Diagnostic(
            str(document.path),
            document.line_of((*at, *where)),
            message,
            index + 1,
            _field(("match", *where)),
            "warning",
        )
        for where, message in found
    ]


def _lint_replies(document: Document, rule: Rule, index: int) -> list[Diagnostic]:
    found = []
    specs: list[tuple[Path_, ReplySpec]] = []
    if rule.reply is not None:
        specs.append((("rules", index, "reply"), rule.reply))
    for position, reply in enumerate(rule.replies or []):
        specs.append((("rules", index, "replies", position), reply))
    for at, reply in specs:
        if reply.text is not None and "{{" in reply.text:
            where = (*at, "text")
            message = "fixed text contains '{{', which is sent as written; use `template:` to fill placeholders"
            line = document.line_of(where)
            found.append(Diagnostic(str(document.path), line, message, index + 1, _field(where[2:]), "warning"))
    return found
