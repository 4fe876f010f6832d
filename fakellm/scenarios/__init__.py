"""Choosing the reply: the scenario interface, and the echo responder every scenario can use.

A scenario looks at the neutral request and returns an `Outcome`: the replies
(one per choice), the model name to report, which rule matched, and the faults
that apply to this request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from fakellm.context import RequestContext
from fakellm.faults.spec import FaultSpec
from fakellm.model import ChatRequest, Reply

_REPEAT = re.compile(r"^\s*repeat with me\s*:\s*(.*\S)?\s*$", re.IGNORECASE | re.DOTALL)


def echo_text(request: ChatRequest) -> str:
    """The last user message; `Repeat with me: X` (any case) gives `X`, as Play.ai's smoke test expects."""
    text = request.last_user_text
    match = _REPEAT.match(text)
    return (match.group(1) or "") if match else text


@dataclass(slots=True)
class Outcome:
    replies: list[Reply]
    model: str | None = None  # the model name to report; None reports the requested one
    rule: str | None = None  # which rule answered, for the journal
    faults: FaultSpec | None = None  # the scenario's fault settings merged with the rule's


class Scenario(Protocol):
    """What a scenario provides. It may also have an `api_keys` list: the keys it accepts instead of
    `--api-key`, a `seed` for what is generated to make its replies obey a request (structured output,
    forced tool calls) when the request and its headers give none, and a `strict_models` flag: unknown
    models get the provider's 404 (all read with `getattr`, so that simple scenario objects need not
    declare them)."""

    name: str
    description: str

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome: ...

    def model_ids(self) -> list[str]: ...

    def reset(self) -> None:
        """Forget per-run state such as the position in a reply sequence."""


class EchoScenario:
    """The default answer when no scenario file provides `echo`."""

    name = "echo"
    description = "Replies with the last user message; 'Repeat with me: X' replies X."

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
        reply = Reply(text=echo_text(request))
        return Outcome([reply] * request.n, rule="echo")

    def model_ids(self) -> list[str]:
        return []

    def reset(self) -> None:
        return None
