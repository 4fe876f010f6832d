"""`GET /v1/models` and `GET /v1/models/{id}` in Anthropic's shape: `ModelInfo` objects, paged.

The list is the models the scenarios declare, paged by `limit` (1-1000, default 20), `after_id` and
`before_id` with `has_more`, `first_id` and `last_id`, as the SDK's auto-pager reads them. Any id
can be read on its own, since fakellm answers chats for any model name.
"""

from __future__ import annotations

import json
from typing import Any

from fakellm.dialects.anthropic.errors import invalid

CREATED_AT = "2025-01-01T00:00:00Z"
DEFAULT_LIMIT = 20
MAX_LIMIT = 1000


def display_name(model_id: str) -> str:
    """`claude-sonnet-4-5` → `Claude Sonnet 4.5`; other ids as they are."""
    if not model_id.startswith("claude-"):
        return model_id
    words: list[str] = []
    for word in model_id.split("-"):
        if word.isdigit() and len(word) == 8:  # a snapshot date
            continue
        if word.isdigit() and words and words[-1][-1:].isdigit():
            words[-1] += "." + word
        else:
            words.append(word.capitalize() if not word.isdigit() else word)
    return " ".join(words)


def model_info(model_id: str) -> dict[str, Any]:
    return {
        "type": "model",
        "id": model_id,
        "display_name": display_name(model_id),
        "created_at": CREATED_AT,
        "lifecycle": "active",
        "max_input_tokens": 200000,
        "max_tokens": 64000,
    }


def _limit(query: dict[str, str]) -> int:
    raw = query.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError:
        raise invalid("limit: Input should be a valid integer, unable to parse string as an integer") from None
    if not 1 <= limit <= MAX_LIMIT:
        bound = "greater than or equal to 1" if limit < 1 else f"less than or equal to {MAX_LIMIT}"
        raise invalid(f"limit: Input should be {bound}")
    return limit


def model_page(model_ids: list[str], query: dict[str, str]) -> bytes:
    limit = _limit(query)
    after, before = query.get("after_id"), query.get("before_id")
    ids = model_ids
    if after is not None:
        ids = ids[ids.index(after) + 1 :] if after in ids else []
        page, more = ids[:limit], len(ids) > limit
    elif before is not None:
        ids = ids[: ids.index(before)] if before in ids else []
        page, more = ids[-limit:], len(ids) > limit
    else:
        page, more = ids[:limit], len(ids) > limit
    body = {
        "data": [model_info(m) for m in page],
        "has_more": more,
        "first_id": page[0] if page else None,
        "last_id": page[-1] if page else None,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def model_body(model_id: str) -> bytes:
    return json.dumps(model_info(model_id), separators=(",", ":")).encode()
