"""fakellm's own routes (not a provider's): the landing page and `/_fakellm/...`.

These are ordinary Starlette routes; the provider routes bypass Starlette's
request objects for speed (see `fakellm.server.app`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from fakellm.context import RequestContext
from fakellm.dialects import Dialect
from fakellm.journal import Journal
from fakellm.journal.http import journal_routes
from fakellm.scenarios.library import ScenarioLibrary
from fakellm.server.auth import Auth
from fakellm.server.urls import banner


def key_guard(auth: Auth, dialects: Sequence[Dialect]) -> Callable[[Request], bool]:
    """Whether a request to fakellm's own routes carries a key the server accepts, sent where any
    provider's client sends it (each dialect reads its own places: Bearer, `api-key`, `?key=`, ...).
    Judged per request, so keys changed while the server runs apply at once."""

    def allowed(request: Request) -> bool:
        if not auth.enabled:
            return True
        headers = dict(request.headers.items())  # lower-case names; the last value wins
        query = dict(request.query_params)
        for dialect in dialects:
            ctx = RequestContext(dialect, request.method, request.url.path, "", headers, query)
            if auth.accepts(dialect.api_key(ctx)):
                return True
        return False

    return allowed


def admin_app(library: ScenarioLibrary, journal: Journal, allowed: Callable[[Request], bool]) -> Starlette:
    """The landing page, health, the scenario list, and the journal (behind `allowed`)."""

    async def landing(request: Request) -> Response:
        root = str(request.base_url).rstrip("/")
        return PlainTextResponse(banner(root, library.names) + "\n")

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def scenarios(request: Request) -> Response:
        return JSONResponse({"default": library.default, "scenarios": library.names})

    return Starlette(
        routes=[
            Route("/", landing),
            Route("/_fakellm/health", health),
            Route("/_fakellm/scenarios", scenarios),
            *journal_routes(journal, allowed),
        ]
    )
