"""What `fakellm check` reports: each check's PASS, WARN or FAIL with its reason, the timings, a verdict.

Also the small readers of an OpenAI-shaped reply that every group of checks shares.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from fakellm.check.probe import Answer

Status = Literal["PASS", "WARN", "FAIL"]


@dataclass
class Check:
    name: str
    status: Status
    reason: str


@dataclass
class Report:
    endpoint: str
    model: str
    checks: list[Check] = field(default_factory=list)
    figures: dict[str, float | int | None] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(check.status != "FAIL" for check in self.checks)

    def count(self, status: Status) -> int:
        return sum(check.status == status for check in self.checks)

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "passed": self.passed}, indent=2)

    def render(self) -> str:
        width = max(len(check.name) for check in self.checks)
        lines = [f"fakellm check: POST {self.endpoint} (model {self.model})", ""]
        lines += [f"  {check.status}  {check.name:<{width}}  {check.reason}" for check in self.checks]
        lines += ["", _render_figures(self.figures), self.verdict()]
        return "\n".join(lines)

    def verdict(self) -> str:
        failed = [check.name for check in self.checks if check.status == "FAIL"]
        warned = self.count("WARN")
        if failed:
            return f"verdict: FAIL: {len(failed)} of {len(self.checks)} checks failed ({', '.join(failed)})"
        return f"verdict: PASS: {len(self.checks)} checks, {warned} warning(s)"


def _render_figures(figures: dict[str, float | int | None]) -> str:
    def ms(key: str) -> str:
        value = figures.get(key)
        return "-" if value is None else f"{value:.0f} ms"

    return (
        f"timing: first byte {ms('first_byte_ms')}, first content token {ms('first_token_ms')}, "
        f"stream complete {ms('stream_ms')} ({figures.get('events', 0)} events)"
    )


def ok(name: str, reason: str) -> Check:
    return Check(name, "PASS", reason)


def warn(name: str, reason: str) -> Check:
    return Check(name, "WARN", reason)


def fail(name: str, reason: str) -> Check:
    return Check(name, "FAIL", reason)


def snippet(body: bytes, width: int = 100) -> str:
    text = " ".join(body.decode("utf-8", errors="replace").split())
    return text if len(text) <= width else text[: width - 3] + "..."


NOT_JSON: Any = object()  # what `json_body` gives for a body that is not JSON


def json_body(answer: Answer) -> Any:
    """The answer's body decoded as JSON, or `NOT_JSON`."""
    try:
        return json.loads(answer.body)
    except ValueError:
        return NOT_JSON


def decoded(answer: Answer, name: str) -> tuple[list[Check], Any]:
    """The answer's status check and its body as JSON. The body is `NOT_JSON` when there is nothing
    more to judge (not a 200, or not JSON: then the checks end with a failure named `name`)."""
    status = status_check("json.status", answer)
    if status.status == "FAIL":
        return [status], NOT_JSON
    body = json_body(answer)
    if body is NOT_JSON:
        return [status, fail(name, f"expected a JSON object, got {snippet(answer.body, 60)!r}")], NOT_JSON
    return [status], body


def sse_opening(capture: Answer) -> tuple[list[Check], bool]:
    """A stream's status check and, on a 200, its content-type check (`text/event-stream`); False
    when there is nothing more to judge."""
    status = status_check("stream.status", capture)
    if status.status == "FAIL":
        return [status], False
    if media_type(capture.content_type) == "text/event-stream":
        return [status, ok("stream.content_type", capture.content_type)], True
    return [status, fail("stream.content_type", f"expected text/event-stream, got {capture.content_type!r}")], True


def status_check(name: str, answer: Answer) -> Check:
    if answer.failure:
        return fail(name, f"expected 200, got no response: {answer.failure}")
    if answer.status == 200:
        return ok(name, "200")
    hint = {401: " (wrong or missing key? pass --api-key)", 404: " (is URL the base URL? is --model known?)"}
    return fail(name, f"expected 200, got {answer.status}{hint.get(answer.status, '')}: {snippet(answer.body)}")


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def cut(text: str, width: int = 50) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def choices_of(chunk: dict[str, Any]) -> list[dict[str, Any]]:
    choices = chunk.get("choices")
    return [c for c in choices if isinstance(c, dict)] if isinstance(choices, list) else []


def delta_of(choice: dict[str, Any]) -> dict[str, Any]:
    delta = choice.get("delta")
    return delta if isinstance(delta, dict) else {}
