"""OpenAI's bodies and chunks written directly as text: the hot path of every OpenAI request.

What `chunks` builds for OpenAI's policy, spelled out as string templates (a few hundred
nanoseconds a chunk instead of a few microseconds of general encoding). Anything less common (a
whole tool call, marked reasoning) goes through the general writer. Tests pin every kind of chunk
and whole bodies byte for byte to the general encoder (`tests/dialects/test_openai_fast.py`).
"""

from __future__ import annotations

import time
from json.encoder import encode_basestring
from typing import Any

from fakellm.dialects.openai.chunks import Edge, message
from fakellm.dialects.openai.encoding import NATIVE
from fakellm.dialects.openai.policy import FINGERPRINT, OPENAI, Reasoning, shown_reasoning
from fakellm.dialects.openai.writer import ChunkWriter
from fakellm.ids import IdSource
from fakellm.model import Reply, ToolCall, Usage

_OPEN = ',"logprobs":null,"finish_reason":null}'


def usage_json(usage: Usage) -> str:
    """`policy.openai_usage`, written as a template (it is in every response)."""
    return (
        f'{{"prompt_tokens":{usage.prompt_tokens},"completion_tokens":{usage.completion_tokens},'
        f'"total_tokens":{usage.total_tokens},"prompt_tokens_details":{{"cached_tokens":0,"audio_tokens":0}},'
        f'"completion_tokens_details":{{"reasoning_tokens":{usage.reasoning_tokens},"audio_tokens":0,'
        '"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}'
    )


def message_json(reply: Reply) -> str:
    """`chunks.message` for OpenAI's policy."""
    if reply.tool_calls or (reply.reasoning and reply.reasoning_shown):
        return NATIVE.encode(message(OPENAI, reply, shown_reasoning(reply)))
    # The usual plain-text message, as a template.
    return f'{{"role":"assistant","content":{encode_basestring(reply.text)},"refusal":null,"annotations":[]}}'


def reply_body(replies: list[Reply], usage: Usage, model: str, ids: IdSource) -> bytes:
    """`chunks.completion` for OpenAI's policy (reasoning shown as `shown_reasoning` has it), as a template."""
    choices = ",".join(
        f'{{"index":{i},"message":{message_json(reply)},"logprobs":null,'
        f'"finish_reason":"{reply.resolved_finish_reason}"}}'
        for i, reply in enumerate(replies)
    )
    return (
        f'{{"id":"{ids.new("chatcmpl-")}","object":"chat.completion","created":{int(time.time())},'
        f'"model":{encode_basestring(model)},"choices":[{choices}],"usage":{usage_json(usage)},'
        f'"service_tier":"default","system_fingerprint":"{FINGERPRINT}"}}'
    ).encode()


def _finish(reason: str | None) -> str:
    return "null" if reason is None else f'"{reason}"'


class OpenAIChunkWriter(ChunkWriter):
    """The chunks of one OpenAI stream. The envelope shared by every chunk is written once; each
    chunk only adds its choice and its tail (`usage: null`, the obfuscation pad). A first or last
    chunk with fields of its own (which OpenAI's policy has none of) goes through the general writer."""

    __slots__ = ("_head", "_null_usage")

    def __init__(
        self, ids: IdSource, model: str, *, null_usage: bool, obfuscation: bool, usage: dict[str, Any] | None = None
    ) -> None:
        super().__init__(OPENAI, ids, model, null_usage=null_usage, obfuscation=obfuscation, usage=usage)
        values = self.values
        self._head = (
            f'data: {{"id":"{values["id"]}","object":"chat.completion.chunk","created":{values["created"]},'
            f'"model":{encode_basestring(model)},"service_tier":"default","system_fingerprint":"{FINGERPRINT}",'
            '"choices":['
        )
        self._null_usage = ',"usage":null' if null_usage else ""

    def _frame(self, choice: str) -> bytes:
        pad = f',"obfuscation":"{self.ids.token(self.written % 11 + 1)}"' if self.obfuscation else ""
        self.written += 1
        return f"{self._head}{choice}]{self._null_usage}{pad}}}\n\n".encode()

    def role(self, index: int, content: str | None, edge: Edge = "", logprobs: dict[str, Any] | None = None) -> bytes:
        if edge or logprobs is not None:
            return super().role(index, content, edge, logprobs)
        shown = "null" if content is None else encode_basestring(content)
        return self._frame(f'{{"index":{index},"delta":{{"role":"assistant","content":{shown},"refusal":null}}{_OPEN}')

    def text(
        self,
        index: int,
        text: str,
        finish: str | None = None,
        edge: Edge = "",
        logprobs: dict[str, Any] | None = None,
    ) -> bytes:
        if edge or logprobs is not None:
            return super().text(index, text, finish, edge, logprobs)
        if finish is None:  # the usual content chunk
            return self._frame(f'{{"index":{index},"delta":{{"content":{encode_basestring(text)}}}{_OPEN}')
        return self._frame(
            f'{{"index":{index},"delta":{{"content":{encode_basestring(text)}}},"logprobs":null,'
            f'"finish_reason":{_finish(finish)}}}'
        )

    def reasoning(self, index: int, text: str, style: Reasoning, finish: str | None = None, edge: Edge = "") -> bytes:
        if edge or style.field is None:
            return super().reasoning(index, text, style, finish, edge)
        return self._frame(
            f'{{"index":{index},"delta":{{{encode_basestring(style.field)}:{encode_basestring(text)}}},'
            f'"logprobs":null,"finish_reason":{_finish(finish)}}}'
        )

    def tool_open(self, index: int, tool_index: int, call: ToolCall) -> bytes:
        opening = (
            f'{{"tool_calls":[{{"index":{tool_index},"id":{encode_basestring(call.id)},"type":"function",'
            f'"function":{{"name":{encode_basestring(call.name)},"arguments":""}}}}]}}'
        )
        return self._frame(f'{{"index":{index},"delta":{opening}{_OPEN}')

    def tool_args(
        self, index: int, tool_index: int, arguments: str, finish: str | None = None, edge: Edge = ""
    ) -> bytes:
        if edge:
            return super().tool_args(index, tool_index, arguments, finish, edge)
        fragment = f'{{"index":{tool_index},"function":{{"arguments":{encode_basestring(arguments)}}}}}'
        return self._frame(
            f'{{"index":{index},"delta":{{"tool_calls":[{fragment}]}},"logprobs":null,'
            f'"finish_reason":{_finish(finish)}}}'
        )

    def finish(self, index: int, reason: str, edge: Edge = "") -> bytes:
        if edge:
            return super().finish(index, reason, edge)
        return self._frame(f'{{"index":{index},"delta":{{}},"logprobs":null,"finish_reason":"{reason}"}}')

    def usage(self, usage: Usage) -> bytes:
        pad = f',"obfuscation":"{self.ids.token(4)}"' if self.obfuscation else ""
        self.written += 1
        return f'{self._head}],"usage":{usage_json(usage)}{pad}}}\n\n'.encode()
