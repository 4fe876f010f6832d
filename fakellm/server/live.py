"""What the journal's watchers see of a response while it goes out: the reply text each frame adds.

Only used when someone watches chunks (the dashboard's live feed), so a request nobody watches pays
nothing. The text is worked out in neutral terms: a dialect renders one content frame per streamed
piece of the reply (`Frame.tokens`), so the n-th content frame carries the n-th piece, whichever
provider's JSON wraps it. Dialects differ only in which pieces they show (reasoning may be hidden,
tool arguments may go whole); the first reading whose piece count matches the frames is used, and a
stream with more content frames than pieces (a dialect's own `<think>` tags) has the extra ones
placed before the text, and one with fewer has its text shared out over its content frames.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from fakellm.frames import StreamPlan
from fakellm.journal import Journal, JournalEntry
from fakellm.journal.events import JournalEvent
from fakellm.model import Reply
from fakellm.tokens import Piece, interleave, reply_pieces, split_tokens


def _readings(replies: list[Reply]) -> list[list[Piece]]:
    readings = []
    for whole in (False, True):
        pieces = interleave([reply_pieces(r, i, whole_tool_calls=whole) for i, r in enumerate(replies)])
        readings += [pieces, [p for p in pieces if p.kind != "reasoning"]]
    return readings


def frame_texts(plan: StreamPlan, replies: list[Reply]) -> list[str]:
    """The text of the first choice (its visible answer, not reasoning) that each frame of `plan`
    carries, by frame position."""
    if not replies:
        return [""] * len(plan.frames)
    if plan.whole:
        return [replies[0].text]
    content = sum(1 for f in plan.rendered if f.tokens)
    texts: list[str] = []
    readings = _readings(replies)
    pieces = next((p for p in readings if len(p) == content), None)
    if pieces is None:  # frames of the dialect's own besides the pieces (`<think>` tags): before the text
        fewer = [p for p in readings if len(p) < content]
        pieces = max(fewer, key=len) if fewer else None
        if pieces is not None:
            at = next((i for i, p in enumerate(pieces) if p.kind == "text"), len(pieces))
            pieces = [*pieces[:at], *[Piece(0, "reasoning", "")] * (content - len(pieces)), *pieces[at:]]
    if pieces is None:  # share the text out evenly
        tokens = split_tokens(replies[0].text)
        size = len(tokens)
        shares = ["".join(tokens[i * size // content : (i + 1) * size // content]) for i in range(content)]
    else:
        shares = [p.text if p.kind == "text" and p.choice == 0 else "" for p in pieces]
    seen = 0
    for frame in plan.frames:
        if frame.tokens and seen < len(shares):
            texts.append(shares[seen])
            seen += 1
        else:
            texts.append("")
    return texts


def chunk_publisher(journal: Journal, entry: JournalEntry, texts: list[str], started: float) -> Callable[[int], None]:
    """`Progress.on_sent` for one response: a `chunk` event per write, with the text it added."""
    done = 0

    def on_sent(sent: int) -> None:
        nonlocal done
        text = "".join(texts[done:sent])
        done = sent
        at_ms = round((time.monotonic() - started) * 1000, 1)
        journal.events.publish(JournalEvent("chunk", entry, {"sent": sent, "text": text, "at_ms": at_ms}))

    return on_sent
