"""Anthropic's `messages` and `system`: content blocks to neutral messages, checked as the API checks them.

A user turn's `tool_result` blocks become `tool` messages (before any text of the same turn); an
assistant turn's `tool_use` blocks become tool calls; `thinking` and `redacted_thinking` blocks are
checked (a signature is required) but carry nothing a scenario reads. The API's pairing rules are
enforced: every `tool_use` needs a `tool_result` in the very next message and every `tool_result`
a `tool_use` in the one before; with manual extended thinking, the assistant turn answered by
tool results must start with a thinking block.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fakellm.dialects.anthropic.errors import invalid
from fakellm.errors import ApiError
from fakellm.model import FilePart, ImagePart, Message, Part, TextPart, ToolCall

ROLES = ("user", "assistant")
KNOWN_BLOCKS = (
    "text",
    "image",
    "document",
    "search_result",
    "tool_use",
    "tool_result",
    "thinking",
    "redacted_thinking",
    "server_tool_use",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "tool_search_tool_result",
    "mcp_tool_use",
    "mcp_tool_result",
    "container_upload",
    "compaction",
)
THINKING_FIRST = (
    "{where}.content.0.type: Expected `thinking` or `redacted_thinking`, but found `{found}`. When `thinking` is "
    "enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of "
    "`tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. To avoid "
    "this requirement, disable `thinking`. Please consult our documentation at "
    "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
)


def _tag_error(where: str, tag: object) -> ApiError:
    expected = ", ".join(f"'{t}'" for t in KNOWN_BLOCKS)
    return invalid(f"{where}: Input tag '{tag}' found using 'type' does not match any of the expected tags: {expected}")


def require_str(block: dict[str, Any], key: str, where: str) -> str:
    value = block.get(key)
    if value is None:
        raise invalid(f"{where}.{key}: Field required")
    if not isinstance(value, str):
        raise invalid(f"{where}.{key}: Input should be a valid string")
    return value


def require_dict(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        raise invalid(f"{where}: Field required")
    if not isinstance(value, dict):
        raise invalid(f"{where}: Input should be a valid dictionary")
    return value


def text_blocks(value: Any, where: str) -> str:
    """`system`, or a tool result's content: a string, or a list of blocks whose text is joined."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise invalid(f"{where}: Input should be a valid string or a valid list")
    texts: list[str] = []
    for i, item in enumerate(value):
        block = require_dict(item, f"{where}.{i}")
        kind = block.get("type")
        if kind == "text":
            texts.append(require_str(block, "text", f"{where}.{i}"))
        elif kind is None:
            raise invalid(f"{where}.{i}.type: Field required")
    return "\n".join(texts)


def media_part(block: dict[str, Any], where: str) -> Part:
    source = require_dict(block.get("source"), f"{where}.source")
    kind = source.get("type")
    if kind is None:
        raise invalid(f"{where}.source.type: Field required")
    media = source.get("media_type")
    mime = media if isinstance(media, str) else ""
    if block["type"] == "image":
        url = source.get("url")
        return ImagePart(url=url if isinstance(url, str) else "", mime_type=mime)
    return FilePart(mime_type=mime or ("text/plain" if kind in ("text", "content") else "application/pdf"))


@dataclass(slots=True)
class Turn:
    """One message as sent: its neutral messages, and the ids and block kinds the pairing rules look at."""

    role: str
    messages: list[Message] = field(default_factory=list)
    tool_use_ids: list[str] = field(default_factory=list)
    tool_result_ids: list[tuple[int, str]] = field(default_factory=list)  # (block index, id)
    first_block: str = ""


