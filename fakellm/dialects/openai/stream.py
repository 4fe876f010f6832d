"""The order of an OpenAI-style stream: which chunks, in what order, carrying what, per `Policy`.

Role chunks open the choices, then the content pieces (interleaved for `n > 1`, or one choice after
the other), then the finish chunks, then the usage; or, where the provider has no finish chunks,
each choice's last delta carries its finish reason. The first and last chunks carry the policy's
fields for them (and the last the usage, where the policy puts it). The writer turns each chunk
into bytes.
"""

from __future__ import annotations

from typing import Any

from fakellm.dialects.logprobs import LogprobCursor
from fakellm.dialects.openai.chunks import Edge, logprobs_object
from fakellm.dialects.openai.policy import Policy, Reasoning
from fakellm.dialects.openai.writer import ChunkWriter
from fakellm.frames import Frame
from fakellm.model import ChatRequest, Reply
from fakellm.tokens import Piece, interleave, reply_pieces, reply_usage


def last_chunk_usage(policy: Policy, request: ChatRequest, replies: list[Reply]) -> dict[str, Any] | None:
    """The usage object the stream's last chunk carries, when the policy puts it there."""
    mode = policy.stream_usage
    if mode == "always_on_last_chunk" or (mode == "last_chunk" and request.include_usage):
        return policy.usage_object(reply_usage(request, replies))
    return None


def shown_pieces(policy: Policy, reply: Reply, index: int, reasoning: Reasoning) -> list[Piece]:
    """A choice's pieces as streamed: inline reasoning is part of the text, dropped reasoning is gone,
    unseen reasoning keeps its pieces (they take their turns, and are not written)."""
    if reply.reasoning and (reasoning.inline is not None or reasoning.dropped):
        reply = Reply(text=reasoning.text(reply), tool_calls=reply.tool_calls, finish_reason=reply.finish_reason)
    return reply_pieces(reply, index, whole_tool_calls=policy.whole_tool_calls)


def stream_frames(
    policy: Policy,
    writer: ChunkWriter,
    request: ChatRequest,
    replies: list[Reply],
    reasoning: list[Reasoning],
) -> list[Frame]:
    """Every frame of the stream, in order (the terminator is the caller's)."""
    frames = [Frame(policy.opening)] if policy.opening else []
    append = frames.append
    usage_chunk = policy.stream_usage == "own_chunk" and request.include_usage
    last: Edge = "last" if policy.last_fields is not None or "usage" in writer.values else ""

    cursor = LogprobCursor(request.top_logprobs) if request.logprobs else None
    lone = _lone_tool_call(policy, replies, cursor)
    if policy.role_chunks and not lone:  # the first role chunk carries the stream's first fields
        first: Edge = "first" if policy.first_fields is not None else ""
        opening = logprobs_object([]) if cursor is not None else None
        for i, reply in enumerate(replies):
            tools_only = reply.tool_calls and not (reply.text or reply.reasoning)
            content = None if tools_only and policy.role_content_null_for_tools else ""
            append(Frame(writer.role(i, content, first if i == 0 else "", opening)))

    per_choice = [shown_pieces(policy, r, i, reasoning[i]) for i, r in enumerate(replies)]
    if policy.finish_chunks:
        text = writer.text
        for piece in interleave(per_choice):
            if piece.kind != "text":
                _write_piece(frames, writer, policy, piece, replies, reasoning, cursor=cursor, lone=lone)
            elif cursor is None:  # most pieces: written here rather than in `_write_piece`
                append(Frame(text(piece.choice, piece.text), 1))
            else:
                own = logprobs_object([cursor.next(piece.choice, piece.text)])
                append(Frame(text(piece.choice, piece.text, logprobs=own), 1))
        final = len(replies) - 1
        for i, reply in enumerate(replies):
            edge: Edge = last if i == final and not usage_chunk else ""
            append(Frame(writer.finish(i, reply.resolved_finish_reason, edge)))
    else:
        _write_finishing(frames, writer, policy, per_choice, replies, reasoning, last, cursor)
    if usage_chunk:
        append(Frame(writer.usage(reply_usage(request, replies))))
    return frames


def _lone_tool_call(policy: Policy, replies: list[Reply], cursor: LogprobCursor | None) -> bool:
    """Whether the stream is one choice of one tool call and nothing else, whose role chunk the policy
    merges with the call's opening (OpenAI streams it so)."""
    if not policy.role_with_lone_tool or policy.whole_tool_calls or policy.first_fields is not None or cursor:
        return False
    return len(replies) == 1 and len(replies[0].tool_calls) == 1 and not (replies[0].text or replies[0].reasoning)


def _write_finishing(
    frames: list[Frame],
    writer: ChunkWriter,
    policy: Policy,
    per_choice: list[list[Piece]],
    replies: list[Reply],
    reasoning: list[Reasoning],
    last: Edge,
    cursor: LogprobCursor | None,
) -> None:
    """The pieces where there are no finish chunks: each choice's last delta (an empty one if the
    choice shows nothing) carries its finish reason, and the stream's last delta its last fields."""
    for i, pieces in enumerate(per_choice):
        if not reasoning[i].streamed:
            pieces[:] = [p for p in pieces if p.kind != "reasoning"]
        if not pieces:
            pieces.append(Piece(i, "text", ""))
    ends = {id(pieces[-1]): i for i, pieces in enumerate(per_choice)}
    order = interleave(per_choice) if policy.interleave else [p for ps in per_choice for p in ps]
    for piece in order:
        ending = ends.get(id(piece))
        if ending is None:
            _write_piece(frames, writer, policy, piece, replies, reasoning, cursor=cursor)
            continue
        finish: str = replies[ending].resolved_finish_reason
        if finish == "tool_calls":
            finish = policy.streamed_tool_calls_finish
        edge: Edge = last if piece is order[-1] else ""
        _write_piece(frames, writer, policy, piece, replies, reasoning, finish, edge, cursor)


def _write_piece(
    frames: list[Frame],
    writer: ChunkWriter,
    policy: Policy,
    piece: Piece,
    replies: list[Reply],
    reasoning: list[Reasoning],
    finish: str | None = None,
    edge: Edge = "",
    cursor: LogprobCursor | None = None,
    lone: bool = False,
) -> None:
    """One piece as its chunk (`lone`: a tool call's opening also carries the role)."""
    index = piece.choice
    if piece.kind == "text":
        own = None
        if cursor is not None and piece.text:
            own = logprobs_object([cursor.next(index, piece.text)])
        frames.append(Frame(writer.text(index, piece.text, finish, edge, own), 1))
    elif piece.kind == "reasoning":
        if reasoning[index].streamed:  # unseen reasoning takes its turn and shows nothing
            frames.append(Frame(writer.reasoning(index, piece.text, reasoning[index], finish, edge), 1))
    elif policy.whole_tool_calls:
        call = replies[index].tool_calls[piece.tool_index]
        frames.append(Frame(writer.tool_whole(index, piece.tool_index, call, finish, edge), 1))
    else:
        if piece.first_of_tool:
            call = replies[index].tool_calls[piece.tool_index]
            opening = writer.role_tool if lone else writer.tool_open
            frames.append(Frame(opening(index, piece.tool_index, call)))
        frames.append(Frame(writer.tool_args(index, piece.tool_index, piece.text, finish, edge), 1))
