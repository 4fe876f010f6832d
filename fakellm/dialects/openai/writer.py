"""Writing one stream's chunks for an OpenAI-style provider, from its `Policy`.

A `ChunkWriter` holds what every chunk of one completion shares (id, created, model, the values
the policy draws once per stream, whether `usage: null` and an `obfuscation` pad go on each) and
writes each chunk as a whole SSE event. Each chunk's form is compiled once per policy
(`chunks.template`) and filled per chunk; the content chunks, by far the most, are filled in
place in a copy bound to this stream's envelope. With `compiled=False` every chunk is instead
built with its values and encoded whole (`chunks.frame_text`): the reference that the compiled
and the hand-written writers are pinned to.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from fakellm.dialects.openai.chunks import ChunkForm, ChunkKind, Edge, frame_text, template
from fakellm.dialects.openai.encoding import Template
from fakellm.dialects.openai.policy import HIDDEN, Policy, Reasoning
from fakellm.ids import IdSource
from fakellm.model import ToolCall, Usage

# The holes a plain content chunk of each kind fills, in the order its writer passes them.
_HOLES: dict[ChunkKind, tuple[str, ...]] = {
    "text": ("index", "text"),
    "reasoning": ("index", "text"),
    "tool_args": ("index", "tool_index", "arguments"),
}


@functools.cache
def _plain_form(
    policy: Policy, kind: ChunkKind, style: Reasoning, null_usage: bool, obfuscation: bool
) -> tuple[Template, tuple[int, ...], int]:
    """A plain content chunk's compiled form, where the chunk's own values go, and where its
    obfuscation pad goes (-1: none)."""
    compiled = template(policy, (kind, None, "", style, "", False, null_usage, obfuscation))
    pad = compiled.place("obfuscation") if obfuscation else -1
    return compiled, tuple(map(compiled.place, _HOLES[kind])), pad


class ChunkWriter:
    """The chunks of one completion's stream, each returned as the bytes of its SSE event.

    `usage` is what the stream's last chunk carries when the policy puts the usage there."""

    __slots__ = ("_encoded", "_plain", "compiled", "ids", "null_usage", "obfuscation", "policy", "values", "written")

    def __init__(
        self,
        policy: Policy,
        ids: IdSource,
        model: str,
        *,
        null_usage: bool = False,
        obfuscation: bool = False,
        usage: dict[str, Any] | None = None,
        compiled: bool = True,
    ) -> None:
        self.policy = policy
        self.ids = ids
        self.null_usage = null_usage
        self.obfuscation = obfuscation
        self.compiled = compiled
        self.written = 0  # chunks written so far (the obfuscation pad's length follows it)
        self.values: dict[str, Any] = {
            "id": policy.id_prefix + ids.uuid()
            if policy.uuid_ids
            else ids.new(policy.id_prefix, policy.stream_id_length),
            "created": int(time.time()),
            "model": model,
        }
        if policy.stream_values is not None:
            self.values.update(policy.stream_values(ids))
        if usage is not None:
            self.values["usage"] = usage
        self._encoded: dict[str, str] | None = None
        # Plain content chunks' forms bound to this stream (by kind, or reasoning style): the pieces, where
        # the chunk's own values go, and where the obfuscation pad goes (-1: none).
        self._plain: dict[object, tuple[list[str], tuple[int, ...], int]] = {}

    # --- the kinds of chunk ------------------------------------------------------------------------

    def role(self, index: int, content: str | None, edge: Edge = "", logprobs: dict[str, Any] | None = None) -> bytes:
        if logprobs is not None:
            return self.write("role", {"index": index, "logprobs": logprobs}, edge, content=content, logprobs=True)
        return self.write("role", {"index": index}, edge, content=content)

    def text(
        self,
        index: int,
        text: str,
        finish: str | None = None,
        edge: Edge = "",
        logprobs: dict[str, Any] | None = None,
    ) -> bytes:
        """A content chunk; `logprobs`: its own tokens' logprobs, when the request asked for them."""
        if logprobs is not None:
            return self.write("text", {"index": index, "text": text, "logprobs": logprobs}, edge, finish, logprobs=True)
        if finish is None and not edge and self.compiled:
            pieces, at, pad = self._plain.get("text") or self._bind("text")
            pieces[at[0]] = str(index)
            pieces[at[1]] = self.policy.encoder.quote(text)
            if pad >= 0:  # (written out here rather than in a helper: this is the hot path)
                pieces[pad] = f'"{self.ids.token(self.written % 11 + 1)}"'
            self.written += 1
            return "".join(pieces).encode()
        return self.write("text", {"index": index, "text": text}, edge, finish)

    def reasoning(self, index: int, text: str, style: Reasoning, finish: str | None = None, edge: Edge = "") -> bytes:
        if finish is None and not edge and self.compiled:
            pieces, at, pad = self._plain.get(style) or self._bind("reasoning", style)
            pieces[at[0]] = str(index)
            pieces[at[1]] = self.policy.encoder.quote(text)
            if pad >= 0:  # (written out here rather than in a helper: this is the hot path)
                pieces[pad] = f'"{self.ids.token(self.written % 11 + 1)}"'
            self.written += 1
            return "".join(pieces).encode()
        return self.write("reasoning", {"index": index, "text": text}, edge, finish, reasoning=style)

    def role_tool(self, index: int, tool_index: int, call: ToolCall) -> bytes:
        """The role chunk and the opening of the choice's one tool call, together."""
        return self.write(
            "role_tool", {"index": index, "tool_index": tool_index, "call_id": call.id, "name": call.name}
        )

    def tool_open(self, index: int, tool_index: int, call: ToolCall) -> bytes:
        return self.write(
            "tool_open", {"index": index, "tool_index": tool_index, "call_id": call.id, "name": call.name}
        )

    def tool_args(
        self, index: int, tool_index: int, arguments: str, finish: str | None = None, edge: Edge = ""
    ) -> bytes:
        if finish is None and not edge and self.compiled:
            pieces, at, pad = self._plain.get("tool_args") or self._bind("tool_args")
            pieces[at[0]] = str(index)
            pieces[at[1]] = str(tool_index)
            pieces[at[2]] = self.policy.encoder.quote(arguments)
            if pad >= 0:  # (written out here rather than in a helper: this is the hot path)
                pieces[pad] = f'"{self.ids.token(self.written % 11 + 1)}"'
            self.written += 1
            return "".join(pieces).encode()
        return self.write("tool_args", {"index": index, "tool_index": tool_index, "arguments": arguments}, edge, finish)

    def tool_whole(
        self, index: int, tool_index: int, call: ToolCall, finish: str | None = None, edge: Edge = ""
    ) -> bytes:
        values = {"index": index, "tool_index": tool_index, "call_id": call.id, "name": call.name}
        if self.policy.tool_signature is not None:
            values["signature"] = self.policy.tool_signature(call)
        return self.write("tool_whole", {**values, "arguments": call.arguments}, edge, finish)

    def finish(self, index: int, reason: str, edge: Edge = "") -> bytes:
        return self.write("finish", {"index": index}, edge, reason)

    def usage(self, usage: Usage) -> bytes:
        """The usage in a chunk of its own, with no choices."""
        return self.write("usage", {"usage": self.policy.usage_object(usage)}, pad=4)

    # --- writing -----------------------------------------------------------------------------------

    def write(
        self,
        kind: ChunkKind,
        values: dict[str, Any],
        edge: Edge = "",
        finish: str | None = None,
        *,
        content: str | None = "",
        reasoning: Reasoning = HIDDEN,
        pad: int | None = None,
        logprobs: bool = False,
    ) -> bytes:
        """One chunk of `kind` with `values` by slot name (besides the stream's own); `logprobs`: its choice
        carries `values["logprobs"]`."""
        if self.obfuscation:
            values["obfuscation"] = self.ids.token(pad if pad is not None else self.written % 11 + 1)
        self.written += 1
        carries_usage = edge == "last" and "usage" in self.values
        form: tuple[Any, ...] = (
            kind,
            finish,
            content,
            reasoning,
            edge,
            carries_usage,
            self.null_usage,
            self.obfuscation,
        )
        if logprobs:
            form += (True,)
        if not self.compiled:
            return frame_text(self.policy, ChunkForm(*form), {**self.values, **values}).encode()
        encoded = self._encoded_values().copy()
        encode = self.policy.encoder.encode
        for name, value in values.items():
            encoded[name] = encode(value)
        return template(self.policy, form).fill_encoded(encoded).encode()

    def _encoded_values(self) -> dict[str, str]:
        """The stream's own values as JSON."""
        if self._encoded is None:
            encode = self.policy.encoder.encode
            self._encoded = {
                name: self.policy.encoder.quote(value) if type(value) is str else encode(value)
                for name, value in self.values.items()
            }
        return self._encoded

    def _bind(self, kind: ChunkKind, style: Reasoning = HIDDEN) -> tuple[list[str], tuple[int, ...], int]:
        """A plain content chunk's form bound to this stream, and where its holes are."""
        compiled, holes, pad = _plain_form(self.policy, kind, style, self.null_usage, self.obfuscation)
        found = self._plain[kind if kind != "reasoning" else style] = compiled.bind(self._encoded_values()), holes, pad
        return found
