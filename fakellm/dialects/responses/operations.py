"""The routes on a stored response: retrieve, delete, cancel and list its input items.

`GET /v1/responses/{id}` returns the response as it was last sent; `DELETE` answers OpenAI's
deletion object and forgets it; `POST …/cancel` on a response that was not created with
`background: true` is a 400 (only background responses can be cancelled; a finished background
response comes back unchanged); `GET …/input_items` is a list object (`order` `desc` by default,
`limit` 1-100, default 20, `after` an item id). An id the store does not hold (never stored,
`store: false`, deleted, or evicted) is a 404.
"""

from __future__ import annotations

from typing import Any

from fakellm.dialects.base import OperationCall, OperationResult
from fakellm.dialects.responses.objects import whole_body
from fakellm.dialects.responses.store import ResponseStore, StoredResponse
from fakellm.errors import ApiError, bad_request

MAX_LIMIT = 100
DEFAULT_LIMIT = 20


def _json(value: Any) -> OperationResult:
    return OperationResult(whole_body(value))


def find(store: ResponseStore, call: OperationCall) -> tuple[str, StoredResponse]:
    response_id = call.ctx.path_params.get("response_id", "")
    if not response_id.startswith("resp"):
        raise bad_request(
            f"Invalid 'response_id': '{response_id}'. Expected an ID that begins with 'resp'.",
            param="response_id",
            code="invalid_value",
        )
    stored = store.get(response_id)
    if stored is None:
        raise ApiError(404, f"Response with id '{response_id}' not found.")
    return response_id, stored


def _limit(query: dict[str, str]) -> int:
    raw = query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise bad_request(
            f"Invalid 'limit': '{raw}'. Expected an integer between 1 and {MAX_LIMIT}.",
            param="limit",
            code="invalid_value",
        )
    return int(raw)


def input_items(stored: StoredResponse, query: dict[str, str]) -> dict[str, Any]:
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise bad_request(
            f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.", param="order", code="invalid_value"
        )
    items = list(stored.input_items if order == "asc" else reversed(stored.input_items))
    after = query.get("after")
    if after is not None:
        ids = [item.get("id") for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    limit = _limit(query)
    page = items[:limit]
    return {
        "object": "list",
        "data": page,
        "first_id": page[0].get("id") if page else None,
        "last_id": page[-1].get("id") if page else None,
        "has_more": len(items) > limit,
    }


def operate(store: ResponseStore, operation: str, call: OperationCall) -> OperationResult:
    response_id, stored = find(store, call)
    if operation == "retrieve":
        return _json(stored.body)
    if operation == "delete":
        store.delete(response_id)
        return _json({"id": response_id, "object": "response", "deleted": True})
    if operation == "cancel":
        if not stored.body.get("background"):
            raise bad_request("Only responses created with background=true can be cancelled.")
        return _json(stored.body)
    if operation == "input_items":
        return _json(input_items(stored, call.ctx.query))
    raise ApiError(404, f"Unknown operation {operation!r}.")
