"""The scenario file format: pydantic models shared by YAML and JSON files, and by `fakellm schema`.

A file holds one scenario: a name, defaults (reported model, seed, latency and
other faults), and an ordered list of rules, each `match` → `reply`; the first
rule that matches answers. Every model forbids unknown fields, so a typo is an
error that names the line, never a silently ignored setting.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fakellm.dialects import DIALECTS
from fakellm.faults.spec import FaultSpec
from fakellm.model import OutputKind
from fakellm.scenarios.regexes import compiled_regex
from fakellm.scenarios.templates import Template, TemplateError

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
# What `match: {dialect: ...}` accepts: the name of every registered dialect, as requests report it.
DIALECT_NAMES: tuple[str, ...] = tuple(sorted({dialect.name for dialect in DIALECTS}))
if TYPE_CHECKING:
    DialectName = str
else:
    DialectName = Literal[DIALECT_NAMES]  # validated, and listed in `fakellm schema`, as a choice of names
Exhausted = Literal["repeat_last", "cycle", "error", "next_rule"]
Unmatched = Literal["echo", "error", "repeat"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _one_of(model: BaseModel, names: tuple[str, ...], what: str, *, required: bool = True) -> None:
    given = [n.rstrip("_") for n in names if getattr(model, n) not in (None, False)]
    names = tuple(n.rstrip("_") for n in names)
    if len(given) > 1:
        raise ValueError(f"{what}: give only one of {', '.join(given)}")
    if required and not given:
        raise ValueError(f"{what}: give one of {', '.join(names)}")


def _check_template(value: str | None) -> str | None:
    if value is not None:
        try:
            Template(value)
        except TemplateError as exc:
            raise ValueError(str(exc)) from None
    return value


# --- matching ----------------------------------------------------------------------------------


class TextMatch(_Model):
    """How a piece of text must look. A plain string means `contains`."""

    equals: str | None = Field(None, description="the whole text, exactly")
    contains: str | None = Field(None, description="a substring of the text")
    regex: str | None = Field(None, description="a Python regular expression, searched anywhere (anchor with ^ $)")
    ignore_case: bool = Field(False, description="compare without regard to case")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"contains": value} if isinstance(value, str) else value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)  # the documented syntax is Python's `re`
            except re.error as exc:
                raise ValueError(f"invalid regex {value!r}: {exc}") from None
            try:
                compiled_regex(value, False)  # the engine that matches it, with a time budget
            except Exception as exc:
                raise ValueError(f"regex {value!r} is not supported by the matcher: {exc}") from None
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> TextMatch:
        _one_of(self, ("equals", "contains", "regex"), "a text match")
        return self


class TurnMatch(_Model):
    """Which turn: the number of user messages in the conversation (1 on the first). An integer means exactly."""

    min: int | None = Field(None, ge=1, description="at least this turn")
    max: int | None = Field(None, ge=1, description="at most this turn")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return {"min": value, "max": value}
        if not isinstance(value, dict):
            raise ValueError(f"a turn match is a turn number or {{min, max}}, not {value!r}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> TurnMatch:
        if self.min is None and self.max is None:
            raise ValueError("a turn match: give min, max, or a turn number")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"a turn match: min ({self.min}) is above max ({self.max})")
        return self


class Match(_Model):
    """Conditions on a request; all the conditions given must hold."""

    user: TextMatch | None = Field(None, description="the last user message")
    system: TextMatch | None = Field(None, description="the system (and developer) prompt")
    model: TextMatch | None = Field(None, description="the model name the client asked for")
    dialect: list[DialectName] | None = Field(None, description="the provider dialect (one name or a list)")
    turn: TurnMatch | None = Field(None, description="the turn number, or {min, max}")
    has_tools: bool | None = Field(None, description="whether the request offers any tools")
    tool: str | None = Field(None, description="a tool of this name is offered")
    after_tool: bool | None = Field(None, description="whether the last message is a tool result")
    tool_result: TextMatch | None = Field(None, description="the last message is a tool result whose content matches")
    tool_result_of: str | None = Field(None, description="the last message is the result of the tool of this name")
    header: dict[str, TextMatch] | None = Field(None, description="request headers (names are case-insensitive)")
    tool_choice: str | None = Field(
        None, description="the request's tool choice: none, auto, required, or the name of the tool it demands"
    )
    response_format: OutputKind | None = Field(
        None, description="the output format asked for: text, json_object or json_schema"
    )
    schema_name: str | None = Field(None, description="the name of the JSON schema asked for (json_schema)")
    all: list[Match] | None = Field(None, description="every one of these matches")
    any: list[Match] | None = Field(None, description="at least one of these matches")
    not_: Match | None = Field(None, alias="not", description="this does not match")

    @field_validator("dialect", mode="before")
    @classmethod
    def _one_dialect(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("header")
    @classmethod
    def _lower_names(cls, value: dict[str, TextMatch] | None) -> dict[str, TextMatch] | None:
        return None if value is None else {k.lower(): v for k, v in value.items()}

    @property
    def is_empty(self) -> bool:
        return not self.model_fields_set


# --- replies -----------------------------------------------------------------------------------


class GenerateSpec(_Model):
    """Faker text: exactly one of sentences, paragraphs or words. Reproducible with a seed."""

    sentences: int | None = Field(None, ge=1, le=200)
    paragraphs: int | None = Field(None, ge=1, le=50)
    words: int | None = Field(None, ge=1, le=2000)

    @model_validator(mode="after")
    def _exactly_one(self) -> GenerateSpec:
        _one_of(self, ("sentences", "paragraphs", "words"), "generate")
        return self


class ToolCallSpec(_Model):
    """A tool call. Without `name`: the tool the request's tool choice names (or the first it allows),
    else the first offered. Without `arguments`: generated from the offered tool's JSON Schema. Strings
    inside an `arguments` object are templates."""

    name: str | None = Field(
        None, description="the tool to call; omitted: the tool the request's tool_choice names, else the first offered"
    )
    arguments: dict[str, Any] | str | None = Field(
        None, description="an object, or its JSON text; omitted: generated from the tool's schema"
    )
    id: str | None = Field(None, description="the call id; omitted: call_ + 24 letters and digits")

    @field_validator("arguments")
    @classmethod
    def _json_object(cls, value: dict[str, Any] | str | None) -> dict[str, Any] | str | None:
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError as exc:
                raise ValueError(f"arguments text is not JSON: {exc.msg} at column {exc.colno}") from None
            if not isinstance(parsed, dict):
                raise ValueError("arguments must be a JSON object")
        elif isinstance(value, dict):
            _check_strings(value)
        return value


def _check_strings(value: Any) -> None:
    if isinstance(value, str):
        _check_template(value)
    elif isinstance(value, dict):
        for item in value.values():
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


class UsageSpec(_Model):
    """Token counts to report instead of the counted ones; a count left out is still counted."""

    prompt_tokens: int | None = Field(None, ge=0)
    completion_tokens: int | None = Field(None, ge=0)
    reasoning_tokens: int | None = Field(None, ge=0)


class ReplySpec(_Model):
    """One answer. A plain string means `text`. At most one of text, template, echo, generate, json."""

    text: str | None = Field(None, description="fixed text, sent as written")
    json_: dict[str, Any] | list[Any] | None = Field(
        None,
        alias="json",
        description="a JSON value, sent as compact JSON text (string values are templates); checked against "
        "the schema of a structured-output request, and replaced by a generated value when it does not fit",
    )
    template: str | None = Field(None, description="text with {{ placeholders }}: user, model, capture.1, ...")
    echo: bool = Field(False, description="the last user message, as it was sent")
    generate: GenerateSpec | None = Field(None, description="Faker text: {sentences: N} | {paragraphs: N} | {words: N}")
    reasoning: str | None = Field(None, description="reasoning (thinking) text, streamed before the answer; a template")
    reasoning_content: bool = Field(
        False, description="also show the reasoning to OpenAI-style clients, as DeepSeek does (`reasoning_content`)"
    )
    tool_calls: list[ToolCallSpec] | None = Field(None, description="tool calls to make")
    finish_reason: Literal["stop", "length", "tool_calls", "content_filter"] | None = Field(
        None, description="overrides the derived finish reason"
    )
    usage: UsageSpec | None = Field(None, description="overrides the counted token usage")
    embedding: list[float] | None = Field(
        None, min_length=1, max_length=65536, description="the vector an embedding request gets, for every input"
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, str) else value

    @field_validator("template", "reasoning")
    @classmethod
    def _valid_template(cls, value: str | None) -> str | None:
        return _check_template(value)

    @field_validator("json_")
    @classmethod
    def _valid_json(cls, value: dict[str, Any] | list[Any] | None) -> dict[str, Any] | list[Any] | None:
        if value is not None:
            _check_strings(value)
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"json: not a JSON value: {exc}") from None
        return value

    @model_validator(mode="after")
    def _has_content(self) -> ReplySpec:
        sources = ("text", "template", "echo", "generate", "json_")
        _one_of(self, sources, "a reply", required=False)
        has_text = any(getattr(self, n) not in (None, False) for n in sources)
        if not (has_text or self.tool_calls or self.reasoning or self.embedding):
            raise ValueError("a reply needs text, template, echo, generate, json, reasoning, tool_calls or embedding")
        return self


# --- rules and the file ------------------------------------------------------------------------

FAULT_FIELDS = frozenset(FaultSpec.model_fields)


def fault_part(spec: FaultSpec) -> FaultSpec:
    """Only the fault settings of a rule or of the defaults, as a plain `FaultSpec`."""
    return FaultSpec.model_validate(spec.model_dump(include=set(FAULT_FIELDS), exclude_unset=True))


class Rule(FaultSpec):
    """`match` → `reply` (or a sequence of `replies`), with optional faults for this rule only."""

    name: str | None = Field(None, description="shown in the journal; default 'rule N'")
    match: Match | None = Field(None, description="conditions; omitted: every request")
    reply: ReplySpec | None = Field(None, description="the answer")
    replies: list[ReplySpec] | None = Field(
        None, min_length=1, description="answers for successive matching requests, in order"
    )
    exhausted: Exhausted | None = Field(
        None,
        description="after the last of `replies`: repeat_last (default), cycle, error, or next_rule (stop matching)",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_keys(cls, value: Any) -> Any:
        if isinstance(value, dict) and "api_keys" in value:
            # Keys are judged before any rule runs, so a refused call never moves a sequence on.
            raise ValueError("`api_keys` belongs in the scenario's `defaults`, not in a rule")
        return value

    @model_validator(mode="after")
    def _one_answer(self) -> Rule:
        if self.reply is None and self.replies is None:
            raise ValueError("a rule needs `reply` or `replies`")
        if self.reply is not None and self.replies is not None:
            raise ValueError("a rule takes `reply` or `replies`, not both")
        if self.exhausted is not None and self.replies is None:
            raise ValueError("`exhausted` applies only to a sequence of `replies`")
        return self

    @property
    def catches_all(self) -> bool:
        """Whether this rule answers every request, so that no later rule can."""
        unconditional = self.match is None or self.match.is_empty
        return unconditional and self.exhausted != "next_rule"


class Defaults(FaultSpec):
    """What applies to every rule: the model name reported, the seed, and faults (latency, errors, ...)."""

    model: str | None = Field(None, description="the model name reported in replies; omitted: the requested one")
    seed: int | None = Field(None, description="seed for generated text and ids when neither --seed nor the header")
    api_keys: list[str] | None = Field(None, description="keys this scenario accepts, instead of --api-key")
    strict_models: bool | None = Field(
        None, description="answer model names the provider does not serve with its 404 (as --strict-models)"
    )


class ScenarioFile(_Model):
    """A scenario: what fakellm answers when this scenario is selected."""

    schema_: str | None = Field(None, alias="$schema", description="the JSON Schema URL, for editors")
    name: str | None = Field(None, pattern=NAME_PATTERN, description="the scenario name; omitted: the file name")
    description: str = Field("", description="one line, shown in listings")
    defaults: Defaults = Field(default_factory=lambda: Defaults.model_validate({}))
    unmatched: Unmatched = Field(
        "echo",
        description="a request no rule answers: echo it (default); refuse it with an error naming the closest "
        "rule (`error`, what `fakellm record` writes); or `repeat`: answer it as the last used-up rule it matches "
        "last answered (a recording served again and again), else refuse it",
    )
    rules: list[Rule] = Field(default_factory=list, description="tried in order; the first match answers")


def json_schema() -> dict[str, Any]:
    schema = ScenarioFile.model_json_schema(by_alias=True)
    return {**schema, "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "fakellm scenario"}
