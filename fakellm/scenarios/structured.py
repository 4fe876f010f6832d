"""Structured output, obeyed: a reply's text made valid JSON for the requested output format.

`json_object`: the text must be a JSON object. When the prompt shows a JSON Schema (as instructor's
JSON mode and many prompts do: "answer in JSON matching this schema: {…}"), the object is made to fit
it, as a model reading the prompt would; otherwise prose is wrapped as `{"answer": "<the text>"}`,
which keeps what the scenario said visible. `json_schema`: the text must be JSON valid for the schema; text
that already is (a scenario's `json:` reply, or fixed text) is sent as it is, anything else is
replaced by a value generated from the schema, and the journal says why. A reply that only calls
tools has no text to shape and is left alone. When the schema has a field for prose (`answer`,
`response`, `text`…) the scenario's text goes there, so a scenario still
decides what the answer says. Generated JSON is compact, as models write it.
"""

from __future__ import annotations

import json
from typing import Any

from fakellm.model import ChatRequest, Reply
from fakellm.scenarios.generate import Generator
from fakellm.scenarios.schema_check import problem
from fakellm.scenarios.schema_values import schema_value


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _parsed(text: str) -> tuple[Any, str | None]:
    """The JSON value of `text`, or why it is not JSON."""
    try:
        return json.loads(text), None
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        return None, f"not JSON ({detail})"


def obey_output(request: ChatRequest, reply: Reply, gen: Generator) -> None:
    """Change `reply`'s text in place to fit the request's output format, noting each change."""
    output = request.output
    if output.kind == "text" or (reply.tool_calls and not reply.text):
        return
    value, why = _parsed(reply.text) if reply.text.strip() else (None, "empty")
    if output.kind == "json_object":
        schema = prompt_schema(request)
        if schema is None:
            if why is None and isinstance(value, dict):
                return
            reply.text = compact({"answer": reply.text})
            reply.adjustments.append("response_format json_object: the text was not a JSON object, so it was wrapped")
            return
        label = "json_object with a JSON Schema in the prompt"
    else:
        schema = output.schema if isinstance(output.schema, dict) else {}
        label = f"json_schema {output.name!r}" if output.name else "json_schema"
    if why is None:
        why = problem(value, schema)
        if why is None:
            return
    made, notes = schema_value(gen, schema)
    field = _text_field(made, schema, reply.text) if why.startswith("not JSON") else None
    if field is not None:
        made[field] = reply.text
    reply.text = compact(made)
    reply.adjustments.append(f"response_format {label}: the scenario's text was {_shorten(why)}; a value was generated")
    if field is not None:
        reply.adjustments.append(f"response_format {label}: the scenario's text was put in '{field}'")
    reply.adjustments.extend(f"response_format {label}: {note}" for note in notes)
    left = problem(made, schema)
    if left is not None:
        reply.adjustments.append(f"response_format {label}: the generated value may not meet the schema: {left}")


PROMPT_SCAN_CHARS = 65_536  # of each message, searched for a schema
PROMPT_SCAN_STARTS = 16  # `{` positions tried in each message


def prompt_schema(request: ChatRequest) -> dict[str, Any] | None:
    """The last JSON Schema of an object that a system, developer or user message shows, if any (bounded:
    the first `PROMPT_SCAN_CHARS` of a message, at most `PROMPT_SCAN_STARTS` places in it)."""
    decoder = json.JSONDecoder()
    found: dict[str, Any] | None = None
    for message in request.messages:
        if message.role not in ("system", "developer", "user"):
            continue
        text = message.text[:PROMPT_SCAN_CHARS]
        start, tries = text.find("{"), 0
        while start != -1 and tries < PROMPT_SCAN_STARTS:
            tries += 1
            try:
                value, end = decoder.raw_decode(text, start)
            except (json.JSONDecodeError, RecursionError):
                start = text.find("{", start + 1)
                continue
            if isinstance(value, dict) and isinstance(value.get("properties"), dict):
                found = value
            start = text.find("{", end)
    return found


# Where a model would put its prose answer in a structured reply, when the schema has such a field.
_TEXT_FIELDS = ("answer", "response", "reply", "text", "content", "message", "output", "result", "summary")


def _text_field(made: Any, schema: dict[str, Any], text: str) -> str | None:
    """The top-level string property of `made` named like an answer (`answer`, `response`, `text`…)
    that the scenario's prose can go in, keeping the value valid; None when there is none."""
    if not isinstance(made, dict):
        return None
    fields = [str(key) for key, value in made.items() if isinstance(value, str) and str(key).lower() in _TEXT_FIELDS]
    for key in fields:
        if problem({**made, key: text}, schema) is None:
            return key
    return None


def _shorten(why: str) -> str:
    return why if why.startswith(("not JSON", "empty")) else f"not valid for the schema ({why[:200]})"
