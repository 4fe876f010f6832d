"""The journal over HTTP: `GET /_fakellm/requests` (filters, paging), one entry by id, and `DELETE`.

When the server has API keys, these routes want one too (as a Bearer token,
an `api-key` or `x-goog-api-key` header, or `?key=`), since the journal shows
what clients sent.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fakellm.dialects import key_headers, key_query_params
from fakellm.journal import ENDINGS, Journal, JournalFilter
from fakellm.server.auth import Auth

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class _BadQuery(Exception):
    pass


def _error(status: int, message: str, code: str) -> Response:
    return JSONResponse({"error": {"message": message, "type": "fakellm_error", "code": code}}, status_code=status)


def _json(data: Any, status: int = 200) -> Response:
    # `default=str` because scenario extras may hold values JSON does not know (they are only for reading).
    body = json.dumps(data, ensure_ascii=False, default=str).encode()
    return Response(body, status_code=status, media_type="application/json")


def _presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip()
    for name in sorted(key_headers() - {"authorization"}):
        if request.headers.get(name):
            return request.headers[name]
    return next((request.query_params[q] for q in sorted(key_query_params()) if request.query_params.get(q)), None)


def _int_param(request: Request, name: str, default: int | None, low: int, high: int | None = None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.lstrip("-").isdigit():
        raise _BadQuery(f"Query parameter '{name}' must be an integer, got {raw!r}.")
    value = int(raw)
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise _BadQuery(f"Query parameter '{name}' must be {bound}, got {value}.")
    return value


def _filter(request: Request) -> JournalFilter:
    params = request.query_params
    ended = params.get("ended") or None
    if ended is not None and ended not in ENDINGS:
        raise _BadQuery(f"Query parameter 'ended' must be one of {', '.join(ENDINGS)}, got {ended!r}.")
    stream = params.get("stream")
    if stream not in (None, "", "true", "false"):
        raise _BadQuery(f"Query parameter 'stream' must be true or false, got {stream!r}.")
    return JournalFilter(
        scenario=params.get("scenario") or None,
        dialect=params.get("dialect") or None,
        status=_int_param(request, "status", None, 100, 599),
        ended=ended,
        rule=params.get("rule") or None,
        path=params.get("path") or None,
        method=(params.get("method") or "").upper() or None,
        stream=None if not stream else stream == "true",
    )


def journal_routes(journal: Journal, auth: Auth) -> list[Route]:
    def refused(request: Request) -> Response | None:
        if auth.enabled and not auth.accepts(_presented_key(request)):
            return _error(401, "The journal needs the server's API key (Authorization: Bearer KEY).", "invalid_api_key")
        return None

    async def list_requests(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        try:
            where = _filter(request)
            offset = _int_param(request, "offset", 0, 0) or 0
            limit = _int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT) or DEFAULT_LIMIT
        except _BadQuery as exc:
            return _error(400, str(exc), "invalid_query")
        entries = journal.entries(where)
        if request.query_params.get("order") == "desc":
            entries.reverse()
        page = entries[offset : offset + limit]
        return _json(
            {
                "object": "list",
                "total": len(entries),
                "offset": offset,
                "limit": limit,
                "has_more": offset + len(page) < len(entries),
                "data": [e.to_dict() for e in page],
            }
        )

    async def one_request(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        raw = request.path_params["entry_id"]
        entry = journal.get(int(raw)) if raw.isdigit() else None
        if entry is None:
            return _error(404, f"No journal entry with id {raw!r} (it may have been dropped or cleared).", "not_found")
        return _json(entry.to_dict())

    async def clear_requests(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        return _json({"deleted": journal.clear()})

    return [
        Route("/_fakellm/requests", list_requests, methods=["GET"]),
        Route("/_fakellm/requests", clear_requests, methods=["DELETE"]),
        Route("/_fakellm/requests/{entry_id}", one_request, methods=["GET"]),
    ]
