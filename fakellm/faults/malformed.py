"""Deliberately broken stream framing, for testing how clients (and `fakellm check`) cope.

Each breakage works on the bytes of one rendered frame, whatever the dialect's
event separator (`\\n\\n` or `\\r\\n\\r\\n`); a wrong content type is a header.
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


def _data_line(body: bytes) -> int:
    """Where the event's `data: ` line starts (after an `event: ` line, if any); -1 if it has none."""
    if body.startswith(_PREFIX):
        return 0
    found = body.find(b"\n" + _PREFIX)
    return found + 1 if found >= 0 else -1


def truncate_json(data: bytes) -> bytes:
    """The event with its JSON cut off half way (the separator stays, so the client parses it)."""
    body, separator = _split_separator(data)
    line = _data_line(body)
    start = line + len(_PREFIX) if line >= 0 else 0
    cut = start + max(1, (len(body) - start) // 2)
    return body[:cut] + separator


def drop_data_prefix(data: bytes) -> bytes:
    """The event without its `data: ` field name: a bare JSON line."""
    line = _data_line(data)
    return data if line < 0 else data[:line] + data[line + len(_PREFIX) :]


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
