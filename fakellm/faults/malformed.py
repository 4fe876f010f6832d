"""Deliberately broken stream framing, for testing how clients (and `fakellm check`) cope.

Each breakage works on the bytes of one rendered frame, whatever the dialect's
event separator (`\\n\\n` or `\\r\\n\\r\\n`) and whether an `event:` line comes before the
`data: ` line (Anthropic's named events); a wrong content type is a header.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from fakellm.frames import StreamPlan, content_frame_index

# The one list of breakages: scenario files (`stream.malformed`) accept exactly these.
Breakage = Literal["truncated_json", "missing_data_prefix", "missing_blank_line", "wrong_content_type"]

WRONG_CONTENT_TYPE = "text/plain; charset=utf-8"
_SEPARATORS = (b"\r\n\r\n", b"\n\n", b"\r\r")
_PREFIX = b"data: "


def _split_separator(data: bytes) -> tuple[bytes, bytes]:
    for separator in _SEPARATORS:
        if data.endswith(separator):
            return data[: -len(separator)], separator
    return data, b""


def _data_field(body: bytes) -> int:
    """Where the `data: ` field name starts: at the start, or on the line after an `event:` line; -1: none."""
    if body.startswith(_PREFIX):
        return 0
    for newline in (b"\n", b"\r"):
        at = body.find(newline + _PREFIX)
        if at != -1:
            return at + 1
    return -1


def truncate_json(data: bytes) -> bytes:
    """The event with its JSON cut off half way (the separator stays, so the client parses it)."""
    body, separator = _split_separator(data)
    field = _data_field(body)
    start = 0 if field == -1 else field + len(_PREFIX)
    cut = start + max(1, (len(body) - start) // 2)
    return body[:cut] + separator


def drop_data_prefix(data: bytes) -> bytes:
    """The event without its `data: ` field name: a bare JSON line."""
    field = _data_field(data)
    return data if field == -1 else data[:field] + data[field + len(_PREFIX) :]


def drop_blank_line(data: bytes) -> bytes:
    """The event ended by a single line break, so it runs into the next one."""
    body, separator = _split_separator(data)
    return body + separator[: len(separator) // 2]


_FRAME_BREAKERS: dict[Breakage, Callable[[bytes], bytes]] = {
    "truncated_json": truncate_json,
    "missing_data_prefix": drop_data_prefix,
    "missing_blank_line": drop_blank_line,
}


def break_framing(plan: StreamPlan, breakage: Breakage, at: int) -> dict[str, str]:
    """Break content frame `at` of the plan in place; returns headers to send instead of the usual."""
    if breakage == "wrong_content_type":
        return {"content-type": WRONG_CONTENT_TYPE}
    index = content_frame_index(plan.frames, at)
    if index is not None:
        frame = plan.frames[index]
        frame.data = _FRAME_BREAKERS[breakage](frame.data)
    return {}
