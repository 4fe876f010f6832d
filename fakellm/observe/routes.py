"""The dashboard's routes: the page and its assets, and the data endpoints behind the key guard.

- `GET /` (when the client accepts `text/html`): the page; it holds no data and no secret, and asks
  for everything else from the endpoints below. Other clients keep the plain-text banner.
- `GET /_fakellm/dashboard/static/{name}`: the page's script and style (package data).
- `GET /_fakellm/dashboard/info`: the public base URL, the dialects, the platforms, the scenarios.
- `GET /_fakellm/dashboard/sample`: the request "Try it" sends, in a dialect and a scenario.
- `GET /_fakellm/dashboard/requests/{id}`: one request in full, with its chunk timeline.
- `POST /_fakellm/dashboard/check`: `fakellm check` against a URL.
- `GET /_fakellm/events`: the live feed (`fakellm.observe.feed`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fakellm import __version__
from fakellm.dialects import Dialect
from fakellm.journal import Journal
from fakellm.observe.agents import agent_of
from fakellm.observe.checker import CheckRunner
from fakellm.observe.connect import dialect_rows, public_root
from fakellm.observe.feed import Feed
from fakellm.observe.platforms import platform_rows
from fakellm.scenarios.file_scenario import FileScenario
from fakellm.scenarios.library import ScenarioLibrary

STATIC = {"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}
# The page talks only to its own origin, and runs only its own script.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}
SAMPLE_TEXT_MAX = 4000


@cache
def asset(name: str) -> bytes:
    return resources.files("fakellm.observe").joinpath("static", name).read_bytes()


def wants_html(request: Request) -> bool:
    """Whether the client asked for a page (a browser); curl and SDKs send `*/*` or nothing."""
    return "text/html" in request.headers.get("accept", "")


def page() -> Response:
    return Response(asset("index.html"), media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)


def _error(status: int, message: str, code: str) -> Response:
    return JSONResponse({"error": {"message": message, "type": "fakellm_error", "code": code}}, status_code=status)


def scenario_rows(library: ScenarioLibrary) -> list[dict[str, Any]]:
    rows = []
    for name in library.names:
        scenario = library.get(name)
        rules: list[Any] = []
        defaults: dict[str, Any] = {}
        if isinstance(scenario, FileScenario):
            rules = [r.model_dump(mode="json", exclude_defaults=True, exclude_none=True) for r in scenario.spec.rules]
            defaults = scenario.spec.defaults.model_dump(mode="json", exclude_defaults=True, exclude_none=True)
            defaults.pop("api_keys", None)  # a scenario's own keys are secrets
        description = getattr(scenario, "description", "") or ""
        rows.append({"name": name, "description": description, "defaults": defaults, "rules": rules})
    return rows


@dataclass(frozen=True, slots=True)
class Dashboard:
    journal: Journal
    library: ScenarioLibrary
    dialects: Sequence[type[Dialect]]
    allowed: Callable[[Request], bool]  # the key guard
    allows_host: Callable[[str], bool]  # whether the server answers for a host name
    keys_configured: Callable[[], bool]
    metrics: bool
    exposed: bool

    def routes(self) -> list[Route]:
        feed = Feed(self.journal)
        checker = CheckRunner(exposed=self.exposed)
        return [
            Route("/_fakellm/dashboard/static/{name}", self.static),
            Route("/_fakellm/dashboard/info", self.guarded(self.info)),
            Route("/_fakellm/dashboard/sample", self.guarded(self.sample)),
            Route("/_fakellm/dashboard/requests/{entry_id:int}", self.guarded(self.detail)),
            Route("/_fakellm/dashboard/check", self.guarded(checker.endpoint), methods=["POST"]),
            Route("/_fakellm/events", self.guarded(feed.endpoint)),
        ]

    def guarded(self, handler: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            if not self.allowed(request):
                message = "The dashboard's data needs an API key the server accepts (Authorization: Bearer KEY)."
                return _error(401, message, "invalid_api_key")
            response: Response = await handler(request)
            return response

        return endpoint

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return _error(404, f"Not found: {request.url.path}.", "not_found")
        return Response(asset(name), media_type=STATIC[name], headers=SECURITY_HEADERS)

    async def info(self, request: Request) -> Response:
        headers = dict(request.headers.items())
        root = public_root(headers, request.url.scheme, self.allows_host)
        return JSONResponse(
            {
                "version": __version__,
                "root": root.url,
                "root_note": root.note,
                "key_required": self.keys_configured(),
                "metrics": self.metrics,
                "default_scenario": self.library.default,
                "scenarios": scenario_rows(self.library),
                "dialects": dialect_rows(self.dialects),
                "platforms": platform_rows(self.dialects),
            }
        )

    async def sample(self, request: Request) -> Response:
        query = request.query_params
        name, scenario = query.get("dialect"), query.get("scenario") or ""
        text = query.get("text", "")[:SAMPLE_TEXT_MAX]
        if scenario and scenario not in self.library:
            return _error(400, f"Unknown scenario; loaded: {', '.join(self.library.names)}.", "invalid_scenario")
        model, stream = query.get("model") or "gpt-4o-mini", query.get("stream") != "0"
        # A chat to say it: a provider's embeddings (same name, no streams) have nothing to say.
        chats = [d for d in self.dialects if d.name == name and d.streams]
        calls = (d.sample_call(text, model, "{key}", stream=stream) for d in chats)
        call = next((c for c in calls if c is not None), None)
        if call is None:
            names = sorted({d.name for d in self.dialects if d.sample_call("", "", "", stream=True) is not None})
            return _error(400, f"No sample request for dialect {name!r}; one of {', '.join(names)}.", "no_sample")
        prefix = f"/s/{quote(scenario, safe='')}" if scenario else ""
        return JSONResponse({"method": "POST", "path": prefix + call.path, "headers": call.headers, "body": call.body})

    async def detail(self, request: Request) -> Response:
        entry = self.journal.get(request.path_params["entry_id"])
        if entry is None:
            return _error(404, "No such request (it may have been dropped or cleared).", "not_found")
        data = entry.to_dict()
        data["agent"] = agent_of(entry.headers)
        data["timeline"] = {
            "schedule_ms": [round(s * 1000, 1) for s in entry.schedule_s],
            "sent_ms": [round(s * 1000, 1) for s in entry.sent_s],
        }
        body = json.dumps(data, ensure_ascii=False, default=str).encode()
        return Response(body, media_type="application/json")
