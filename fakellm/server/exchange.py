"""One request on its way through the pipeline: what arrived, and what each stage decided about it.

The `RequestContext` is what arrived and never changes; the `Exchange` carries everything decided
after it (the parsed request, the scenario chosen, its replies, the fault plan, the response
headers, what has been sent), so each stage takes the exchange instead of a list of arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.types import Receive, Send

from fakellm.context import RequestContext
from fakellm.faults import FaultPlan
from fakellm.faults.plan import NO_FAULTS
from fakellm.journal import JournalEntry
from fakellm.model import ChatRequest, Reply
from fakellm.server.transport import Progress


@dataclass(slots=True)
class Exchange:
    ctx: RequestContext
    entry: JournalEntry  # the journal's record of it, filled in as the stages go
    receive: Receive
    send: Send
    request: ChatRequest | None = None
    scenario: str = ""  # the scenario answering, once chosen (fault counters and budgets are per scenario)
    replies: list[Reply] = field(default_factory=list)  # one per choice, truncated to max_tokens
    model: str = ""  # the model name the response reports
    faults: FaultPlan = NO_FAULTS
    headers: dict[str, str] = field(default_factory=dict)  # the response's headers so far
    progress: Progress = field(default_factory=Progress)  # what has gone out
