"""fakellm's own routes (not a provider's): the landing page, `/metrics` and `/_fakellm/...`.

These are ordinary Starlette routes; the provider routes bypass Starlette's
request objects for speed (see `fakellm.server.app`).
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from fakellm.context import RequestContext
from fakellm.dialects import Dialect
from fakellm.errors import ApiError
from fakellm.journal import Journal
from fakellm.journal.http import journal_routes
from fakellm.observe import Metrics, page, wants_html
from fakellm.scenarios.library import ScenarioLibrary
from fakellm.server.auth import Auth
from fakellm.server.urls import banner

if TYPE_CHECKING:
    from fakellm.state import StateStore


def scenario_keys(library: ScenarioLibrary) -> list[str]:
    """Every key some loaded scenario asks for (its `api_keys`; an empty list asks for none)."""
    keys: list[str] = []
    for name in library.names:
        keys += [k for k in getattr(library.get(name), "api_keys", None) or () if k]
    return keys


def key_guard(auth: Auth, dialects: Sequence[Dialect], library: ScenarioLibrary) -> Callable[[Request], bool]:
    """Whether a request to fakellm's own routes carries a key the server accepts, sent where any
    provider's client sends it (each dialect reads its own places: Bearer, `api-key`, `?key=`, ...).

    Guarded whenever any key is configured anywhere: the server's (`--api-key`) or any loaded
    scenario's own `api_keys` (the journal shows what that scenario's clients sent); any of those
    keys opens it. Judged per request, so keys and scenarios changed while the server runs apply at once."""

    def allowed(request: Request) -> bool:
        keys = scenario_keys(library)
        if not auth.enabled and not keys:
            return True
        headers = dict(request.headers.items())  # lower-case names; the last value wins
        query = dict(request.query_params)
        for dialect in dialects:
            ctx = RequestContext(dialect, request.method, request.url.path, "", headers, query)
            key = dialect.api_key(ctx)
            if key and ((auth.enabled and auth.accepts(key)) or (keys and auth.accepts(key, keys))):
                return True
        return False

    return allowed


def admin_app(
    library: ScenarioLibrary,
    journal: Journal,
    allowed: Callable[[Request], bool],
    extra: Sequence[BaseRoute] = (),
    metrics: Metrics | None = None,
    state: StateStore | None = None,
    reset: Callable[[], Awaitable[None]] | None = None,
) -> Starlette:
    """The landing page (the dashboard in a browser, the banner otherwise), health, the scenario list,
    the journal, the metrics and `POST /_fakellm/reset` (behind `allowed`), and `extra` routes (the
    dashboard's); with a shared `state` store, health says whether it answers and the journal is its."""

    async def landing(request: Request) -> Response:
        if wants_html(request):
            return page()
        root = str(request.base_url).rstrip("/")
        return PlainTextResponse(banner(root, library.names) + "\n")

    async def scrape(request: Request) -> Response:
        if metrics is None:
            return await http_error(request, HTTPException(404))
        if not allowed(request):
            message = "The metrics need an API key the server accepts (Authorization: Bearer KEY)."
            body = {"error": {"message": message, "type": "fakellm_error", "code": "invalid_api_key"}}
            return JSONResponse(body, status_code=401)
        text, media_type = metrics.exposition()
        return Response(text, media_type=media_type)

    async def health(request: Request) -> Response:
        # The pid tells the workers of `fakellm serve --workers N` (and replicas) apart.
        if state is not None:
            try:
                await state.ping()
            except ApiError as exc:
                body = {"status": "unavailable", "pid": os.getpid(), "state": state.where, "error": exc.message}
                return JSONResponse(body, status_code=503)
            return JSONResponse({"status": "ok", "pid": os.getpid(), "state": state.where})
        return JSONResponse({"status": "ok", "pid": os.getpid()})

    async def reset_state(request: Request) -> Response:
        """Per-run state back to the start (sequences, counters, budgets; the journal emptied): this
        process's, and the shared store's for every replica."""
        if not allowed(request):
            body = {"error": {"message": "Resetting needs an API key the server accepts.", "type": "fakellm_error"}}
            return JSONResponse(body, status_code=401)
        if reset is not None:
            try:
                await reset()
            except ApiError as exc:
                error = {"message": exc.message, "type": "fakellm_error", "code": exc.code}
                return JSONResponse({"error": error}, status_code=exc.status)
        return JSONResponse({"reset": True})

    async def scenarios(request: Request) -> Response:
        return JSONResponse({"default": library.default, "scenarios": library.names})

    async def http_error(request: Request, exc: Exception) -> Response:
        """404 and 405 as JSON, in the shape of fakellm's other errors (Starlette's own are plain text)."""
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            message = f"Method {request.method} is not allowed for {request.url.path}."
            code = "method_not_allowed"
        elif exc.status_code == 404:
            message, code = f"Not found: {request.method} {request.url.path}.", "not_found"
        else:
            message, code = str(exc.detail), "http_error"
        body = {"error": {"message": message, "type": "fakellm_error", "code": code}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    return Starlette(
        exception_handlers={HTTPException: http_error},
        routes=[
            Route("/", landing),
            Route("/_fakellm/health", health),
            Route("/_fakellm/scenarios", scenarios),
            Route("/metrics", scrape),
            Route("/_fakellm/reset", reset_state, methods=["POST"]),
            *journal_routes(journal, allowed, state),
            *extra,
        ],
    )
