"""The neutral request and reply that sit between the dialects.

A dialect parses provider JSON into a `ChatRequest`; a scenario answers with
`Reply` objects; the dialect frames those back. Nothing here knows a provider's
field names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

Role = Literal["system", "developer", "user", "assistant", "tool"]
FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "error"]


@dataclass(slots=True)
class TextPart:
    text: str
    kind: Literal["text"] = "text"


@dataclass(slots=True)
class ImagePart:
    """An image given by URL (OpenAI `image_url`) or inline bytes (Gemini `inlineData`)."""

    url: str = ""
    mime_type: str = ""
    kind: Literal["image"] = "image"


@dataclass(slots=True)
class FilePart:
    """Any other non-text part (audio, files); kept so scenarios can see it was sent."""

    mime_type: str = ""
    kind: Literal["file"] = "file"


Part = TextPart | ImagePart | FilePart


@dataclass(slots=True)
class ToolCall:
    id: str
    name: str
    arguments: str  # a JSON object, as text


@dataclass(slots=True)
class Message:
    role: Role
    parts: list[Part] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None

    @property
    def text(self) -> str:
        parts = self.parts
        if len(parts) == 1 and type(parts[0]) is TextPart:  # most messages: one string of content
            return parts[0].text
        return "".join(p.text for p in parts if isinstance(p, TextPart))


@dataclass(slots=True)
class Tool:
    name: str
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)


ToolChoiceMode = Literal["auto", "none", "required", "named"]


@dataclass(frozen=True, slots=True)
class ToolChoice:
    """What the request allows or demands of tool calls.

    `auto`: the model decides; `none`: no tool call; `required`: at least one call, to one of
    `names` when given (Gemini's `ANY` with `allowedFunctionNames`), else to any offered tool;
    `named`: a call to `names[0]`."""

    mode: ToolChoiceMode = "auto"
    names: tuple[str, ...] = ()


OutputKind = Literal["text", "json_object", "json_schema"]


@dataclass(frozen=True, slots=True)
class OutputFormat:
    """The shape the reply's text must have: free text, any JSON object, or JSON valid for `schema`."""

    kind: OutputKind = "text"
    schema: dict[str, Any] | None = None
    name: str = ""  # the schema's name, where the provider has one
    strict: bool = False


@dataclass(frozen=True, slots=True)
class DialectOptions:
    """What a dialect parsed from a request for its own rendering, in its own terms.

    Each dialect that needs some defines a subclass (`OpenAIOptions`, `GroqOptions`, …); nothing
    outside the dialect reads them, and the journal does not publish them."""


OptionsT = TypeVar("OptionsT", bound=DialectOptions)


@dataclass(slots=True)
class ChatRequest:
    dialect: str
    model: str
    messages: list[Message]
    tools: list[Tool] = field(default_factory=list)
    tool_choice: ToolChoice = ToolChoice()
    parallel_tool_calls: bool = True
    output: OutputFormat = OutputFormat()
    stream: bool = False
    include_usage: bool = False
    max_tokens: int | None = None  # whichever the provider calls it (max_completion_tokens, maxOutputTokens…)
    stop: tuple[str, ...] = ()
    logprobs: bool = False
    top_logprobs: int = 0
    reasoning_effort: str | None = None  # as the provider words it (`none`, `low`, …); None: not asked
    seed: int | None = None
    n: int = 1
    extras: dict[str, Any] = field(default_factory=dict)  # client fields the parser did not model, as sent
    options: DialectOptions = DialectOptions()  # the dialect's own, typed (frozen: one shared default)

    def options_as(self, kind: type[OptionsT]) -> OptionsT:
        """The dialect's options when they are of `kind`, else `kind`'s defaults."""
        options = self.options
        return options if isinstance(options, kind) else kind()

    @property
    def last_user_text(self) -> str:
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text
        return ""

    @property
    def system_prompt(self) -> str:
        return "\n".join(m.text for m in self.messages if m.role in ("system", "developer"))

    @property
    def turn(self) -> int:
        """How many user messages the conversation holds (1 on the first turn)."""
        return sum(1 for m in self.messages if m.role == "user")

    @property
    def last_message(self) -> Message | None:
        return self.messages[-1] if self.messages else None


@dataclass(slots=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(slots=True)
class Reply:
    """One choice of an answer. `finish_reason=None` means: derive it from the content."""

    text: str = ""
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: FinishReason | None = None
    usage: Usage | None = None
    # The model shows its reasoning openly, as DeepSeek-R1-style models do; each dialect renders shown
    # reasoning its own way (OpenAI-style ones as `reasoning_content`).
    reasoning_shown: bool = False
    # The stop sequence the text was cut at (finish reason `stop`), for dialects that report it.
    stop_sequence: str | None = None
    # The vector a scenario gives for an embedding request (every input gets it); None: computed from the text.
    embedding: list[float] | None = None
    # How the reply was changed to obey the request (tool choice, output format, stop…), for the journal.
    adjustments: list[str] = field(default_factory=list)

    @property
    def resolved_finish_reason(self) -> FinishReason:
        if self.finish_reason is not None:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"
