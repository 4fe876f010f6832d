"""A loaded scenario file answering requests: first matching rule wins, sequences advance, echo otherwise.

Sequence positions are the only state. The server runs requests on one event
loop thread, but the test harness may call `reset()` from another thread, so
every read-and-advance of a position holds a lock. With a shared state store
(`--state redis://...`), `respond_shared` advances the positions there instead, so
replicas share one sequence.
"""

from __future__ import annotations

import threading
from collections.abc import Generator as Steps
from typing import TYPE_CHECKING

from fakellm.context import RequestContext
from fakellm.errors import ApiError
from fakellm.faults.spec import FaultSpec
from fakellm.model import ChatRequest
from fakellm.scenarios import Outcome
from fakellm.scenarios.closest import unmatched_error
from fakellm.scenarios.format import ReplySpec, Rule, ScenarioFile, fault_part
from fakellm.scenarios.generate import Generator, derive_seed
from fakellm.scenarios.loader import collector_paused
from fakellm.scenarios.matching import compile_match
from fakellm.scenarios.regexes import RegexTimeout
from fakellm.scenarios.replies import build_reply
from fakellm.scenarios.variables import ReplyEnv

if TYPE_CHECKING:
    from fakellm.state import StateStore

SEED_HEADER = "x-fakellm-seed"
_FALLBACK = ReplySpec.model_validate({"echo": True})


def rule_label(rule: Rule, index: int) -> str:
    """How the journal and error messages name a rule: its `name`, else `rule N` (1-based)."""
    return rule.name or f"rule {index + 1}"


def request_seed(ctx: RequestContext, configured: int | None) -> int | None:
    header = ctx.header(SEED_HEADER)
    if header is None or not header.strip():
        return configured
    try:
        return int(header.strip())
    except ValueError:
        raise ApiError(
            400, f"Invalid X-FakeLLM-Seed header {header!r}: expected an integer.", code="invalid_seed"
        ) from None


