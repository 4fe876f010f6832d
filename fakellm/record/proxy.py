"""`fakellm record`'s ASGI application: every fakellm route, forwarded to its dialect's upstream.

A chat request is parsed by its dialect (to know what to match on), forwarded, relayed back byte
for byte, and written to the file as a rule the moment its answer is complete (or the client
hangs up). Other routes (models, …) and paths no dialect owns are forwarded and relayed but not
recorded. A dialect without an upstream is answered 502 in its own shape, naming the missing
`--upstream`; an upstream that cannot be reached, 502 likewise.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

import httpx
from starlette.types import Receive, Scope, Send

from fakellm.config import DEFAULT_BODY_TIMEOUT, DEFAULT_HOST, DEFAULT_MAX_BODY
from fakellm.context import RequestContext
from fakellm.dialects import all_dialects
from fakellm.errors import ApiError
from fakellm.ids import IdSource
from fakellm.model import ChatRequest
from fakellm.record.capture import Capture
from fakellm.record.forward import Relay, request_headers
from fakellm.record.redact import Redactor
from fakellm.record.upstreams import Upstreams
from fakellm.record.writer import ScenarioWriter
from fakellm.server.body import ClientGone, decode_json, read_body
from fakellm.server.hosts import HostPolicy
from fakellm.server.router import SCENARIO_PREFIX, RouteMiss, Router
from fakellm.server.transport import send_body

logger = logging.getLogger("fakellm")
UPSTREAM_TIMEOUT = httpx.Timeout(connect=15.0, read=600.0, write=60.0, pool=15.0)


@dataclass(slots=True)
class RecordStats:
    """What the proxy has done, for its owner (tests, the pytest plugin, the command's summary)."""

    forwarded: int = 0
    recorded: int = 0
    hung_up: int = 0
    not_recorded: list[str] = field(default_factory=list)  # why an exchange could not be written


class RecordingProxy:
    def __init__(
        self,
        upstreams: Upstreams,
        writer: ScenarioWriter,
        *,
        redactor: Redactor | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        host: str = DEFAULT_HOST,
    ) -> None:
        """`host`: the address the proxy is bound to; as with `fakellm serve`, when it is a loopback one
        only loopback names are answered, and other sites' browser pages are refused (403)."""
        self.upstreams = upstreams
        self.hosts = HostPolicy((), host)
        self.writer = writer
        self.redactor = redactor or Redactor()
        self.max_body = max_body
        self.body_timeout = body_timeout
        self.router = Router(all_dialects(), IdSource())
        self.stats = RecordStats()
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._writing = asyncio.Lock()

    def client(self) -> httpx.AsyncClient:
        # Made on first use, inside the server's event loop.
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=UPSTREAM_TIMEOUT, transport=self._transport)
            self._client.headers.clear()  # only the client's own headers go upstream (no httpx user agent, ...)
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        found = self.router.resolve(scope)
        ctx = found.ctx if isinstance(found, RouteMiss) else found
        headers = ctx.headers
        refusal = self.hosts.judge(scope, headers.get("host"), headers.get("origin"), headers.get("sec-fetch-site"))
        if refusal is not None:
            await _refuse(ctx, refusal, send)
            return
        dialect = ctx.dialect
        upstream = self.upstreams.for_dialect(dialect)
        if upstream is None:
            await _refuse(ctx, ApiError(502, self.upstreams.missing_message(dialect), code="no_upstream"), send)
            return
        try:
            length = ctx.header("content-length")
            raw = await read_body(receive, length, self.max_body, ctx.started + self.body_timeout, self.body_timeout)
        except ClientGone:
            return
        except ApiError as error:
            await _refuse(ctx, error, send)
            return
        request = self._parse(ctx, raw) if not isinstance(found, RouteMiss) and ctx.operation == "chat" else None
        capture = Capture(ctx.started)
        relay = Relay(self.client(), capture)
        outgoing = self.client().build_request(
            scope["method"], _target(upstream, scope), headers=request_headers(scope["headers"]), content=raw
        )
        self.stats.forwarded += 1
        try:
            hung_up = await relay.run(outgoing, receive, send)
        except httpx.HTTPError as exc:
            if capture.status:  # the answer had begun: the client saw it end early
                logger.warning("fakellm record: the %s upstream broke off its answer: %s", dialect.name, exc)
                capture.end(time.monotonic())
            else:
                message = f"fakellm record could not reach the {dialect.name} upstream {upstream}: {exc}"
                await _refuse(ctx, ApiError(502, message, code="upstream_unreachable"), send)
                return
            hung_up = False
        self.stats.hung_up += hung_up
        if request is not None:
            async with self._writing:  # one rule at a time, numbered in the order they are written
                await self._record(ctx, request, capture)

    def _parse(self, ctx: RequestContext, raw: bytes) -> ChatRequest | None:
        try:
            return ctx.dialect.parse(decode_json(raw), ctx)
        except ApiError:
            return None  # the upstream will say what is wrong with it; nothing to match on

    async def _record(self, ctx: RequestContext, request: ChatRequest, capture: Capture) -> None:
        dialect = ctx.dialect
        number = self.writer.next_number()
        name = f"{number}: {dialect.name} {request.model}".strip()
        rule = capture.rule(dialect, request, name)
        if rule is None:
            why = f"{name}: the {dialect.name} answer (status {capture.status}) could not be read back"
            self.stats.not_recorded.append(why)
            logger.warning("fakellm record: %s; not recorded", why)
            return
        key = dialect.api_key(ctx)
        secrets = [key] if key else []
        try:
            # In a thread: flushing to disk must not hold up the streams other clients are being relayed.
            await asyncio.to_thread(self.writer.append, self.redactor.value(rule, secrets))
        except ValueError as exc:
            self.stats.not_recorded.append(f"{name}: {exc}")
            logger.warning("fakellm record: %s could not be written: %s", name, exc)
            return
        self.stats.recorded += 1

    def forget_client(self) -> None:
        """Drop the upstream client once the server's event loop has ended (a new one is made if needed)."""
        self._client = None


def _target(upstream: str, scope: Scope) -> str:
    """The upstream URL: its root (and path prefix), the path as the client sent it (without a
    `/s/{scenario}` prefix), and the query string unchanged."""
    path: str = scope.get("raw_path", b"").decode("latin-1") or scope["path"]
    path = path.split("?", 1)[0]
    if path.startswith(SCENARIO_PREFIX):
        path = "/" + path[len(SCENARIO_PREFIX) :].partition("/")[2]
    query: bytes = scope.get("query_string", b"")
    return upstream + path + ("?" + query.decode("latin-1") if query else "")


async def _refuse(ctx: RequestContext, error: ApiError, send: Send) -> None:
    response = ctx.dialect.render_error(error, ctx)
    await send_body(send, response.status, dict(response.headers), response.body)
