"""fakellm's own routes (not a provider's): the landing page and `/_fakellm/...`.

These are ordinary Starlette routes; the provider routes bypass Starlette's
request objects for speed (see `fakellm.server.app`).
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from fakellm.journal import Journal
from fakellm.journal.http import journal_routes
from fakellm.scenarios.library import ScenarioLibrary
from fakellm.server.auth import Auth
from fakellm.server.urls import banner


def admin_app(library: ScenarioLibrary, journal: Journal | None = None, auth: Auth | None = None) -> Starlette:
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
            *(journal_routes(journal, auth or Auth()) if journal is not None else []),
        ]
    )