class FileScenario:
    def __init__(
        self, spec: ScenarioFile, *, name: str | None = None, seed: int | None = None, faults: FaultSpec | None = None
    ) -> None:
        """`faults` are the server-wide fault settings (`--ttft-ms`, ...): the scenario's defaults and
        each rule's settings go over them here, once, so a request's settings are ready-made."""
        self.spec = spec
        self.name = name or spec.name or "scenario"
        self.description = spec.description
        self.seed = seed if seed is not None else spec.defaults.seed
        self.api_keys = spec.defaults.api_keys
        self.strict_models = bool(spec.defaults.strict_models)
        own = fault_part(spec.defaults)
        self._faults = faults.merged(own) if faults is not None else own
        self._rule_faults = [self._faults.merged(fault_part(r)) for r in spec.rules]
        with collector_paused():
            self._matchers = [compile_match(r.match) for r in spec.rules]
        self._labels = [rule_label(r, i) for i, r in enumerate(spec.rules)]
        self._positions = [0] * len(spec.rules)
        self._lock = threading.Lock()

    def model_ids(self) -> list[str]:
        return [self.spec.defaults.model] if self.spec.defaults.model else []

    def reset(self) -> None:
        with self._lock:
            self._positions = [0] * len(self.spec.rules)

    def continue_from(self, earlier: FileScenario) -> None:
        """Take over the sequence positions of `earlier`, whose rules are the first rules of this one."""
        with earlier._lock:
            positions = list(earlier._positions)
        with self._lock:
            self._positions[: len(positions)] = positions

    def respond(self, request: ChatRequest, ctx: RequestContext) -> Outcome:
        steps = self._respond(request, ctx)
        try:
            index = next(steps)
            while True:
                index = steps.send(self._advance(index))
        except StopIteration as done:
            outcome: Outcome = done.value
            return outcome

    async def respond_shared(self, request: ChatRequest, ctx: RequestContext, state: StateStore) -> Outcome:
        """`respond`, with the sequence positions kept in the shared `state` store."""
        steps = self._respond(request, ctx)
        try:
            index = next(steps)
            while True:
                index = steps.send(await state.incr(f"sequence:{self.name}:{index}") - 1)
        except StopIteration as done:
            outcome: Outcome = done.value
            return outcome

    def _respond(self, request: ChatRequest, ctx: RequestContext) -> Steps[int, int, Outcome]:
        """The answer. Yields the index of each matching rule with a sequence and is sent its position
        (advanced by one), so that one body serves both the local and the shared positions."""
        seed = request_seed(ctx, self.seed)
        used_up: tuple[int, dict[str, str]] | None = None  # the last matching rule whose sequence is used up
        for index, matcher in enumerate(self._matchers):
            try:
                captures = matcher(request, ctx)
            except RegexTimeout as exc:
                raise self._timed_out(index, exc) from None
            if captures is None:
                continue
            rule = self.spec.rules[index]
            position = (yield index) if rule.replies is not None else 0
            step = self._step(index, rule, position)
            if step is None:  # a used-up sequence with `exhausted: next_rule`
                used_up = (index, captures)
                continue
            return self._answer(request, ctx, index, step, captures, seed)
        if used_up is not None and self.spec.unmatched == "repeat":
            index, captures = used_up
            last = len(self.spec.rules[index].replies or [None]) - 1
            return self._answer(request, ctx, index, last, captures, seed)
        if self.spec.unmatched != "echo":
            raise unmatched_error(self.name, self.spec.rules, self._labels, self._matchers, request, ctx)
        # No rule matched: echo, and say so (rule=None) so a strict test harness can flag it.
        replies = [build_reply(_FALLBACK, self._env(request, ctx, {}, seed, "", 0, 0)) for _ in range(request.n)]
        return Outcome(replies, model=self.spec.defaults.model, rule=None, faults=self._faults)

    def _answer(
        self,
        request: ChatRequest,
        ctx: RequestContext,
        index: int,
        step: int,
        captures: dict[str, str],
        seed: int | None,
    ) -> Outcome:
        """Rule `index`'s reply number `step`, one per choice."""
        rule = self.spec.rules[index]
        label = self._labels[index]
        spec = rule.reply if rule.reply is not None else (rule.replies or [])[step]
        replies = [
            build_reply(spec, self._env(request, ctx, captures, seed, label, step, choice))
            for choice in range(request.n)
        ]
        return Outcome(replies, model=self.spec.defaults.model, rule=label, faults=self._rule_faults[index])

    def _timed_out(self, index: int, exc: RegexTimeout) -> ApiError:
        """A 500: the request is fine and the scenario's configuration is at fault, as with any server
        misconfiguration; the message names the rule so the file can be fixed."""
        return ApiError(
            500,
            f"Scenario '{self.name}' {self._labels[index]}: the {exc.where} regex '{exc.pattern}' ran past its "
            f"{exc.budget:g} s time budget on this request, so the rule cannot be matched. It probably backtracks "
            "catastrophically (a repeat inside a repeat, such as (a+)+); `fakellm validate` warns about these.",
            code="scenario_regex_timeout",
        )

    def _env(
        self,
        request: ChatRequest,
        ctx: RequestContext,
        captures: dict[str, str],
        seed: int | None,
        label: str,
        step: int,
        choice: int,
    ) -> ReplyEnv:
        # Mixing in what was asked makes different questions get different text under one seed.
        mixed = None
        if seed is not None:
            mixed = derive_seed(seed, self.name, label, step, choice, request.turn, request.last_user_text)
        return ReplyEnv(request, ctx, captures, Generator(mixed), scenario=self.name, rule=label)

    def _advance(self, index: int) -> int:
        """The position of rule `index`'s sequence, moved on by one."""
        with self._lock:
            position = self._positions[index]
            self._positions[index] = position + 1
        return position

    def _step(self, index: int, rule: Rule, position: int) -> int | None:
        """Which of the rule's replies answers at `position`; None to fall through."""
        if rule.replies is None:
            return 0
        size = len(rule.replies)
        policy = rule.exhausted or "repeat_last"
        if position < size:
            return position
        if policy == "cycle":
            return position % size
        if policy == "repeat_last":
            return size - 1
        if policy == "next_rule":
            return None
        raise ApiError(
            400,
            f"Scenario '{self.name}' {rule_label(rule, index)}: all {size} replies of its sequence are used up "
            "(exhausted: error). Reset the scenario to start again.",
            code="scenario_sequence_exhausted",
        )
