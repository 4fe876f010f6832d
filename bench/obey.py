"""What obeying a request costs: microseconds per reply for the obey stage, by what the request asks.

Run: PYTHONPATH=$PWD python bench/obey.py [repeats]

Prints the best of five rounds for: a request that asks nothing (the stage's cost on every request),
a pydantic-made structured-output schema (nested objects, a pattern, a date, an enum, a list), the
same under a fixed seed, a forced tool call with generated arguments, stop sequences, and two hostile
schemas (a slow-to-compile pattern, 20,000 properties), which should stay in milliseconds.
"""

from __future__ import annotations

import sys
import time
from typing import Any, Literal

from pydantic import BaseModel, Field

from fakellm.context import RequestContext
from fakellm.dialects.openai import OpenAIDialect
from fakellm.model import ChatRequest, Message, OutputFormat, Reply, TextPart, Tool, ToolChoice
from fakellm.scenarios.obey import obey


class Attendee(BaseModel):
    name: str
    email: str


class Event(BaseModel):
    name: str
    date: str = Field(json_schema_extra={"format": "date"})
    room: str = Field(pattern=r"^[A-Z]{3}-\d{2}$")
    kind: Literal["meeting", "party", "call"]
    attendees: list[Attendee]
    capacity: int = Field(ge=1, le=500)


def request(**fields: Any) -> ChatRequest:
    return ChatRequest("openai", "m", [Message("user", [TextPart("Alice and Bob meet on Friday.")])], **fields)


CASES: dict[str, tuple[ChatRequest, int | None]] = {
    "asks nothing": (request(), None),
    "json_schema (pydantic Event)": (
        request(output=OutputFormat("json_schema", Event.model_json_schema(), "Event")),
        None,
    ),
    "json_schema, seeded": (request(output=OutputFormat("json_schema", Event.model_json_schema(), "Event")), 7),
    "tool_choice named": (
        request(tools=[Tool("book", parameters=Event.model_json_schema())], tool_choice=ToolChoice("named", ("book",))),
        None,
    ),
    "stop sequences": (request(stop=("Bob", "Friday")), None),
    "hostile: slow pattern": (
        request(output=OutputFormat("json_schema", {"type": "string", "pattern": "((a|b){999}){999}"})),
        None,
    ),
    "hostile: 20,000 properties": (
        request(output=OutputFormat("json_schema", {"properties": {f"k{i}": {} for i in range(20_000)}})),
        None,
    ),
}


def main(repeats: int) -> None:
    ctx = RequestContext(OpenAIDialect(), "POST", "/v1/chat/completions", "chat", {}, {})
    replies = [Reply("Alice and Bob meet on Friday.")]
    print(f"{'case':<32} {'µs/reply (best of 5)':>22}")
    for name, (req, seed) in CASES.items():
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            for _ in range(repeats):
                obey(req, replies, ctx, seed)
            best = min(best, (time.perf_counter() - started) / repeats)
        print(f"{name:<32} {best * 1e6:>22.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
