"""The path of one request: parse → pick a scenario → reply → faults → frame → send.

Each stage is a separate object (dialect, scenario library, fault stage,
transport, journal); this module only runs them in order and turns any failure
into the dialect's own error response. Nothing here knows a provider's format.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.types import Receive, Send

from fakellm.config import DEFAULT_MAX_BODY
from fakellm.context import RequestContext
from fakellm.errors import ApiError
from fakellm.faults import FaultStage
from fakellm.faults.spec import FaultSpec
from fakellm.journal import Journal, JournalEntry
from fakellm.model import ChatRequest
from fakellm.scenarios import Outcome, Scenario
from fakellm.scenarios.library import ScenarioLibrary
from fakellm.server.auth import Auth
from fakellm.server.body import decode_json, read_body
from fakellm.server.transport import DropConnection, StreamResult, send_body, send_stream
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
        entry = self.journal.open(ctx)
        try:
            refusal = self.auth.refusal(ctx)
            if ctx.operation == "models":
                await self._models(ctx, refusal, entry, send)
                return
            try:
                raw = await read_body(receive, ctx.header("content-length"), self.max_body)
                request = ctx.dialect.parse(decode_json(raw), ctx)
                entry.request = request
                entry.stream = request.stream
                scenario = self.library.select(ctx, request)
            except ApiError:
                if refusal is not None:  # a bad key is reported before a bad body, as providers do
                    raise refusal from None
                raise
            entry.scenario = ctx.scenario = scenario.name
            self._authorize(ctx, scenario, refusal)
            outcome = scenario.respond(request, ctx)
            entry.rule = outcome.rule
            if request.max_tokens is not None:
                outcome.replies = [truncate_reply(r, request.max_tokens) for r in outcome.replies]
            entry.record_replies(outcome.replies)
            headers = ctx.dialect.response_headers(ctx)
            settings = self.faults.settings(ctx, outcome)
            headers.update(self.faults.admit(settings, request, ctx, outcome))
            if request.stream:
                await self._stream(ctx, request, outcome, settings, headers, entry, receive, send)
            else:
                await self._reply(ctx, request, outcome, settings, headers, entry, send)
        except ApiError as error:
            if entry.status:  # the response has started: nothing more can be said
                raise
            await self._error(ctx, error, entry, send)
        except DropConnection:  # a deliberate drop: the server closes the socket
            raise
        except Exception as exc:
            logger.exception("fakellm: unexpected error while answering %s %s", ctx.method, ctx.path)
            self.server_errors.append(f"{ctx.method} {ctx.path}: {type(exc).__name__}: {exc}")
            entry.ended, entry.error = "error", f"{type(exc).__name__}: {exc}"
            if not entry.status:
                await self._error(ctx, ApiError(500), entry, send)
        finally:
            entry.total_ms = _ms(ctx.started, time.monotonic())
            self.journal.settle(entry)

    def _authorize(self, ctx: RequestContext, scenario: Scenario | None, refusal: ApiError | None) -> None:
        """A scenario's own keys replace --api-key; they are judged before the scenario answers."""
        scenario_keys = getattr(scenario, "api_keys", None)
        if scenario_keys is not None:
            self.auth.check(ctx, scenario_keys)
        elif refusal is not None:
            raise refusal

    async def _models(self, ctx: RequestContext, refusal: ApiError | None, entry: JournalEntry, send: Send) -> None:
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
        entry.status = 200
        await send_body(send, 200, headers, ctx.dialect.render_models(self.library.model_ids(), ctx))
        entry.ended = "completed"

    async def _reply(
        self,
        ctx: RequestContext,
        request: ChatRequest,
        outcome: Outcome,
        settings: FaultSpec,
        headers: dict[str, str],
        entry: JournalEntry,
        send: Send,
    ) -> None:
        model = outcome.model or request.model
        body = ctx.dialect.render_reply(request, outcome.replies, model, ctx)
        delivery = self.faults.deliver(settings, None, request, ctx, outcome)
        if delivery.delay > 0:
            await asyncio.sleep(max(0.0, ctx.started + delivery.delay - time.monotonic()))
        headers.update(delivery.headers)
        headers["content-type"] = ctx.dialect.json_media_type
        entry.status, entry.chunks = 200, 1
        await send_body(send, 200, headers, body)
        entry.ttft_ms = _ms(ctx.started, time.monotonic())
        entry.ended, entry.fault = "completed", delivery.fault

    async def _stream(
        self,
        ctx: RequestContext,
        request: ChatRequest,
        outcome: Outcome,
        settings: FaultSpec,
        headers: dict[str, str],
        entry: JournalEntry,
        receive: Receive,
        send: Send,
    ) -> None:
        model = outcome.model or request.model
        plan = ctx.dialect.render_stream(request, outcome.replies, model, ctx)
        delivery = self.faults.deliver(settings, plan, request, ctx, outcome)
        headers.update(plan.headers)
        headers.update(delivery.headers)
        headers.setdefault("content-type", plan.media_type)
        headers.setdefault("cache-control", "no-cache")
        entry.status = 200
        entry.fault = delivery.fault
        result = StreamResult()
        try:
            result = await send_stream(send, receive, plan, delivery, headers, ctx.started)
        finally:
            entry.chunks = result.chunks_sent
            entry.ttft_ms = _ms(ctx.started, result.first_frame_at)
            if result.disconnected_at is not None:
                entry.ended = "disconnected"
                entry.disconnected_at_ms = _ms(ctx.started, result.disconnected_at)
            else:
                entry.ended = "fault" if delivery.fault else "completed"

    async def refuse(self, ctx: RequestContext, error: ApiError, send: Send) -> None:
        """Answer a request no route takes (404, 405) in the dialect's shape; the journal shows it too,
        since a wrong base URL is a common mistake."""
        entry = self.journal.open(ctx)
        try:
            await self._error(ctx, error, entry, send)
        finally:
            entry.total_ms = _ms(ctx.started, time.monotonic())
            self.journal.settle(entry)

    async def _error(self, ctx: RequestContext, error: ApiError, entry: JournalEntry, send: Send) -> None:
        response = ctx.dialect.render_error(error, ctx)
        headers = ctx.dialect.response_headers(ctx)
        headers.update(response.headers)
        entry.status = response.status
        entry.ended = "fault" if error.injected else "error"
        entry.error = error.message or error.code or str(error.status)
        await send_body(send, response.status, headers, response.body)
