"""The path of one request: parse → pick a scenario → reply → plan faults → frame → send.

Each stage is a separate object (dialect, scenario library, fault stage, transport, journal) and
takes the request's `Exchange`; this module only runs them in order and turns any failure into the
dialect's own error response. Nothing here knows a provider's format.
"""

from __future__ import annotations

import logging
import time

from starlette.types import Receive, Send

from fakellm.config import DEFAULT_MAX_BODY
from fakellm.context import RequestContext
from fakellm.errors import ApiError
from fakellm.faults import FaultStage
from fakellm.journal import Journal, JournalEntry
from fakellm.scenarios import Scenario
from fakellm.scenarios.library import ScenarioLibrary
from fakellm.server.auth import Auth
from fakellm.server.body import decode_json, read_body
from fakellm.server.exchange import Exchange
from fakellm.server.transport import DropConnection, send_body, send_plan
from fakellm.tokens import truncate_reply

logger = logging.getLogger("fakellm")


def _ms(start: float, end: float | None) -> float | None:
    # Whole microseconds, as milliseconds (`round(x, 3)` costs several times more).
    return None if end is None else int((end - start) * 1_000_000 + 0.5) / 1000


class Pipeline:
    def __init__(
        self,
        library: ScenarioLibrary,
        *,
        faults: FaultStage | None = None,
        auth: Auth | None = None,
        journal: Journal | None = None,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.library = library
        self.faults = faults or FaultStage()
        self.auth = auth or Auth()
        self.journal = journal if journal is not None else Journal()  # an empty Journal is falsy
        self.max_body = max_body
        self.server_errors: list[str] = []  # unexpected exceptions, for the test harness to surface

    async def handle(self, ctx: RequestContext, receive: Receive, send: Send) -> None:
        ex = Exchange(ctx, self.journal.open(ctx), receive, send)
        entry = ex.entry
        try:
            refusal = self.auth.refusal(ctx)
            if ctx.operation == "models":
                await self._models(ex, refusal)
                return
            scenario = await self._choose(ex, refusal)
            self._authorize(ctx, scenario, refusal)
            self._answer(ex, scenario)
            await self._deliver(ex)
        except ApiError as error:
            if entry.status:  # the response has started: nothing more can be said
                raise
            await _error(ctx, error, entry, send)
        except DropConnection:  # a deliberate drop: the server closes the socket
            raise
        except Exception as exc:
            logger.exception("fakellm: unexpected error while answering %s %s", ctx.method, ctx.path)
            self.server_errors.append(f"{ctx.method} {ctx.path}: {type(exc).__name__}: {exc}")
            entry.ended, entry.error = "error", f"{type(exc).__name__}: {exc}"
            if not entry.status:
                await _error(ctx, ApiError(500), entry, send)
        finally:
            entry.total_ms = _ms(ctx.started, time.monotonic())
            self.journal.settle(entry)

    async def _choose(self, ex: Exchange, refusal: ApiError | None) -> Scenario:
        """Read and parse the body, and pick the scenario that answers it."""
        ctx, entry = ex.ctx, ex.entry
        try:
            raw = await read_body(ex.receive, ctx.header("content-length"), self.max_body)
            request = ex.request = entry.request = ctx.dialect.parse(decode_json(raw), ctx)
            entry.stream = request.stream
            scenario = self.library.select(ctx, request)
        except ApiError:
            if refusal is not None:  # a bad key is reported before a bad body, as providers do
                raise refusal from None
            raise
        ex.scenario = entry.scenario = scenario.name
        return scenario

    def _authorize(self, ctx: RequestContext, scenario: Scenario | None, refusal: ApiError | None) -> None:
        """A scenario's own keys replace --api-key; they are judged before the scenario answers."""
        scenario_keys = getattr(scenario, "api_keys", None)
        if scenario_keys is not None:
            self.auth.check(ctx, scenario_keys)
        elif refusal is not None:
            raise refusal

    def _answer(self, ex: Exchange, scenario: Scenario) -> None:
        """The scenario's replies, then the fault plan (which may refuse the request with `ApiError`)."""
        ctx, entry, request = ex.ctx, ex.entry, ex.request
        assert request is not None
        outcome = scenario.respond(request, ctx)
        entry.rule = outcome.rule
        replies = outcome.replies
        if request.max_tokens is not None:
            replies = [truncate_reply(r, request.max_tokens) for r in replies]
        ex.replies = replies
        entry.record_replies(replies)
        ex.model = outcome.model or request.model
        ex.headers = ctx.dialect.response_headers(ctx)
        ex.faults = self.faults.plan(ctx, request, replies, ex.model, outcome.faults, ex.scenario)
        ex.headers.update(ex.faults.headers)

    async def _deliver(self, ex: Exchange) -> None:
        """Frame the response (a stream by the plan's script, or one whole reply), schedule it, send it."""
        ctx, entry, request = ex.ctx, ex.entry, ex.request
        assert request is not None
        dialect = ctx.dialect
        if request.stream:
            framed = dialect.frame_stream(request, ex.replies, ex.model, ctx, ex.faults.script)
        else:
            framed = dialect.frame_reply(request, ex.replies, ex.model, ctx)
        delivery = ex.faults.deliver(framed)
        headers = ex.headers
        headers.update(framed.headers)
        headers.update(delivery.headers)
        headers.setdefault("content-type", framed.media_type)
        if not framed.whole:
            headers.setdefault("cache-control", "no-cache")
        entry.status = 200
        entry.fault = delivery.fault
        progress = ex.progress
        try:
            await send_plan(ex.send, ex.receive, framed, delivery, headers, ctx.started, progress)
        finally:  # also when a deliberate drop ends the response half way
            entry.chunks = progress.chunks_sent
            entry.ttft_ms = _ms(ctx.started, progress.first_frame_at)
            if progress.disconnected_at is not None:
                entry.ended = "disconnected"
                entry.disconnected_at_ms = _ms(ctx.started, progress.disconnected_at)
            else:
                entry.ended = "fault" if delivery.fault else "completed"

    async def _models(self, ex: Exchange, refusal: ApiError | None) -> None:
        ctx = ex.ctx
        scenario = None
        if ctx.scenario_from_path:
            try:
                scenario = self.library.get(ctx.scenario_from_path)
            except ApiError:
                if refusal is not None:
                    raise refusal from None
                raise
        self._authorize(ctx, scenario, refusal)
        headers = ctx.dialect.response_headers(ctx)
        headers["content-type"] = ctx.dialect.json_media_type
        ex.entry.status = 200
        await send_body(ex.send, 200, headers, ctx.dialect.render_models(self.library.model_ids(), ctx))
        ex.entry.ended = "completed"

    async def refuse(self, ctx: RequestContext, error: ApiError, send: Send) -> None:
        """Answer a request no route takes (404, 405) in the dialect's shape; the journal shows it too,
        since a wrong base URL is a common mistake."""
        entry = self.journal.open(ctx)
        try:
            await _error(ctx, error, entry, send)
        finally:
            entry.total_ms = _ms(ctx.started, time.monotonic())
            self.journal.settle(entry)


async def _error(ctx: RequestContext, error: ApiError, entry: JournalEntry, send: Send) -> None:
    """The error as the dialect words it, before any of the response went out."""
    response = ctx.dialect.render_error(error, ctx)
    headers = ctx.dialect.response_headers(ctx)
    headers.update(response.headers)
    entry.status = response.status
    entry.ended = "fault" if error.injected else "error"
    entry.error = error.message or error.code or str(error.status)
    await send_body(send, response.status, headers, response.body)
