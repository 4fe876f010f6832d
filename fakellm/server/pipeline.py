"""The path of one request: parse → pick a scenario → reply → plan faults → frame → send.

Each stage is a separate object (dialect, scenario library, fault stage, transport, journal) and
takes the request's `Exchange`; this module only runs them in order and turns any failure into the
dialect's own error response. Nothing here knows a provider's format.
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from starlette.types import Receive, Send

from fakellm.config import DEFAULT_BODY_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_SERVER_ERRORS_KEPT
from fakellm.context import RequestContext
from fakellm.dialects.base import OperationCall
from fakellm.errors import ApiError
from fakellm.faults import FaultStage
from fakellm.journal import Journal, JournalEntry
from fakellm.journal.events import JournalEvent
from fakellm.scenarios import Scenario
from fakellm.scenarios.library import ScenarioLibrary
from fakellm.scenarios.obey import obey
from fakellm.server.admission import admission
from fakellm.server.auth import Auth
from fakellm.server.body import ClientGone, decode_json, read_body
from fakellm.server.exchange import Exchange
from fakellm.server.live import chunk_publisher, frame_texts
from fakellm.server.transport import DropConnection, send_body, send_plan
from fakellm.tokens import truncate_reply

if TYPE_CHECKING:
    from fakellm.state import StateStore

logger = logging.getLogger("fakellm")


def _ms(start: float, end: float | None) -> float | None:
    # Whole microseconds, as milliseconds (`round(x, 3)` costs several times more).
    return None if end is None else int((end - start) * 1_000_000 + 0.5) / 1000


# --- unexpected server errors ------------------------------------------------------------------
#
# Unexpected server errors: kept for the test harness (the last few, all counted) and logged
# with their traceback once, not once per request.
#
# A scenario bug fails every request that reaches it; a full traceback each time would flood the
# log (and its memory, in a captured test run). The same traceback (same exception type through
# the same lines) is logged in full at most once per `quiet_s`; repeats in between are one line.

QUIET_S = 60.0  # seconds between two full logs of the same traceback
MAX_SIGNATURES = 256  # distinct tracebacks remembered; the oldest is forgotten first

Signature = tuple[str, tuple[tuple[str, int], ...]]


def signature(exc: BaseException) -> Signature:
    """What makes two tracebacks the same: the exception type and the lines it went through."""
    frames = traceback.extract_tb(exc.__traceback__)
    return type(exc).__qualname__, tuple((f.filename, f.lineno or 0) for f in frames)


class ServerErrors:
    """The last `kept` unexpected errors as one-line descriptions, and how many there were in all."""

    def __init__(
        self,
        kept: int = DEFAULT_SERVER_ERRORS_KEPT,
        *,
        logger: logging.Logger | None = None,
        clock: Callable[[], float] = time.monotonic,
        quiet_s: float = QUIET_S,
    ) -> None:
        self.recent: deque[str] = deque(maxlen=max(1, kept))
        self.count = 0
        self._logger = logger or logging.getLogger("fakellm")
        self._clock = clock
        self._quiet_s = quiet_s
        self._logged: dict[Signature, tuple[float, int]] = {}  # last full log, repeats since

    def record(self, exc: BaseException, where: str) -> str:
        """Keep, count and log one error raised while answering `where` (`POST /v1/...`)."""
        line = f"{where}: {type(exc).__name__}: {exc}"
        self.recent.append(line)
        self.count += 1
        key, now = signature(exc), self._clock()
        last = self._logged.pop(key, None)  # popped and put back: the dict stays in order of use
        if last is None or now - last[0] >= self._quiet_s:
            again = f" (and {last[1]} more times since it was last logged in full)" if last and last[1] else ""
            self._logger.error("fakellm: unexpected error while answering %s%s", where, again, exc_info=exc)
            self._logged[key] = (now, 0)
        else:
            self._logger.error("fakellm: unexpected error again while answering %s (traceback as above)", line)
            self._logged[key] = (last[0], last[1] + 1)
        while len(self._logged) > MAX_SIGNATURES:
            del self._logged[next(iter(self._logged))]
        return line

    def take(self) -> list[str]:
        """The kept errors, oldest first, removed as they are handed out (safe while others append)."""
        taken: list[str] = []
        while True:
            try:
                taken.append(self.recent.popleft())
            except IndexError:
                return taken


class Pipeline:
    def __init__(
        self,
        library: ScenarioLibrary,
        *,
        faults: FaultStage | None = None,
        auth: Auth | None = None,
        journal: Journal | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        server_errors_kept: int = DEFAULT_SERVER_ERRORS_KEPT,
        state: StateStore | None = None,
        strict_models: bool = False,
    ) -> None:
        self.library = library
        # A shared store (`--state redis://...`): sequences advance there, and settled entries go to its journal.
        self.state = state
        self.faults = faults or FaultStage()
        self.auth = auth or Auth()
        self.journal = journal if journal is not None else Journal()  # an empty Journal is falsy
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.strict_models = strict_models  # or a scenario's `strict_models`: unknown models get a 404
        # Unexpected exceptions, for the test harness to surface: the last few kept, all counted.
        self.errors = ServerErrors(server_errors_kept, logger=logger)

    @property
    def server_errors(self) -> list[str]:
        """The unexpected exceptions kept, oldest first (a copy)."""
        return list(self.errors.recent)

    async def handle(self, ctx: RequestContext, receive: Receive, send: Send) -> None:
        ticket = admission(asyncio.get_running_loop()).ticket()  # one per loop turn in a burst
        if ticket is not None:
            await ticket
        ex = Exchange(ctx, self.journal.open(ctx), receive, send)
        entry = ex.entry
        shared_id: int | None = None
        try:
            if self.state is not None:  # the fleet's journal numbers requests as they come (a dead store refuses here)
                shared_id = await self.state.reserve()
            refusal = self.auth.refusal(ctx)
            if ctx.operation != "chat":
                await self._operate(ex, refusal)
                return
            scenario = await self._choose(ex, refusal)
            self._authorize(ctx, scenario, refusal)
            if self.strict_models or getattr(scenario, "strict_models", False):
                assert ex.request is not None
                ctx.dialect.check_model(ex.request.model, self.library.model_ids())
            await self._answer(ex, scenario)
            await self._deliver(ex)
        except ClientGone as gone:  # hung up mid-upload: nothing to send, and nothing was sent
            entry.ended, entry.error = "disconnected", gone.message
            entry.disconnected_at_ms = _ms(ctx.started, time.monotonic())
        except ApiError as error:
            if entry.status:  # the response has started: nothing more can be said
                raise
            await _error(ctx, error, entry, send)
        except DropConnection:  # a deliberate drop: the server closes the socket
            raise
        except Exception as exc:
            self.errors.record(exc, f"{ctx.method} {ctx.path}")
            entry.ended, entry.error = "error", f"{type(exc).__name__}: {exc}"
            if not entry.status:
                await _error(ctx, ApiError(500), entry, send)
        finally:
            entry.total_ms = _ms(ctx.started, time.monotonic())
            self.journal.settle(entry)
            if shared_id is not None:
                await self._publish(entry, shared_id)

    async def _publish(self, entry: JournalEntry, shared_id: int | None) -> None:
        """Add the settled entry to the shared journal. The response has gone out: a store that went
        down meanwhile costs this entry its place there, and is logged, but fails nothing."""
        assert self.state is not None
        try:
            if shared_id is None:
                shared_id = await self.state.reserve()
            await self.state.publish(shared_id, entry.to_dict())
        except ApiError as exc:
            logger.warning("fakellm: journal entry #%s not shared: %s", entry.id, exc.message)

    async def _choose(self, ex: Exchange, refusal: ApiError | None) -> Scenario:
        """Read and parse the body, and pick the scenario that answers it."""
        ctx, entry = ex.ctx, ex.entry
        try:
            timeout = self.body_timeout
            length = ctx.header("content-length")
            raw = await read_body(ex.receive, length, self.max_body, ctx.started + timeout, timeout)
            request = ex.request = entry.request = ctx.dialect.parse(decode_json(raw), ctx)
            entry.body_bytes = len(raw)
            entry.stream = request.stream
            scenario = self.library.select(ctx, request)
        except ClientGone:
            raise
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

    async def _answer(self, ex: Exchange, scenario: Scenario) -> None:
        """The scenario's replies, then the fault plan (which may refuse the request with `ApiError`)."""
        ctx, entry, request = ex.ctx, ex.entry, ex.request
        assert request is not None
        shared = getattr(scenario, "respond_shared", None) if self.state is not None else None
        outcome = await shared(request, ctx, self.state) if shared is not None else scenario.respond(request, ctx)
        entry.rule = outcome.rule
        # Every scenario's replies are made to obey the request (tool choice, output format, stop…).
        seed = getattr(scenario, "seed", None)
        replies = obey(request, outcome.replies, ctx, self.faults.seed if seed is None else seed)
        if request.max_tokens is not None:
            replies = [truncate_reply(r, request.max_tokens) for r in replies]
        ex.replies = replies
        entry.record_replies(replies)
        ex.model = outcome.model or request.model
        ex.headers = ctx.dialect.response_headers(ctx)
        ex.faults = await self.faults.plan(ctx, request, replies, ex.model, outcome.faults, ex.scenario)
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
        entry.status = 200
        entry.fault = delivery.fault
        progress = ex.progress
        if delivery.offsets is not None:
            progress.sent_at = []
        events = self.journal.events
        if events.watched:
            events.publish(JournalEvent("answer", entry, {"replies": ex.replies}))
            if events.watching_chunks:
                texts = frame_texts(framed, ex.replies)
                progress.on_sent = chunk_publisher(self.journal, entry, texts, ctx.started)
        try:
            await send_plan(ex.send, ex.receive, framed, delivery, headers, ctx.started, progress)
        finally:  # also when a deliberate drop ends the response half way
            entry.chunks = progress.chunks_sent
            entry.ttft_ms = _ms(ctx.started, progress.first_frame_at)
            if progress.sent_at:
                entry.schedule_s = delivery.offsets or []
                entry.sent_s = [t - ctx.started for t in progress.sent_at]
            if progress.disconnected_at is not None:
                entry.ended = "disconnected"
                entry.disconnected_at_ms = _ms(ctx.started, progress.disconnected_at)
                if progress.first_frame_at is None:  # gone before the status line: none was sent
                    entry.status = 0
            else:
                entry.ended = "fault" if delivery.fault else "completed"

    async def _operate(self, ex: Exchange, refusal: ApiError | None) -> None:
        """A route that is not a chat (models, token counts, stored responses…): the dialect answers."""
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
        body = None
        if ctx.method in ("POST", "PUT", "PATCH"):
            length = ctx.header("content-length")
            raw = await read_body(ex.receive, length, self.max_body, ctx.started + self.body_timeout, self.body_timeout)
            ex.entry.body_bytes = len(raw)
            body = decode_json(raw) if raw else None  # an action (`…/cancel`) may come without a body
        declared = self.library.model_ids()
        call = OperationCall(ctx, body, declared)
        if self.strict_models or getattr(scenario, "strict_models", False):
            call = OperationCall(ctx, body, declared, lambda model: ctx.dialect.knows_model(model, declared))
        result = await ctx.dialect.operate(ctx.operation, call)
        headers = ctx.dialect.response_headers(ctx)
        headers["content-type"] = ctx.dialect.json_media_type
        headers.update(result.headers)
        ex.entry.status = result.status
        await send_body(ex.send, result.status, headers, result.body)
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
            if self.state is not None:
                await self._publish(entry, None)


async def _error(ctx: RequestContext, error: ApiError, entry: JournalEntry, send: Send) -> None:
    """The error as the dialect words it, before any of the response went out."""
    response = ctx.dialect.render_error(error, ctx)
    headers = ctx.dialect.response_headers(ctx)
    headers.update(response.headers)
    entry.status = response.status
    entry.ended = "fault" if error.injected else "error"
    entry.error = error.message or error.code or str(error.status)
    await send_body(send, response.status, headers, response.body)
