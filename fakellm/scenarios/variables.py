"""What a reply can draw on: one request's `ReplyEnv`, and the template variables read from it.

`VARIABLES` is the only list of template variables: `templates` checks a
template's names against it when a scenario loads, and `TemplateValues` reads
the values through it when a reply is rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fakellm.context import RequestContext
from fakellm.dialects.credentials import masked_headers
from fakellm.model import ChatRequest

if TYPE_CHECKING:
    from fakellm.scenarios.generate import Generator

Value = str | Mapping[str, str]


@dataclass(slots=True)
class ReplyEnv:
    """What one request offers a reply: the request, its context (headers), the regex captures of the
    rule that matched, and a seeded `Generator`."""

    request: ChatRequest
    ctx: RequestContext
    captures: dict[str, str]
    generator: Generator
    scenario: str = ""
    rule: str = ""

    def values(self) -> TemplateValues:
        """What a template can show."""
        return TemplateValues(self)


@dataclass(frozen=True, slots=True)
class Variable:
    """A template variable. A `keyed` one is a mapping read with a key (`{{ capture.1 }}`); with
    `lower_key` its keys are matched without regard to case (header names)."""

    read: Callable[[ReplyEnv], Value]
    keyed: bool = False
    lower_key: bool = False


def _tool_result(env: ReplyEnv) -> str:
    last = env.request.last_message
    return last.text if last is not None and last.role == "tool" else ""


VARIABLES: dict[str, Variable] = {
    "user": Variable(lambda env: env.request.last_user_text),
    "system": Variable(lambda env: env.request.system_prompt),
    "model": Variable(lambda env: env.request.model),
    "dialect": Variable(lambda env: env.request.dialect),
    "turn": Variable(lambda env: str(env.request.turn)),
    "tool_result": Variable(_tool_result),
    "scenario": Variable(lambda env: env.scenario),
    "rule": Variable(lambda env: env.rule),
    "capture": Variable(lambda env: env.captures, keyed=True),
    # Credential headers are shown masked, as the journal shows them (`Bearer sk-t***yz`): a reply can
    # say that a key came and how, but never echoes a key (the reply is journaled and may be logged).
    "header": Variable(lambda env: masked_headers(env.ctx.headers), keyed=True, lower_key=True),
}


class TemplateValues(Mapping[str, Value]):
    """The template variables of one request, each worked out only if a template shows it."""

    def __init__(self, env: ReplyEnv) -> None:
        self._env = env

    def __getitem__(self, name: str) -> Value:
        return VARIABLES[name].read(self._env)

    def get(self, name: str, default: Any = None) -> Any:  # Mapping's own `get` goes through a try/except
        variable = VARIABLES.get(name)
        return default if variable is None else variable.read(self._env)

    def __iter__(self) -> Iterator[str]:
        return iter(VARIABLES)

    def __len__(self) -> int:
        return len(VARIABLES)
