"""The `input` of a Responses request: a string, or a list of items, as neutral messages.

Messages (role `user`, `assistant`, `system` or `developer`; content a string or `input_text`,
`input_image`, `input_file`, `input_audio`, `output_text`, `refusal` parts), `function_call`
items (consecutive ones join one assistant turn, as parallel calls) and `function_call_output`
items (a tool message). Reasoning items and the other items a client sends back
(`item_reference`, built-in tool calls) are accepted and skipped. Each item is also kept as the
input-items list shows it, with an id (`msg_…`, `fc_…`) when the client sent none.
"""

from __future__ import annotations

from typing import Any

from fakellm.dialects.openai.semantics import invalid_value, typed_item
from fakellm.dialects.responses.ids import ResponseIds
from fakellm.errors import bad_request, missing, wrong_type
from fakellm.model import FilePart, ImagePart, Message, Part, Role, TextPart, ToolCall

MAX_INPUT_ITEMS = 10_000  # bounds the loops over `input` and its parts (the API's own limit is lower)
ROLES: tuple[Role, ...] = ("user", "assistant", "system", "developer")
PART_TYPES = ("input_text", "input_image", "input_file", "input_audio", "output_text", "refusal")
# Items a client may send back that carry nothing a scenario reads; accepted and skipped.
SKIPPED_ITEMS = frozenset(
    {
        "reasoning",
        "item_reference",
        "web_search_call",
        "file_search_call",
        "computer_call",
        "computer_call_output",
        "code_interpreter_call",
        "image_generation_call",
        "local_shell_call",
        "local_shell_call_output",
        "mcp_list_tools",
        "mcp_approval_request",
        "mcp_approval_response",
        "mcp_call",
        "custom_tool_call",
        "custom_tool_call_output",
        "compaction",
    }
)


def text_field(value: Any, at: str) -> str:
    if value is None:
        raise missing(at)
    if not isinstance(value, str):
        raise wrong_type(at, "a string", value)
    return value


def _parts(content: Any, at: str) -> list[Part]:
    if isinstance(content, str):
        return [TextPart(content)]
    if not isinstance(content, list):
        raise wrong_type(at, "one of a string or array of objects", content)
    parts: list[Part] = []
    for i, item in enumerate(content[:MAX_INPUT_ITEMS]):
        where = f"{at}[{i}]"
        item, kind = typed_item(item, where, PART_TYPES)
        if kind in ("input_text", "output_text"):
            parts.append(TextPart(text_field(item.get("text"), f"{where}.text")))
        elif kind == "refusal":
            parts.append(TextPart(text_field(item.get("refusal"), f"{where}.refusal")))
        elif kind == "input_image":
            url = item.get("image_url")
            if url is None and item.get("file_id") is None:
                raise missing(f"{where}.image_url")
            parts.append(ImagePart(url=url if isinstance(url, str) else ""))
        else:
            parts.append(FilePart(mime_type=str(kind)))
    return parts


def _tool_output(value: Any, at: str) -> str:
    """A `function_call_output`'s output: a string, or parts whose text is joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(p.text for p in _parts(value, at) if isinstance(p, TextPart))
    raise wrong_type(at, "one of a string or array of objects", value)


def parse_input(value: Any, ids: ResponseIds) -> tuple[list[Message], list[dict[str, Any]]]:
    """The messages of `input`, and its items as the input-items list shows them (with ids)."""
    if isinstance(value, str):
        item: dict[str, Any] = {"id": ids.item("msg_"), "type": "message", "role": "user", "status": "completed"}
        item["content"] = [{"type": "input_text", "text": value}]
        return [Message(role="user", parts=[TextPart(value)])], [item]
    if not isinstance(value, list):
        raise wrong_type("input", "one of a string or array of objects", value)
    if len(value) > MAX_INPUT_ITEMS:
        raise bad_request(
            f"Invalid 'input': array too long. Expected an array with maximum length {MAX_INPUT_ITEMS}, "
            f"but got an array with length {len(value)} instead.",
            param="input",
            code="array_above_max_length",
        )
    messages: list[Message] = []
    items: list[dict[str, Any]] = []
    for i, item in enumerate(value):
        at = f"input[{i}]"
        if not isinstance(item, dict):
            raise wrong_type(at, "an object", item)
        kind = item.get("type", "message" if "role" in item else None)
        if kind is None:
            raise missing(f"{at}.type")
        if not isinstance(kind, str):
            raise wrong_type(f"{at}.type", "a string", kind)
        if kind == "message":
            role = item.get("role")
            if role is None:
                raise missing(f"{at}.role")
            if role not in ROLES:
                raise invalid_value(f"{at}.role", role, ROLES)
            if "content" not in item:
                raise missing(f"{at}.content")
            messages.append(Message(role=role, parts=_parts(item["content"], f"{at}.content")))
            content: Any = item["content"]
            shown = [{"type": "input_text", "text": content}] if isinstance(content, str) else content
            items.append({"id": item.get("id") or ids.item("msg_"), "type": "message", "role": role,
                          "status": "completed", "content": shown})  # fmt: skip
        elif kind == "function_call":
            call = ToolCall(
                id=text_field(item.get("call_id"), f"{at}.call_id"),
                name=text_field(item.get("name"), f"{at}.name"),
                arguments=text_field(item.get("arguments"), f"{at}.arguments"),
            )
            last = messages[-1] if messages else None
            if last is not None and last.role == "assistant" and (last.tool_calls or not last.text):
                last.tool_calls.append(call)  # parallel calls (and an empty assistant turn before them)
            else:
                messages.append(Message(role="assistant", tool_calls=[call]))
            items.append({"id": item.get("id") or ids.item("fc_"), **item, "status": "completed"})
        elif kind == "function_call_output":
            call_id = text_field(item.get("call_id"), f"{at}.call_id")
            if "output" not in item:
                raise missing(f"{at}.output")
            output = _tool_output(item["output"], f"{at}.output")
            messages.append(Message(role="tool", parts=[TextPart(output)], tool_call_id=call_id))
            items.append({"id": item.get("id") or ids.item("fc_"), **item, "status": "completed"})
        elif kind in SKIPPED_ITEMS:
            items.append(dict(item))
        else:
            raise invalid_value(f"{at}.type", kind, ("message", "function_call", "function_call_output", "reasoning"))
    return messages, items