def parse_turn(item: Any, index: int) -> Turn:
    where = f"messages.{index}"
    message = require_dict(item, where)
    role = message.get("role")
    if role is None:
        raise invalid(f"{where}.role: Field required")
    if role not in ROLES:
        if role in ("system", "developer"):
            raise invalid(
                f'messages: Unexpected role "{role}". The Messages API accepts a top-level `system` parameter, '
                f'not "{role}" as an input message role.'
            )
        raise invalid(f"{where}.role: Input should be 'user' or 'assistant'")
    if "content" not in message:
        raise invalid(f"{where}.content: Field required")
    content = message["content"]
    turn = Turn(role)
    if isinstance(content, str):
        turn.first_block = "text" if content else ""
        turn.messages.append(Message(role, [TextPart(content)]))
        return turn
    if not isinstance(content, list):
        raise invalid(f"{where}.content: Input should be a valid string or a valid list")
    parts: list[Part] = []
    calls: list[ToolCall] = []
    results: list[Message] = []
    for i, raw in enumerate(content):
        here = f"{where}.content.{i}"
        block = require_dict(raw, here)
        kind = block.get("type")
        if kind is None:
            raise invalid(f"{here}.type: Field required")
        if kind not in KNOWN_BLOCKS:
            raise _tag_error(here, kind)
        if i == 0:
            turn.first_block = str(kind)
        if kind == "text":
            text = require_str(block, "text", here)
            if not text:
                raise invalid("messages: text content blocks must be non-empty")
            parts.append(TextPart(text))
        elif kind in ("image", "document"):
            parts.append(media_part(block, here))
        elif kind == "tool_use":
            call_id = require_str(block, "id", here)
            name = require_str(block, "name", here)
            arguments = require_dict(block.get("input"), f"{here}.input")
            calls.append(ToolCall(call_id, name, json.dumps(arguments, ensure_ascii=False)))
            turn.tool_use_ids.append(call_id)
        elif kind == "tool_result":
            call_id = require_str(block, "tool_use_id", here)
            text = text_blocks(block.get("content", ""), f"{here}.content")
            results.append(Message("tool", [TextPart(text)], tool_call_id=call_id))
            turn.tool_result_ids.append((i, call_id))
        elif kind == "thinking":
            require_str(block, "thinking", here)
            require_str(block, "signature", here)
        elif kind == "redacted_thinking":
            require_str(block, "data", here)
    if role == "user" and calls:
        raise invalid(f"{where}.content: `tool_use` blocks can only be in `assistant` messages")
    if role == "assistant" and results:
        raise invalid(f"{where}.content: `tool_result` blocks can only be in `user` messages")
    turn.messages.extend(results)
    if parts or calls or not results:
        turn.messages.append(Message(role, parts, tool_calls=calls))
    return turn


def check_pairing(turns: list[Turn]) -> None:
    for index, turn in enumerate(turns):
        if index + 1 < len(turns) and turn.tool_use_ids:
            answered = {call_id for _, call_id in turns[index + 1].tool_result_ids}
            missing = [i for i in turn.tool_use_ids if i not in answered]
            if missing:
                raise invalid(
                    f"messages.{index + 1}: `tool_use` ids were found without `tool_result` blocks immediately "
                    f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding `tool_result` "
                    "block in the next message."
                )
        previous = set(turns[index - 1].tool_use_ids) if index else set()
        for block, call_id in turn.tool_result_ids:
            if call_id not in previous:
                raise invalid(
                    f"messages.{index}.content.{block}: unexpected `tool_use_id` found in `tool_result` blocks: "
                    f"{call_id}. Each `tool_result` block must have a corresponding `tool_use` block in the "
                    "previous message."
                )


def check_thinking_first(turns: list[Turn]) -> None:
    """With manual extended thinking, the assistant turn that the last tool results answer starts with a
    thinking block (clients must send earlier thinking blocks back)."""
    if len(turns) < 2 or not turns[-1].tool_result_ids:
        return
    turn = turns[-2]
    if turn.role == "assistant" and turn.first_block not in ("thinking", "redacted_thinking"):
        raise invalid(THINKING_FIRST.format(where=f"messages.{len(turns) - 2}", found=turn.first_block))


def parse_messages(value: Any, *, manual_thinking: bool) -> list[Message]:
    if value is None:
        raise invalid("messages: Field required")
    if not isinstance(value, list):
        raise invalid("messages: Input should be a valid list")
    if not value:
        raise invalid("messages: at least one message is required")
    turns = [parse_turn(item, i) for i, item in enumerate(value)]
    for index, turn in enumerate(turns):
        final_assistant = index == len(turns) - 1 and turn.role == "assistant"
        if not turn.first_block and not final_assistant:  # an empty string or an empty list of blocks
            raise invalid(
                f"messages.{index}: all messages must have non-empty content except for the optional final "
                "assistant message"
            )
    check_pairing(turns)
    if manual_thinking:
        check_thinking_first(turns)
    return [message for turn in turns for message in turn.messages]
