"""The stored responses: what `previous_response_id`, retrieve, delete and input_items read.

In memory, per dialect instance (one per app), bounded by count and by size: when either bound
is passed the oldest responses go first (a later `previous_response_id` naming one gets the same
400 as an unknown id). `store: false` responses are never kept. `reset()` empties it.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from fakellm.config import DEFAULT_RESPONSES_KEPT, DEFAULT_RESPONSES_MAX_BYTES
from fakellm.model import Message


@dataclass(frozen=True, slots=True)
class StoredResponse:
    body: dict[str, Any]  # the response object as the client last saw it
    input_items: tuple[dict[str, Any], ...]  # this request's input items, oldest first
    history: tuple[Message, ...]  # the conversation including this response's output, without instructions
    size: int  # an estimate of the bytes it holds, for the size bound


class ResponseStore:
    def __init__(self, kept: int = DEFAULT_RESPONSES_KEPT, max_bytes: int = DEFAULT_RESPONSES_MAX_BYTES) -> None:
        self.kept = max(1, kept)
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, StoredResponse] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, response_id: str) -> StoredResponse | None:
        return self._items.get(response_id)

    def put(self, response_id: str, stored: StoredResponse) -> None:
        self.delete(response_id)
        self._items[response_id] = stored
        self._bytes += stored.size
        while len(self._items) > self.kept or (self._bytes > self.max_bytes and len(self._items) > 1):
            _, oldest = self._items.popitem(last=False)
            self._bytes -= oldest.size

    def delete(self, response_id: str) -> bool:
        stored = self._items.pop(response_id, None)
        if stored is None:
            return False
        self._bytes -= stored.size
        return True

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0
