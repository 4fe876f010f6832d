"""The journal over HTTP: `GET /_fakellm/requests` (filters, paging), one entry by id, and `DELETE`.

With a shared state store (`--state redis://...`), the routes read and clear the fleet's journal
there, so any replica shows every replica's requests (each entry says which `replica` answered; ids
are the store's). Without one, they read this process's `Journal`.

When any key is configured (the server's, or a scenario's own `api_keys`), these
routes want one too (as a Bearer token, an `api-key` or `x-goog-api-key` header,
or `?key=`), since the journal shows what clients sent.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, get_args, get_origin, get_type_hints

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fakellm.errors import ApiError
from fakellm.journal import Journal, JournalFilter

if TYPE_CHECKING:
    from fakellm.state import StateStore

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_FILTER_TYPES = get_type_hints(JournalFilter)
# ASCII digits only (`'²'.isdigit()` is true, `int('²')` fails); more than `_DIGITS` of them are out
# of every range here, and are not given to `int()` (which refuses over 4,300 digits).
_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
_DIGITS = 18
_SHOWN = 40  # characters of a bad value quoted back


def _quoted(raw: str) -> str:
    return repr(raw) if len(raw) <= _SHOWN else repr(raw[:_SHOWN]) + f" (+{len(raw) - _SHOWN} characters)"


class _BadQuery(Exception):
    pass


def _error(status: int, message: str, code: str) -> Response:
    return JSONResponse({"error": {"message": message, "type": "fakellm_error", "code": code}}, status_code=status)


def _json(data: Any, status: int = 200) -> Response:
    # `default=str` because scenario extras may hold values JSON does not know (they are only for reading).
    body = json.dumps(data, ensure_ascii=False, default=str).encode()
    return Response(body, status_code=status, media_type="application/json")


def _integer(name: str, raw: str, low: int | None = None, high: int | None = None) -> int:
    if not _INTEGER.fullmatch(raw):
        raise _BadQuery(f"Query parameter '{name}' must be an integer, got {_quoted(raw)}.")
    value = int(raw) if len(raw) <= _DIGITS else (-(10**_DIGITS) if raw.startswith("-") else 10**_DIGITS)
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            bound = f"between {low} and {high}"
        else:
            bound = f"at least {low}" if low is not None else f"at most {high}"
        raise _BadQuery(
            f"Query parameter '{name}' must be {bound}, got {value if len(raw) <= _DIGITS else _quoted(raw)}."
        )
    return value


def _int_param(request: Request, name: str, default: int, low: int, high: int | None = None) -> int:
    raw = request.query_params.get(name)
    return _integer(name, raw, low, high) if raw else default


def _filter_value(spec: dataclasses.Field[Any], raw: str) -> Any:
    """One filter parameter, read as its `JournalFilter` field's type says."""
    kinds = [k for k in get_args(_FILTER_TYPES[spec.name]) if k is not type(None)]
    kind = kinds[0] if len(kinds) == 1 else None
    if get_origin(kind) is Literal:
        choices = get_args(kind)
        if raw not in choices:
            raise _BadQuery(f"Query parameter '{spec.name}' must be one of {', '.join(choices)}, got {_quoted(raw)}.")
        return raw
    if kind is bool:
        if raw not in ("true", "false"):
            raise _BadQuery(f"Query parameter '{spec.name}' must be true or false, got {_quoted(raw)}.")
        return raw == "true"
    if kind is int:
        low, high = spec.metadata.get("range", (None, None))
        return _integer(spec.name, raw, low, high)
    return raw


def _filter(request: Request) -> JournalFilter:
    """A `JournalFilter` from the query: every field of it is a parameter of the same name."""
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(JournalFilter):
        raw = request.query_params.get(spec.name)
        if raw:
            values[spec.name] = _filter_value(spec, raw)
    return JournalFilter(**values)


def matches(where: JournalFilter, data: dict[str, Any]) -> bool:
    """Whether a published entry (`JournalEntry.to_dict()`) passes the filter."""
    return all(getattr(where, name) in (None, data.get(name)) for name in where.__slots__)


async def _shared_entries(state: StateStore, where: JournalFilter) -> list[dict[str, Any]]:
    return [data for data in await state.entries() if matches(where, data)]


def _unavailable(exc: ApiError) -> Response:
    return _error(exc.status, exc.message or "", exc.code or "unavailable")


def journal_routes(
    journal: Journal, allowed: Callable[[Request], bool], state: StateStore | None = None
) -> list[Route]:
    """The routes; `allowed` says whether a request may read the journal (the server judges its key);
    with a shared `state` store, they read and clear its journal."""

    def refused(request: Request) -> Response | None:
        if not allowed(request):
            message = "The journal needs an API key the server or a scenario accepts (Authorization: Bearer KEY)."
            return _error(401, message, "invalid_api_key")
        return None

    async def list_requests(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        try:
            where = _filter(request)
            offset = _int_param(request, "offset", 0, 0)
            limit = _int_param(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        except _BadQuery as exc:
            return _error(400, str(exc), "invalid_query")
        entries: list[Any]
        if state is not None:
            try:
                entries = await _shared_entries(state, where)
            except ApiError as exc:
                return _unavailable(exc)
        else:
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
                "data": [e if isinstance(e, dict) else e.to_dict() for e in page],
            }
        )

    async def one_request(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        raw = request.path_params["entry_id"]
        if not _INTEGER.fullmatch(raw) or raw.startswith("-"):
            return _error(400, f"A journal entry id is a whole number, got {_quoted(raw)}.", "invalid_id")
        found: dict[str, Any] | None = None
        if state is not None and len(raw) <= _DIGITS:
            try:
                found = next((e for e in await state.entries() if e["id"] == int(raw)), None)
            except ApiError as exc:
                return _unavailable(exc)
        elif len(raw) <= _DIGITS:
            entry = journal.get(int(raw))
            found = entry.to_dict() if entry is not None else None
        if found is None:
            return _error(404, f"No journal entry with id {raw!r} (it may have been dropped or cleared).", "not_found")
        return _json(found)

    async def clear_requests(request: Request) -> Response:
        if (denied := refused(request)) is not None:
            return denied
        deleted = journal.clear()
        if state is not None:
            try:
                deleted = await state.clear_journal()
            except ApiError as exc:
                return _unavailable(exc)
        return _json({"deleted": deleted})

    return [
        Route("/_fakellm/requests", list_requests, methods=["GET"]),
        Route("/_fakellm/requests", clear_requests, methods=["DELETE"]),
        Route("/_fakellm/requests/{entry_id}", one_request, methods=["GET"]),
    ]
