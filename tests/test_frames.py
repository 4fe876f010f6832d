"""Frames written when the transport first reads them (`fakellm.frames.Renderer`): a stream costs its
pieces, not its bytes, before its first frame is due; and the bytes are the same whenever they are read."""

from __future__ import annotations

from typing import Any

import pytest

from fakellm.dialects.anthropic import AnthropicDialect
from fakellm.dialects.base import Dialect
from fakellm.dialects.gemini import GeminiDialect
from fakellm.dialects.openai import OpenAIDialect
from fakellm.dialects.openai.fast import OpenAIChunkWriter
from fakellm.frames import Frame, Renderer, StreamPlan
from fakellm.ids import IdSource
from fakellm.model import Reply
from tests.support.contexts import context_for

WORDS = " ".join(f"w{i}" for i in range(60))


def test_a_frame_is_written_when_first_read_and_those_before_it_first() -> None:
    written: list[int] = []

    def write(n: int) -> bytes:
        written.append(n)
        return f"frame {n}".encode()

    renderer = Renderer()
    frames = [renderer.frame(lambda n=n: write(n), tokens=1) for n in range(5)]
    assert written == []  # made, not written
    assert repr(frames[0]) == "Frame(<not yet written>, tokens=1)"
    assert frames[2].data == b"frame 2"
    assert written == [0, 1, 2]  # in order, whatever is read first
    assert frames[1].data == b"frame 1"
    assert written == [0, 1, 2]  # once each
    frames[3].data = b"broken"  # a fault rewriting a frame: the frame is written first, then replaced
    assert (written, frames[3].data) == ([0, 1, 2, 3], b"broken")
    assert frames[4] == Frame(b"frame 4", 1)
    assert frames[4] != Frame(b"frame 4", 0)


BODIES: dict[str, dict[str, Any]] = {
    "/v1/chat/completions": {"model": "m", "messages": [{"role": "user", "content": WORDS}], "stream": True},
    "/v1/messages": {"model": "m", "max_tokens": 100, "messages": [{"role": "user", "content": WORDS}], "stream": True},
    "/v1beta/models/m:streamGenerateContent": {"contents": [{"role": "user", "parts": [{"text": WORDS}]}]},
}


def stream(dialect: Dialect, ids: IdSource, path: str = "/v1/chat/completions") -> StreamPlan:
    headers = {"anthropic-version": "2023-06-01"}
    ctx = context_for(dialect, path=path, ids=ids, path_params={"model": "m"}, headers=headers)
    request = dialect.parse(BODIES[path], ctx)
    request.stream = True
    return dialect.render_stream(request, [Reply(text=WORDS)], "m", ctx)


def test_an_openai_stream_writes_no_content_chunk_before_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    original = OpenAIChunkWriter.text

    def counting(self: OpenAIChunkWriter, *args: object, **kwargs: object) -> bytes:
        calls.append("text")
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(OpenAIChunkWriter, "text", counting)
    plan = stream(OpenAIDialect(), IdSource(1))
    assert plan.content_frames == 60
    assert calls == []
    body = b"".join(f.data for f in plan.frames)
    assert len(calls) == 60
    assert body.count(b'"content":"') == 61  # the role chunk's empty content, then one per word


DIALECTS = [
    (OpenAIDialect(), "/v1/chat/completions"),
    (AnthropicDialect(), "/v1/messages"),
    (GeminiDialect(), "/v1beta/models/m:streamGenerateContent"),
]


@pytest.mark.parametrize(("dialect", "path"), DIALECTS, ids=lambda d: getattr(d, "name", str(d)))
def test_two_streams_read_interleaved_give_the_bytes_they_give_read_one_after_the_other(
    dialect: Dialect, path: str
) -> None:
    """With a seed, a stream's bytes do not depend on when the transport reads its frames, nor on the
    streams sent beside it (OpenAI's obfuscation pads come from a source of the stream's own)."""
    ids = IdSource(7)
    first, second = stream(dialect, ids, path), stream(dialect, ids, path)
    apart = [b"".join(f.data for f in first.frames), b"".join(f.data for f in second.frames)]

    ids = IdSource(7)
    first, second = stream(dialect, ids, path), stream(dialect, ids, path)
    together: list[list[bytes]] = [[], []]
    for one, two in zip(first.frames, second.frames, strict=True):
        together[1].append(two.data)  # the second stream's frames read first
        together[0].append(one.data)
    assert [b"".join(t) for t in together] == apart
    assert apart[0] != apart[1]  # two streams, two sets of ids
