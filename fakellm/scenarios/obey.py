"""Obeying the request: every responder's replies adjusted the way a real model's would be.

Runs on the replies of any scenario (a file's rules, echo, a Python scenario) before the fault plan,
so no scenario has to know what a request may ask of its answer:
- tool choice and parallel tool calls (`tool_choice`),
- structured output, a JSON object or JSON valid for a schema (`structured`),
- `reasoning_effort: none`: no reasoning,
- stop sequences: the text ends before the first one, finish reason `stop`.
(`max_tokens` is applied after this, by the pipeline.) Each change is noted in the reply's
`adjustments`, which the journal shows. What is generated here is reproducible: seeded by the
request's `seed`, else the `X-FakeLLM-Seed` header, else the scenario's or the server's `--seed`.
"""

from __future__ import annotations

import dataclasses

from fakellm.context import RequestContext
from fakellm.model import ChatRequest, Reply, Usage
from fakellm.scenarios.file_scenario import request_seed
from fakellm.scenarios.generate import Generator, derive_seed
from fakellm.scenarios.structured import obey_output
from fakellm.scenarios.tool_choice import obey_tool_choice


def asks_anything(request: ChatRequest) -> bool:
    """Whether the request asks anything of its replies that this stage may have to enforce."""
    return (
        request.tool_choice.mode != "auto"
        or bool(request.tool_choice.names)
        or not request.parallel_tool_calls
        or request.output.kind != "text"
        or bool(request.stop)
        or request.reasoning_effort == "none"
    )


def obey(request: ChatRequest, replies: list[Reply], ctx: RequestContext, seed: int | None = None) -> list[Reply]:
    """`replies` made to fit what `request` asks (new `Reply` objects where anything changes; the
    scenario's own are never changed, as a scenario may hand out one object for every choice).
    `seed` is the scenario's or server's, used when neither the request nor its header gives one."""
    if not asks_anything(request):
        return replies
    base = request.seed if request.seed is not None else request_seed(ctx, seed)
    out: list[Reply] = []
    for choice, given in enumerate(replies):
        reply = dataclasses.replace(
            given,
            tool_calls=list(given.tool_calls),
            adjustments=list(given.adjustments),
            usage=dataclasses.replace(given.usage) if given.usage is not None else None,
        )
        mixed = None if base is None else derive_seed(base, "obey", choice, request.turn, request.last_user_text)
        gen = Generator(mixed)

        def new_id(gen: Generator = gen) -> str:
            return gen.call_id() if gen.seeded else ctx.ids.new("call_", 24)

        obey_tool_choice(request, reply, gen, new_id)
        obey_output(request, reply, gen)
        _obey_reasoning(request, reply)
        _obey_stop(request, reply)
        out.append(reply)
    return out


def _obey_reasoning(request: ChatRequest, reply: Reply) -> None:
    if request.reasoning_effort != "none" or not reply.reasoning:
        return
    reply.reasoning = ""
    if reply.usage is not None and reply.usage.reasoning_tokens:
        reply.usage = Usage(reply.usage.prompt_tokens, reply.usage.completion_tokens, 0)
    reply.adjustments.append("reasoning_effort none: the reasoning was left out")


def _obey_stop(request: ChatRequest, reply: Reply) -> None:
    """Cut the text before the first stop sequence found in it (the earliest; the first listed on a tie)."""
    text = reply.text
    cut: tuple[int, str] | None = None
    for sequence in request.stop:
        if not sequence:
            continue
        at = text.find(sequence)
        if at != -1 and (cut is None or at < cut[0]):
            cut = (at, sequence)
    if cut is None:
        return
    at, sequence = cut
    reply.text = text[:at]
    reply.stop_sequence = sequence
    reply.finish_reason = "stop"
    reply.adjustments.append(
        f"stop: the text was cut before the stop sequence {sequence!r} ({len(text) - at} characters left out)"
    )
